import type { Lang } from '../strings/translate.ts';

// Building an Intl.DateTimeFormat costs ~0.1 ms; every rendered message needs one, so they are kept.
const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();
const lastFormatted = new Map<string, { second: number; text: string }>();

/**
 * "2026-11-30 09:00:05 (GMT+8)": one format across the console and messages, in both languages,
 * always with its zone so nobody has to guess which clock a time is on.
 */
export function formatDateTime(ms: number, _lang: Lang, timeZone: string): string {
  // formatToParts is the costly part, and a burst of events renders the same second many times.
  const second = Math.floor(ms / 1000);
  const last = lastFormatted.get(timeZone);
  if (last?.second === second) return last.text;
  let format = dateTimeFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'shortOffset',
    });
    dateTimeFormats.set(timeZone, format);
  }
  const p = Object.fromEntries(format.formatToParts(ms).map((part) => [part.type, part.value]));
  const text = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} (${p.timeZoneName})`;
  lastFormatted.set(timeZone, { second, text });
  return text;
}
