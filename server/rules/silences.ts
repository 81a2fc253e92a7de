// Muting one alert from the send log: a silence matches category + title + store (the dedupe
// identity) until it expires. Pure: intake passes the active silences it read with the batch.
import { resolvedTitle } from '../events/alertmanager.ts';
import type { Category, EventKind } from '../events/schema.ts';
import { addDays, localDateStart } from '../time/calendar.ts';

export interface Silence {
  id: number;
  category: string;
  title: string;
  /** '' when the alert names no store. */
  store: string;
  /** Exclusive. */
  until: number;
}

export const SILENCE_DURATIONS = ['1h', '4h', '24h'] as const;
export type SilenceDuration = (typeof SILENCE_DURATIONS)[number];
const HOUR = 3600_000;
/** A silence is for a noisy alert, not a way to switch a category off: at most a year. */
export const MAX_SILENCE_MS = 366 * 24 * HOUR;
/** Silences in force at once: what a configuration document carries, so an export always imports again. */
export const MAX_SILENCES = 500;

export type MuteDecision = { action: 'create' } | { action: 'extend'; silence: Silence; until: number } | { action: 'full' };

/**
 * Muting an alert from the send log: a silence in force for the same category, title and store is
 * kept, ending at the later of the two ends, rather than doubled; a new one only below MAX_SILENCES.
 */
export function planMute(wanted: Pick<Silence, 'category' | 'title' | 'store' | 'until'>, active: readonly Silence[]): MuteDecision {
  const same = active.find((s) => s.category === wanted.category && s.title === wanted.title && s.store === wanted.store);
  if (same) return { action: 'extend', silence: same, until: Math.max(same.until, wanted.until) };
  return active.length >= MAX_SILENCES ? { action: 'full' } : { action: 'create' };
}

/**
 * The silence this event falls under, if any: alerts and task results only, never reports. An
 * Alertmanager resolution ("[RESOLVED] <title>") falls under its firing's: the group muted the alert,
 * so it hears neither that it fires nor that it resolved.
 */
export function matchSilence(
  e: { kind: EventKind; category: Category; title: string; store?: string; resolved?: true },
  silences: readonly Silence[],
  now: number,
): Silence | undefined {
  if (e.kind !== 'alert' && e.kind !== 'task_result') return undefined;
  const store = e.store ?? '';
  const titled = (s: Silence) => s.title === e.title || (e.resolved === true && resolvedTitle(s.title) === e.title);
  return silences.find((s) => s.until > now && s.category === e.category && s.store === store && titled(s));
}

/** When a silence chosen as a duration ends. */
export function silenceEndAfter(duration: SilenceDuration, now: number): number {
  return now + { '1h': 1, '4h': 4, '24h': 24 }[duration] * HOUR;
}

/**
 * "Until 2026-12-05" silences through that whole day in the console's zone, i.e. until the next
 * local midnight; undefined when that is not in the future or more than a year ahead.
 */
export function silenceEndOnDate(date: string, timeZone: string, now: number): number | undefined {
  const end = localDateStart(addDays(date, 1), timeZone);
  return end > now && end - now <= MAX_SILENCE_MS ? end : undefined;
}
