import { describe, expect, it } from 'vitest';
import { addDays, lastDayStarts, lastHourStarts, localDate, localDateStart, localDateTime, minuteOfDay, sameTimeDaysEarlier, startOfDay, startOfHour, weekdayOf } from '../../server/time/calendar.ts';
import { formatDateTime, formatRunTime } from '../../server/time/format.ts';
import { dailyPeriods, todayPeriods, weeklyPeriods } from '../../server/time/periods.ts';
import { canonicalTimeZone, isTimeZone, zonedParts, zoneOffsetMs } from '../../server/time/zone.ts';

const HOUR = 3600_000;
const at = (iso: string) => Date.parse(iso);

describe('time in Asia/Shanghai (UTC+8, no daylight saving)', () => {
  const tz = 'Asia/Shanghai';
  const nineAm = at('2026-11-30T01:00:00Z');

  it('reads the wall clock and the offset', () => {
    expect(zonedParts(nineAm, tz)).toEqual({ year: '2026', month: '11', day: '30', hour: '09', minute: '00', second: '00', offset: 'GMT+8' });
    expect(zoneOffsetMs(nineAm, tz)).toBe(8 * HOUR);
    expect(localDate(nineAm, tz)).toBe('2026-11-30');
    expect(localDateTime(nineAm, tz)).toBe('2026-11-30 09:00');
    expect(minuteOfDay(nineAm, tz)).toBe(9 * 60);
    expect(formatDateTime(nineAm + 5000, 'zh', tz)).toBe('2026-11-30 09:00:05 (GMT+8)');
  });

  it('starts the local day at 16:00 UTC the day before', () => {
    expect(localDateStart('2026-11-30', tz)).toBe(at('2026-11-29T16:00:00Z'));
    expect(startOfDay(nineAm + 1234, tz)).toBe(at('2026-11-29T16:00:00Z'));
    // Local midnight is UTC's 16:00, so a UTC date boundary is no local one.
    expect(localDate(at('2026-11-29T15:59:59Z'), tz)).toBe('2026-11-29');
    expect(localDate(at('2026-11-29T16:00:00Z'), tz)).toBe('2026-11-30');
  });

  it('gives reports yesterday and last week as whole local days', () => {
    const daily = dailyPeriods(nineAm, tz);
    expect(daily.label).toBe('2026-11-29');
    expect(daily.current).toEqual({ start: at('2026-11-28T16:00:00Z'), end: at('2026-11-29T16:00:00Z') });
    expect(daily.previous).toEqual({ start: at('2026-11-27T16:00:00Z'), end: at('2026-11-28T16:00:00Z') });
    // 2026-11-30 is a Monday: last week is the 23rd to the 29th.
    const weekly = weeklyPeriods(nineAm, tz);
    expect(weekly.label).toBe('2026-11-23 – 2026-11-29');
    expect(weekly.current.end - weekly.current.start).toBe(7 * 24 * HOUR);
  });

  it('finds the same time a day or a week earlier 24 h per day back', () => {
    expect(sameTimeDaysEarlier(nineAm, 1, tz)).toBe(nineAm - 24 * HOUR);
    expect(sameTimeDaysEarlier(nineAm, 7, tz)).toBe(nineAm - 7 * 24 * HOUR);
  });
});

