// "The same time last week" that skips holidays: a workday is compared with the same wall-clock time
// on the last workday that many days (or whole weeks) back, a day off with the last day off, so the
// first workday after 国庆 is not measured against a holiday, nor a holiday against a workday.
import type { WorkdayCalendar } from '../calendar/workdays.ts';
import { localDate } from '../time/calendar.ts';
import { sameTimeDaysEarlier } from '../time/calendar.ts';

/** How far back a comparable day is looked for: the longest holidays (春节 with its weekends) fit. */
export const COMPARABLE_STEPS = { '1d': 14, '7d': 4 } as const;

/**
 * The same wall-clock time on the last day of the same kind (workday or not), stepping back one day
 * (`1d`) or one week (`7d`) at a time; undefined when none is within reach.
 */
export function comparableTime(at: number, baseline: '1d' | '7d', timeZone: string, calendar: WorkdayCalendar): number | undefined {
  const workday = calendar.isWorkday(localDate(at, timeZone));
  const step = baseline === '1d' ? 1 : 7;
  for (let n = 1; n <= COMPARABLE_STEPS[baseline]; n++) {
    const t = sameTimeDaysEarlier(at, n * step, timeZone);
    if (calendar.isWorkday(localDate(t, timeZone)) === workday) return t;
  }
  return undefined;
}

/** How far back a rule's baseline may reach, in days. */
export function baselineReachDays(baseline: '1d' | '7d', skipHolidays: boolean): number {
  const step = baseline === '1d' ? 1 : 7;
  return skipHolidays ? step * COMPARABLE_STEPS[baseline] : step;
}
