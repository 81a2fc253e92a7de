// Calendar days and wall-clock times in a zone, DST-safe: a local day runs from local midnight to
// local midnight (23 or 25 hours across a change), and "the same time N days earlier" is a
// wall-clock question. Dates are "YYYY-MM-DD" strings, instants epoch ms.
import { zonedParts, zoneOffsetMs } from './zone.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** "2025-03-13" in `timeZone`. */
export function localDate(ms: number, timeZone: string): string {
  const p = zonedParts(ms, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** "2025-03-13 09:00" in `timeZone`. */
export function localDateTime(ms: number, timeZone: string): string {
  const p = zonedParts(ms, timeZone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** Minutes since local midnight in `timeZone`. */
export function minuteOfDay(ms: number, timeZone: string): number {
  const p = zonedParts(ms, timeZone);
  return Number(p.hour) * 60 + Number(p.minute);
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday, of a calendar date. */
export function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/**
 * Epoch ms of the first instant of the calendar day `yyyy-mm-dd` in `timeZone`: local midnight, or
 * the end of the gap where the clocks jump at midnight (America/Havana, America/Santiago).
 */
export function localDateStart(date: string, timeZone: string): number {
  const guess = Date.parse(`${date}T00:00:00Z`);
  const first = guess - zoneOffsetMs(guess, timeZone);
  // Re-check at the candidate itself: the offset can differ across a DST change that day.
  const start = guess - zoneOffsetMs(first, timeZone);
  // Midnight fell in a gap, so the re-checked offset put it on the day before: with the offset
  // before the jump, midnight is the jump itself, the day's first instant.
  return localDate(start, timeZone) === date ? start : first;
}

/**
 * Epoch ms of the most recent local midnight in `timeZone` at `now`; not `now` minus the wall-clock
 * time since midnight, which is an hour off on a daylight-saving day.
 */
export function startOfDay(now: number, timeZone: string): number {
  return localDateStart(localDate(now, timeZone), timeZone);
}

/** Epoch ms of the same local wall-clock time `days` calendar days before `at`, in `timeZone`. */
export function sameTimeDaysEarlier(at: number, days: number, timeZone: string): number {
  const offset = zoneOffsetMs(at, timeZone);
  const wall = at + offset - days * DAY;
  const guess = wall - zoneOffsetMs(wall - offset, timeZone);
  // Re-check at the candidate itself: the offset there may differ from the one at `at`.
  return wall - zoneOffsetMs(guess, timeZone);
}

/** Epoch ms of the start of the local hour `at` is in: :30 UTC in a zone half an hour off, like Asia/Kolkata. */
export function startOfHour(at: number, timeZone: string): number {
  return at - ((((at + zoneOffsetMs(at, timeZone)) % HOUR) + HOUR) % HOUR);
}

/** The starts of the `count` local hours up to the one `now` is in, oldest first. */
export function lastHourStarts(now: number, count: number, timeZone: string): number[] {
  return Array.from({ length: count }, (_, i) => startOfHour(now - (count - 1 - i) * HOUR, timeZone));
}

/** The local midnights of the `count` calendar days up to today, oldest first (a day is 23 or 25 hours across a DST change). */
export function lastDayStarts(now: number, count: number, timeZone: string): number[] {
  const today = localDate(now, timeZone);
  return Array.from({ length: count }, (_, i) => localDateStart(addDays(today, i - count + 1), timeZone));
}
