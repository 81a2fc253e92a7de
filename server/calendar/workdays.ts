// Which days are workdays in China: the admin's own days first, then the package's holidays and
// adjusted working days (调休), then Monday to Friday. Pure: built from plain data, asked with a
// date string or an instant and a time zone.
import { CALENDAR_CHOICES } from '../../db/schema.ts';
import type { HolidayData, NamedDay } from './chinaHolidays.ts';
import { localDate, weekdayOf } from '../time/calendar.ts';

/** Schedules that follow the calendar: report jobs, heartbeat checks. */
export { CALENDAR_CHOICES };
export type CalendarChoice = (typeof CALENDAR_CHOICES)[number];

export function isCalendarChoice(x: unknown): x is CalendarChoice {
  return (CALENDAR_CHOICES as readonly unknown[]).includes(x);
}

/** A day the admin set: a store closure (off), 618 or 双11 as working days, next year's holidays. */
export interface AdminDay {
  date: string;
  workday: boolean;
  note: string;
}

export type DayReason = 'admin' | 'holiday' | 'adjusted_workday' | 'weekend' | 'weekday';

export interface DayInfo {
  date: string;
  workday: boolean;
  reason: DayReason;
  /** The holiday's name (package), or the admin's note. */
  name?: NamedDay | string;
}

export interface WorkdayCalendar {
  day(date: string): DayInfo;
  isWorkday(date: string): boolean;
  /** The last year whose holidays are known: the package's, or later years the admin marked as entered. */
  knownThrough: number;
  /** The package's own last year and its name. */
  packageLastYear: number;
  source: string;
  firstYear: number;
  adminDays: readonly AdminDay[];
  /** Holidays, adjusted working days and the admin's days from `date` on, in order, at most `limit`. */
  notableDaysFrom(date: string, limit: number): DayInfo[];
}

/** Where the calendar as it is now comes from (the calendar store; a fixed one in tests). */
export interface CalendarSource {
  calendar(): WorkdayCalendar;
}

/** Admin days kept at most (a few years of holidays, closures and shopping festivals). */
export const MAX_ADMIN_DAYS = 1000;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date written YYYY-MM-DD. */
export function isDateString(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

export function createWorkdayCalendar(data: HolidayData, adminDays: readonly AdminDay[], enteredYears: readonly number[] = []): WorkdayCalendar {
  const admin = new Map(adminDays.map((d) => [d.date, d]));
  let knownThrough = data.lastYear;
  const entered = new Set(enteredYears);
  while (entered.has(knownThrough + 1)) knownThrough++;
  const day = (date: string): DayInfo => {
    const own = admin.get(date);
    if (own) return { date, workday: own.workday, reason: 'admin', ...(own.note ? { name: own.note } : {}) };
    const holiday = data.holidays.get(date);
    if (holiday) return { date, workday: false, reason: 'holiday', name: holiday };
    const adjusted = data.workdays.get(date);
    if (adjusted) return { date, workday: true, reason: 'adjusted_workday', name: adjusted };
    const wd = weekdayOf(date);
    return wd === 0 || wd === 6 ? { date, workday: false, reason: 'weekend' } : { date, workday: true, reason: 'weekday' };
  };
  return {
    day,
    isWorkday: (date) => day(date).workday,
    knownThrough,
    packageLastYear: data.lastYear,
    source: data.source,
    firstYear: data.firstYear,
    adminDays: [...adminDays].sort((a, b) => a.date.localeCompare(b.date)),
    notableDaysFrom(date, limit) {
      const dates = new Set<string>();
      for (const map of [data.holidays, data.workdays, admin]) for (const d of map.keys()) if (d >= date) dates.add(d);
      return [...dates].sort().slice(0, limit).map(day);
    },
  };
}

/** Whether a schedule with this calendar choice may act at `at` (its local date in `timeZone`). */
export function calendarAllows(choice: CalendarChoice, calendar: WorkdayCalendar | undefined, at: number, timeZone: string): boolean {
  return choice === 'every_day' || !calendar || calendarAllowsDate(choice, calendar, localDate(at, timeZone));
}

/** The same for a local date (`yyyy-mm-dd`). */
export function calendarAllowsDate(choice: CalendarChoice, calendar: WorkdayCalendar | undefined, date: string): boolean {
  if (choice === 'every_day' || !calendar) return true;
  const workday = calendar.isWorkday(date);
  return choice === 'workdays_cn' ? workday : !workday;
}

/** From 1 December: the coming year when the calendar does not know it yet (the dashboard warns). */
export function missingNextYear(calendar: WorkdayCalendar, now: number, timeZone: string): number | undefined {
  const today = localDate(now, timeZone);
  const year = Number(today.slice(0, 4));
  const next = today.slice(5) >= '12-01' ? year + 1 : year;
  return calendar.knownThrough < next ? next : undefined;
}
