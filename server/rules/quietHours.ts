import { minuteOfDay } from '../time/calendar.ts';

export interface QuietHours {
  enabled: boolean;
  /** "HH:MM" local time in `timeZone`; a start after the end spans midnight. */
  start: string;
  end: string;
  timeZone: string;
}

function minutesOf(hhmm: string): number {
  const [h = '0', m = '0'] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

export function isQuiet(now: number, q: QuietHours): boolean {
  if (!q.enabled) return false;
  const start = minutesOf(q.start);
  const end = minutesOf(q.end);
  if (start === end) return false;
  const cur = minuteOfDay(now, q.timeZone);
  return start < end ? cur >= start && cur < end : cur >= start || cur < end;
}

/**
 * The instant quiet hours end (the first minute at which isQuiet turns false), found by stepping
 * through whole minutes so daylight-saving jumps need no special cases. Undefined when not quiet.
 */
export function quietEndsAt(now: number, q: QuietHours): number | undefined {
  if (!isQuiet(now, q)) return undefined;
  let t = now - (now % 60_000) + 60_000;
  for (let i = 0; i < 48 * 60; i++, t += 60_000) {
    if (!isQuiet(t, q)) return t;
  }
  return undefined;
}
