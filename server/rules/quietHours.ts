import type { WorkdayCalendar } from '../calendar/workdays.ts';
import { localDate, minuteOfDay } from '../time/calendar.ts';

export interface QuietHours {
  enabled: boolean;
  /** "HH:MM" local time in `timeZone`; a start after the end spans midnight. */
  start: string;
  end: string;
  timeZone: string;
  /** Quiet all day on days that are not workdays in China's calendar (weekends, holidays, the admin's days off). */
  nonWorkdays?: boolean;
}

function minutesOf(hhmm: string): number {
  const [h = '0', m = '0'] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/** Quiet because the day is not a workday (only with `nonWorkdays` and a calendar). */
function quietDay(now: number, q: QuietHours, calendar: WorkdayCalendar | undefined): boolean {
  return q.nonWorkdays === true && calendar !== undefined && !calendar.isWorkday(localDate(now, q.timeZone));
}

function quietWindow(now: number, q: QuietHours): boolean {
  if (!q.enabled) return false;
  const start = minutesOf(q.start);
  const end = minutesOf(q.end);
  if (start === end) return false;
  const cur = minuteOfDay(now, q.timeZone);
  return start < end ? cur >= start && cur < end : cur >= start || cur < end;
}

export function isQuiet(now: number, q: QuietHours, calendar?: WorkdayCalendar): boolean {
  return quietWindow(now, q) || quietDay(now, q, calendar);
}

/**
 * The instant quiet hours end (the first minute at which isQuiet turns false), found by stepping
 * through whole minutes so daylight-saving jumps need no special cases; a whole day off is
 * stepped over in quarter hours (days off come in whole local days, and a holiday with its
 * weekends lasts up to nine). Undefined when not quiet, or not within 60 days.
 */
export function quietEndsAt(now: number, q: QuietHours, calendar?: WorkdayCalendar): number | undefined {
  if (!isQuiet(now, q, calendar)) return undefined;
  let t = now - (now % 60_000) + 60_000;
  for (let minutes = 0, steps = 0; minutes < 60 * 24 * 60 && steps < 10_000; steps++) {
    if (quietDay(t, q, calendar)) {
      // Quarter hours: every zone's midnight falls on one, so the first minute of the next day is not overshot.
      const next = t - (t % 900_000) + 900_000;
      minutes += (next - t) / 60_000;
      t = next;
      continue;
    }
    if (!quietWindow(t, q)) return t;
    t += 60_000;
    minutes++;
  }
  return undefined;
}
