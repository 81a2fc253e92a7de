import type { Lang } from '../strings/translate.ts';
import { localDateTime } from './calendar.ts';
import { zonedParts } from './zone.ts';

// A burst of events renders the same second many times: the last text per zone is kept.
const lastFormatted = new Map<string, { second: number; text: string }>();

/**
 * "2026-11-30 09:00:05 (GMT+8)": one format across the console and messages, in both languages,
 * always with its zone so nobody has to guess which clock a time is on.
 */
export function formatDateTime(ms: number, _lang: Lang, timeZone: string): string {
  const second = Math.floor(ms / 1000);
  const last = lastFormatted.get(timeZone);
  if (last?.second === second) return last.text;
  const p = zonedParts(ms, timeZone);
  const text = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} (${p.offset})`;
  lastFormatted.set(timeZone, { second, text });
  return text;
}

const weekdayFormats = new Map<string, Intl.DateTimeFormat>();

/** "2025-03-30 03:00 Sun (GMT+2)": a report job's run in its own zone, with the offset so a DST change shows. */
export function formatRunTime(ms: number, lang: Lang, timeZone: string): string {
  const id = `${lang}|${timeZone}`;
  let f = weekdayFormats.get(id);
  if (!f) {
    f = new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-US', { timeZone, weekday: 'short', timeZoneName: 'shortOffset' });
    weekdayFormats.set(id, f);
  }
  const parts = f.formatToParts(ms);
  const weekday = parts.find((p) => p.type === 'weekday')?.value ?? '';
  const offset = parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
  return `${localDateTime(ms, timeZone)} ${weekday} (${offset})`;
}

/** A chart axis label in the reader's language: the hour ("09") or the day ("30/11", "11/30"). */
export function axisLabelFormat(lang: Lang, timeZone: string, unit: 'hour' | 'day'): (ms: number) => string {
  const opts: Intl.DateTimeFormatOptions = unit === 'hour' ? { hour: '2-digit' } : { month: '2-digit', day: '2-digit' };
  const f = new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone, hour12: false, ...opts });
  return (ms: number) => f.format(ms);
}
