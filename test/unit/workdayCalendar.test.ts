import { describe, expect, it } from 'vitest';
import { holidayDataFrom, loadChinaHolidays } from '../../server/calendar/chinaHolidays.ts';
import { calendarAllows, createWorkdayCalendar, isDateString, missingNextYear } from '../../server/calendar/workdays.ts';
import { addDays, localDate } from '../../server/time/calendar.ts';
import { comparableTime } from '../../server/metricRules/comparableDay.ts';
import { isQuiet, quietEndsAt, type QuietHours } from '../../server/rules/quietHours.ts';

const TZ = 'Asia/Shanghai';
const at = (local: string) => Date.parse(`${local}+08:00`);
// The package as installed: the facts below come from its data, not from memory.
const data = loadChinaHolidays();
const calendar = createWorkdayCalendar(data, []);
const adjusted2026 = [...data.workdays.keys()].filter((d) => d.startsWith('2026-'));

describe('China workday calendar (chinese-days data)', () => {
  it('knows the package years, through 2026', () => {
    expect(data.source).toMatch(/^chinese-days \d+\.\d+\.\d+$/);
    expect(data.lastYear).toBe(2026);
    expect(calendar.knownThrough).toBe(2026);
    expect(data.firstYear).toBeLessThanOrEqual(2020);
  });

  it('National Day 2026 (10-01 … 10-07) is off, every day of it', () => {
    for (let d = 1; d <= 7; d++) {
      const date = `2026-10-0${d}`;
      expect(calendar.isWorkday(date), date).toBe(false);
      expect(calendar.day(date).reason).toBe('holiday');
    }
    expect(calendar.day('2026-10-01').name).toEqual({ en: 'National Day', zh: '国庆节' });
  });

  it("2026's adjusted working days (from the package) are weekend days that are workdays", () => {
    expect(adjusted2026.length).toBeGreaterThan(3);
    for (const date of adjusted2026) {
      const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
      expect([0, 6], `${date} is a weekend day`).toContain(weekday);
      expect(calendar.isWorkday(date), date).toBe(true);
      expect(calendar.day(date).reason).toBe('adjusted_workday');
    }
    // A plain weekend and a plain weekday.
    expect(calendar.isWorkday('2026-11-28')).toBe(false);
    expect(calendar.isWorkday('2026-11-30')).toBe(true);
  });

  it("the admin's days win over the package", () => {
    const own = createWorkdayCalendar(data, [
      { date: '2026-10-03', workday: true, note: '国庆值班' },
      { date: adjusted2026[0]!, workday: false, note: '门店停业' },
      { date: '2026-11-11', workday: true, note: '双11' },
    ]);
    expect(own.isWorkday('2026-10-03')).toBe(true);
    expect(own.day('2026-10-03')).toMatchObject({ reason: 'admin', name: '国庆值班' });
    expect(own.isWorkday(adjusted2026[0]!)).toBe(false);
    expect(own.isWorkday('2026-11-11')).toBe(true);
    expect(own.isWorkday('2026-10-04')).toBe(false);
  });

  it('says from 1 December that next year is missing, until the admin marks it entered', () => {
    expect(missingNextYear(calendar, at('2026-11-30T23:59:00'), TZ)).toBeUndefined();
    expect(missingNextYear(calendar, at('2026-12-01T00:00:00'), TZ)).toBe(2027);
    expect(missingNextYear(calendar, at('2026-12-06T09:00:00'), TZ)).toBe(2027);
    // A year already under way and unknown is missing too.
    expect(missingNextYear(calendar, at('2027-03-01T09:00:00'), TZ)).toBe(2027);
    const entered = createWorkdayCalendar(data, [{ date: '2027-01-01', workday: false, note: '元旦' }], [2027]);
    expect(entered.knownThrough).toBe(2027);
    expect(missingNextYear(entered, at('2026-12-06T09:00:00'), TZ)).toBeUndefined();
  });

  it('calendar choices judge the local date in the given zone', () => {
    // 2026-10-08 00:30 in Shanghai is still 10-07 in UTC.
    const t = at('2026-10-08T00:30:00');
    expect(localDate(t, TZ)).toBe('2026-10-08');
    expect(localDate(t, 'UTC')).toBe('2026-10-07');
    expect(calendarAllows('workdays_cn', calendar, t, TZ)).toBe(true);
    expect(calendarAllows('workdays_cn', calendar, t, 'UTC')).toBe(false);
    expect(calendarAllows('non_workdays_cn', calendar, t, 'UTC')).toBe(true);
    expect(calendarAllows('every_day', calendar, t, 'UTC')).toBe(true);
  });

  it('reads dates strictly and lists notable days in order', () => {
    expect(isDateString('2026-02-29')).toBe(false);
    expect(isDateString('2028-02-29')).toBe(true);
    expect(isDateString('2026-1-01')).toBe(false);
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    const small = createWorkdayCalendar(holidayDataFrom({ holidays: { '2030-01-01': "New Year's Day,元旦,1" }, workdays: {} }, 'test'), [{ date: '2029-12-31', workday: false, note: '' }]);
    expect(small.notableDaysFrom('2029-01-01', 5).map((d) => d.date)).toEqual(['2029-12-31', '2030-01-01']);
  });
});

describe('quiet all day on non-workdays', () => {
  const q: QuietHours = { enabled: false, start: '22:00', end: '08:00', timeZone: TZ, nonWorkdays: true };

  it('is quiet through 国庆 and ends at midnight of the first workday', () => {
    expect(isQuiet(at('2026-09-30T23:00:00'), q, calendar)).toBe(false);
    expect(isQuiet(at('2026-10-01T10:00:00'), q, calendar)).toBe(true);
    expect(quietEndsAt(at('2026-10-01T10:00:00'), q, calendar)).toBe(at('2026-10-08T00:00:00'));
    // An adjusted working day (Saturday) is not quiet.
    expect(isQuiet(at('2026-10-10T10:00:00'), q, calendar)).toBe(false);
    // Without the calendar (or the option) nothing changes.
    expect(isQuiet(at('2026-10-01T10:00:00'), q)).toBe(false);
    expect(isQuiet(at('2026-10-01T10:00:00'), { ...q, nonWorkdays: false }, calendar)).toBe(false);
  });

  it('joins with the nightly window: quiet until the window ends on the next workday', () => {
    const both: QuietHours = { ...q, enabled: true };
    // Sunday 2026-11-29 afternoon: quiet all day, then Monday 00:00–08:00 is inside the window.
    expect(quietEndsAt(at('2026-11-29T15:00:00'), both, calendar)).toBe(at('2026-11-30T08:00:00'));
  });
});

describe('same time last week, skipping holidays', () => {
  it('compares a workday with the last workday and a holiday with the last day off', () => {
    // Thursday after 国庆: a week earlier was 10-01 (holiday); the week before, 09-24, was a workday.
    expect(comparableTime(at('2026-10-08T10:00:00'), '7d', TZ, calendar)).toBe(at('2026-09-24T10:00:00'));
    // One day back from 10-08 steps over the whole holiday to 09-30.
    expect(comparableTime(at('2026-10-08T10:00:00'), '1d', TZ, calendar)).toBe(at('2026-09-30T10:00:00'));
    // An ordinary week stays the plain same time.
    expect(comparableTime(at('2026-11-26T10:00:00'), '7d', TZ, calendar)).toBe(at('2026-11-19T10:00:00'));
    // A holiday compared with the last day off a day earlier.
    expect(comparableTime(at('2026-10-02T10:00:00'), '1d', TZ, calendar)).toBe(at('2026-10-01T10:00:00'));
  });
});
