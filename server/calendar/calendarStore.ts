// The workday calendar as the appliance uses it: the package's data with the admin's own days on
// top, kept in the settings table (key `calendar`) and rebuilt only when the admin changes a day.
import * as v from 'valibot';
import type { Db } from '../../db/client.ts';
import { getSetting, putSetting } from '../../db/queries/settings.ts';
import type { HolidayData } from './chinaHolidays.ts';
import { createWorkdayCalendar, isDateString, MAX_ADMIN_DAYS, type AdminDay, type CalendarSource } from './workdays.ts';

export const ADMIN_NOTE_MAX = 60;

const storedSchema = v.object({
  days: v.pipe(
    v.array(v.object({ date: v.pipe(v.string(), v.check(isDateString)), workday: v.boolean(), note: v.pipe(v.string(), v.maxLength(ADMIN_NOTE_MAX)) })),
    v.maxLength(MAX_ADMIN_DAYS),
  ),
  /** Years the admin marked as entered in full (their holidays added as admin days). */
  enteredYears: v.array(v.pipe(v.number(), v.integer())),
});
type Stored = v.InferOutput<typeof storedSchema>;

const EMPTY: Stored = { days: [], enteredYears: [] };

export interface CalendarStore extends CalendarSource {
  /** Adds or replaces the admin's day; false when the list is full. */
  putDay(day: AdminDay): boolean;
  /** Removes the admin's day; false when there was none. */
  removeDay(date: string): boolean;
  setYearEntered(year: number, entered: boolean): void;
  enteredYears(): readonly number[];
}

export function createCalendarStore(db: Db, clock: { now(): number }, data: HolidayData): CalendarStore {
  const parsed = v.safeParse(storedSchema, getSetting<unknown>(db, 'calendar', EMPTY));
  // A stored value that no longer fits (an older or damaged row) falls back to no admin days.
  let stored: Stored = parsed.success ? parsed.output : EMPTY;
  let calendar = createWorkdayCalendar(data, stored.days, stored.enteredYears);
  const write = (next: Stored) => {
    putSetting(db, 'calendar', next, clock.now());
    stored = next;
    calendar = createWorkdayCalendar(data, stored.days, stored.enteredYears);
  };
  return {
    calendar: () => calendar,
    putDay(day) {
      const others = stored.days.filter((d) => d.date !== day.date);
      if (others.length >= MAX_ADMIN_DAYS) return false;
      write({ ...stored, days: [...others, day].sort((a, b) => a.date.localeCompare(b.date)) });
      return true;
    },
    removeDay(date) {
      const others = stored.days.filter((d) => d.date !== date);
      if (others.length === stored.days.length) return false;
      write({ ...stored, days: others });
      return true;
    },
    setYearEntered(year, entered) {
      const years = new Set(stored.enteredYears);
      if (entered) years.add(year);
      else years.delete(year);
      write({ ...stored, enteredYears: [...years].sort((a, b) => a - b) });
    },
    enteredYears: () => stored.enteredYears,
  };
}