describe('time in Europe/Berlin (daylight saving: 2026-03-29 and 2026-10-25 at 01:00 UTC)', () => {
  const tz = 'Europe/Berlin';

  it('has a 23-hour day in spring and a 25-hour day in autumn', () => {
    expect(localDateStart('2026-03-29', tz)).toBe(at('2026-03-28T23:00:00Z'));
    expect(localDateStart('2026-03-30', tz)).toBe(at('2026-03-29T22:00:00Z'));
    expect(localDateStart('2026-10-25', tz)).toBe(at('2026-10-24T22:00:00Z'));
    expect(localDateStart('2026-10-26', tz)).toBe(at('2026-10-25T23:00:00Z'));
    const spring = dailyPeriods(at('2026-03-30T07:00:00Z'), tz);
    expect(spring.label).toBe('2026-03-29');
    expect(spring.current.end - spring.current.start).toBe(23 * HOUR);
    const autumn = dailyPeriods(at('2026-10-26T07:00:00Z'), tz);
    expect(autumn.current.end - autumn.current.start).toBe(25 * HOUR);
  });

  it('changes the offset at the switch, and says so in every format', () => {
    expect(zoneOffsetMs(at('2026-03-29T00:59:59Z'), tz)).toBe(HOUR);
    expect(zoneOffsetMs(at('2026-03-29T01:00:00Z'), tz)).toBe(2 * HOUR);
    expect(formatDateTime(at('2026-03-29T00:30:00Z'), 'en', tz)).toBe('2026-03-29 01:30:00 (GMT+1)');
    expect(formatDateTime(at('2026-03-29T01:30:00Z'), 'en', tz)).toBe('2026-03-29 03:30:00 (GMT+2)');
    expect(formatRunTime(at('2026-03-30T07:00:00Z'), 'en', tz)).toBe('2026-03-30 09:00 Mon (GMT+2)');
  });

  it('finds the same wall-clock time a day earlier 23 or 25 hours back across a switch', () => {
    const springNine = at('2026-03-29T07:00:00Z'); // 09:00 CEST, the first summer day
    expect(sameTimeDaysEarlier(springNine, 1, tz)).toBe(springNine - 23 * HOUR);
    const autumnNine = at('2026-10-25T08:00:00Z'); // 09:00 CET, the first winter day
    expect(sameTimeDaysEarlier(autumnNine, 1, tz)).toBe(autumnNine - 25 * HOUR);
    expect(localDateTime(sameTimeDaysEarlier(autumnNine, 7, tz), tz)).toBe('2026-10-18 09:00');
  });

  it('today so far starts at local midnight, also on the short day', () => {
    const p = todayPeriods(at('2026-03-29T10:00:00Z'), tz);
    expect(p.current).toEqual({ start: at('2026-03-28T23:00:00Z'), end: at('2026-03-29T10:00:00Z') });
    expect(p.label).toBe('2026-03-29 00:00 – 12:00');
  });

  it('today so far is compared with the same wall-clock hours of yesterday, across a switch either way', () => {
    // The first summer day at 12:00 CEST: yesterday 00:00–12:00 CET (not 11:00, 11 elapsed hours on).
    expect(todayPeriods(at('2026-03-29T10:00:00Z'), tz).previous).toEqual({ start: at('2026-03-27T23:00:00Z'), end: at('2026-03-28T11:00:00Z') });
    // The day after, 12:00 CEST: the short day's 00:00–12:00 (11 elapsed hours, not 12).
    expect(todayPeriods(at('2026-03-30T10:00:00Z'), tz).previous).toEqual({ start: at('2026-03-28T23:00:00Z'), end: at('2026-03-29T10:00:00Z') });
    // The day after the long day, 12:00 CET: 00:00–12:00 of the long day (13 elapsed hours).
    expect(todayPeriods(at('2026-10-26T11:00:00Z'), tz).previous).toEqual({ start: at('2026-10-24T22:00:00Z'), end: at('2026-10-25T11:00:00Z') });
  });
});

describe('a day that starts in a gap: clocks that jump at local midnight', () => {
  // No 00:00 exists on these days: the day starts at the jump (01:00 new time), not at 23:00 the day before.
  it('America/Havana 2025-03-09 starts at 05:00Z (01:00 GMT-4), not 04:00Z (23:00 on the 8th)', () => {
    const start = localDateStart('2025-03-09', 'America/Havana');
    expect(localDate(start, 'America/Havana')).toBe('2025-03-09');
    expect(new Date(start).toISOString()).toBe('2025-03-09T05:00:00.000Z');
  });

  it("Havana's daily report for 2025-03-09 is 23 hours long and holds no minute of the 8th", () => {
    const p = dailyPeriods(at('2025-03-10T13:00:00Z'), 'America/Havana');
    expect(p.label).toBe('2025-03-09');
    expect(localDate(p.current.start, 'America/Havana')).toBe('2025-03-09');
    expect((p.current.end - p.current.start) / HOUR).toBe(23);
  });

  it('America/Santiago 2025-09-07 starts at 04:00Z (01:00 GMT-3)', () => {
    expect(new Date(localDateStart('2025-09-07', 'America/Santiago')).toISOString()).toBe('2025-09-07T04:00:00.000Z');
  });
});

describe('a clock that steps back', () => {
  const tz = 'Europe/Berlin';

  it('the wall clock at the autumn switch: 02:30 comes twice, an hour apart, with its own offset each time', () => {
    const first = at('2026-10-25T00:30:00Z');
    const second = at('2026-10-25T01:30:00Z');
    expect(localDateTime(first, tz)).toBe('2026-10-25 02:30');
    expect(localDateTime(second, tz)).toBe('2026-10-25 02:30');
    expect(formatDateTime(first, 'en', tz)).toBe('2026-10-25 02:30:00 (GMT+2)');
    expect(formatDateTime(second, 'en', tz)).toBe('2026-10-25 02:30:00 (GMT+1)');
    // Minutes since midnight go back with the wall clock; the day's start does not move.
    const step = at('2026-10-25T01:00:00Z');
    expect(minuteOfDay(step - 1, tz)).toBe(3 * 60 - 1);
    expect(minuteOfDay(step, tz)).toBe(2 * 60);
    expect(startOfDay(first, tz)).toBe(startOfDay(second, tz));
  });

  it('the system clock stepping back: formats and periods follow the instant they are given, not the last one', () => {
    const tzs = 'Asia/Shanghai';
    const later = at('2026-11-30T16:00:05Z'); // 00:00:05 on 1 December in Shanghai
    const earlier = later - 10_000; // 23:59:55 on 30 November, after the step back
    expect(formatDateTime(later, 'en', tzs)).toBe('2026-12-01 00:00:05 (GMT+8)');
    expect(formatDateTime(earlier, 'en', tzs)).toBe('2026-11-30 23:59:55 (GMT+8)');
    expect(formatDateTime(later, 'en', tzs)).toBe('2026-12-01 00:00:05 (GMT+8)');
    expect(dailyPeriods(later, tzs).label).toBe('2026-11-30');
    expect(dailyPeriods(earlier, tzs).label).toBe('2026-11-29');
    expect(startOfDay(earlier, tzs)).toBe(at('2026-11-29T16:00:00Z'));
  });
});

describe('calendar dates and zone names', () => {
  it('adds days across month and year ends, and names weekdays', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
    expect(weekdayOf('2026-11-30')).toBe(1);
    expect(weekdayOf('2026-03-29')).toBe(0);
  });

  it('knows zones as typed and spells them canonically', () => {
    expect(isTimeZone('Asia/Shanghai')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(canonicalTimeZone(' asia/shanghai ')).toBe('Asia/Shanghai');
    expect(canonicalTimeZone('')).toBeUndefined();
  });

  it('reads a half-hour zone (Asia/Kolkata, UTC+5:30) through the offset cache', () => {
    expect(zoneOffsetMs(at('2026-11-30T00:10:00Z'), 'Asia/Kolkata')).toBe(5.5 * HOUR);
    expect(localDateStart('2026-11-30', 'Asia/Kolkata')).toBe(at('2026-11-29T18:30:00Z'));
  });
});

describe('chart buckets: local hours and local days (the dashboard)', () => {
  it('a local hour in a zone half an hour off UTC starts at :30 UTC (Asia/Kolkata, UTC+5:30)', () => {
    expect(startOfHour(at('2026-11-30T03:15:00Z'), 'Asia/Kolkata')).toBe(at('2026-11-30T02:30:00Z'));
    expect(startOfHour(at('2026-11-30T03:45:00Z'), 'Asia/Kolkata')).toBe(at('2026-11-30T03:30:00Z'));
    expect(lastHourStarts(at('2026-11-30T03:45:00Z'), 3, 'Asia/Kolkata')).toEqual([at('2026-11-30T01:30:00Z'), at('2026-11-30T02:30:00Z'), at('2026-11-30T03:30:00Z')]);
  });

  it('the days across a DST change start at local midnight: 23 and 25 hours long (Europe/Berlin)', () => {
    const spring = lastDayStarts(at('2026-03-30T00:30:00Z'), 3, 'Europe/Berlin');
    expect(spring).toEqual([at('2026-03-27T23:00:00Z'), at('2026-03-28T23:00:00Z'), at('2026-03-29T22:00:00Z')]);
    expect(spring[2]! - spring[1]!).toBe(23 * HOUR);
    const autumn = lastDayStarts(at('2026-10-26T12:00:00Z'), 2, 'Europe/Berlin');
    expect(autumn).toEqual([at('2026-10-24T22:00:00Z'), at('2026-10-25T23:00:00Z')]);
    expect(autumn[1]! - autumn[0]!).toBe(25 * HOUR);
  });
});
