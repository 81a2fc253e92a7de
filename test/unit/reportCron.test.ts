import { describe, expect, it, vi } from 'vitest';
import { fireTimesBetween, invalidCronField, nextFireTime, nextFireTimes, parseSchedule } from '../../server/reports/cron.ts';
import { loadChinaHolidays } from '../../server/calendar/chinaHolidays.ts';
import { calendarAllowsDate, createWorkdayCalendar } from '../../server/calendar/workdays.ts';
import { canonicalTimeZone } from '../../server/time/zone.ts';
import { dailyPeriods, snapshotPeriods, weeklyPeriods } from '../../server/time/periods.ts';
import { cronMessage, cronPreviewState } from '../../server/reports/reportForm.ts';
import type { ViewContext } from '../../views/context.ts';
import { translator, type Lang } from '../../server/strings/translate.ts';
import { formatRunTime } from '../../server/time/format.ts';

const iso = (ms: number[]) => ms.map((t) => new Date(t).toISOString());
const ctx = (lang: Lang): ViewContext => ({ t: translator(lang), lang, path: '/reports', timeZone: 'Asia/Shanghai' });

function next3(cron: string, tz: string, from: string): string[] {
  const parsed = parseSchedule(cron, tz, Date.parse(from));
  if (!parsed.ok) throw new Error(`invalid: ${parsed.code}`);
  return iso(nextFireTimes(parsed.cron, 3, Date.parse(from)));
}

describe('cron validation', () => {
  it('accepts five-field expressions and nicknames, normalising spaces', () => {
    const p = parseSchedule('  0   9 * *   1 ', 'Asia/Shanghai');
    expect(p.ok && p.expr).toBe('0 9 * * 1');
    expect(parseSchedule('30 18 * * 1-5', 'UTC').ok).toBe(true);
    expect(parseSchedule('@daily', 'UTC').ok).toBe(true);
    expect(parseSchedule('0 9 * * MON', 'UTC').ok).toBe(true);
  });

  it('names each problem: empty, field count, bad field, never fires, bad time zone', () => {
    expect(parseSchedule('', 'UTC')).toMatchObject({ ok: false, code: 'empty' });
    expect(parseSchedule('0 9 * *', 'UTC')).toMatchObject({ ok: false, code: 'fields', count: 4 });
    expect(parseSchedule('0 0 9 * * *', 'UTC')).toMatchObject({ ok: false, code: 'fields', count: 6 });
    expect(parseSchedule('61 9 * * *', 'UTC')).toMatchObject({ ok: false, code: 'invalid' });
    expect(parseSchedule('0 0 30 2 *', 'UTC')).toMatchObject({ ok: false, code: 'never' });
    expect(parseSchedule('0 9 * * *', 'Mars/Olympus')).toMatchObject({ ok: false, code: 'timezone' });
    expect(invalidCronField('0 25 * * *')).toEqual({ field: expect.objectContaining({ name: 'hour' }), value: '25' });
    expect(invalidCronField('0 9 * 13 *')).toEqual({ field: expect.objectContaining({ name: 'month' }), value: '13' });
    expect(canonicalTimeZone('asia/shanghai')).toBe('Asia/Shanghai');
    expect(canonicalTimeZone('Nowhere/City')).toBeUndefined();
  });

  it('explains an invalid cron in English and Chinese', () => {
    expect(cronMessage(ctx('en'), '0 25 * * *')).toBe('Not a valid cron expression: the hour field “25” is not valid (allowed: 0–23).');
    expect(cronMessage(ctx('zh'), '0 25 * * *')).toBe('无效的 cron 表达式：小时字段“25”无效（允许：0–23）。');
    expect(cronMessage(ctx('en'), '0 9 * *')).toContain('but this one has 4');
    expect(cronMessage(ctx('zh'), '0 9 * *')).toContain('有 4 个字段');
    expect(cronMessage(ctx('en'), '0 0 30 2 *')).toBe('This schedule never fires (such as 30 February): choose a date that exists.');
    expect(cronMessage(ctx('zh'), '0 0 30 2 *')).toBe('这个计划永远不会触发（例如 2 月 30 日）：请选择存在的日期。');
    expect(cronMessage(ctx('en'), '')).toContain('Enter a schedule in cron format');
    expect(cronMessage(ctx('en'), '0 9 * * *')).toBeUndefined();
    expect(cronPreviewState(ctx('en'), '0 9 * * *', 'Mars/Olympus', 0)).toEqual({ error: expect.stringContaining('Unknown time zone') });
  });
});

describe('next-run preview in the job’s time zone', () => {
  it('Asia/Shanghai: daily 09:00 is 01:00 UTC, weekly Monday 09:00', () => {
    expect(next3('0 9 * * *', 'Asia/Shanghai', '2025-03-13T12:00:00Z')).toEqual([
      '2025-03-14T01:00:00.000Z',
      '2025-03-15T01:00:00.000Z',
      '2025-03-16T01:00:00.000Z',
    ]);
    expect(next3('0 9 * * 1', 'Asia/Shanghai', '2025-03-13T12:00:00Z')).toEqual([
      '2025-03-17T01:00:00.000Z',
      '2025-03-24T01:00:00.000Z',
      '2025-03-31T01:00:00.000Z',
    ]);
  });

  it('Europe/Berlin across the spring DST change: 09:00 local moves from 08:00 to 07:00 UTC', () => {
    expect(next3('0 9 * * *', 'Europe/Berlin', '2025-03-29T12:00:00Z')).toEqual([
      '2025-03-30T07:00:00.000Z',
      '2025-03-31T07:00:00.000Z',
      '2025-04-01T07:00:00.000Z',
    ]);
    // 02:30 does not exist on 30 March: a fixed-time job runs right after the gap, at 03:00 CEST.
    expect(next3('30 2 * * *', 'Europe/Berlin', '2025-03-29T12:00:00Z')).toEqual([
      '2025-03-30T01:00:00.000Z',
      '2025-03-31T00:30:00.000Z',
      '2025-04-01T00:30:00.000Z',
    ]);
  });

  it('Europe/Berlin across the autumn change: 02:30 happens twice but the job runs once', () => {
    expect(next3('30 2 * * *', 'Europe/Berlin', '2025-10-25T12:00:00Z')).toEqual([
      '2025-10-26T00:30:00.000Z',
      '2025-10-27T01:30:00.000Z',
      '2025-10-28T01:30:00.000Z',
    ]);
  });

  it('America/New_York and UTC give their own instants for the same expression', () => {
    expect(next3('0 9 * * *', 'America/New_York', '2025-03-08T20:00:00Z')).toEqual([
      '2025-03-09T13:00:00.000Z',
      '2025-03-10T13:00:00.000Z',
      '2025-03-11T13:00:00.000Z',
    ]);
    expect(next3('0 9 * * *', 'UTC', '2025-03-08T20:00:00Z')[0]).toBe('2025-03-09T09:00:00.000Z');
  });

  it('shows the local time, weekday and UTC offset, so the DST change is visible', () => {
    const state = cronPreviewState(ctx('en'), '0 9 * * *', 'Europe/Berlin', Date.parse('2025-03-29T12:00:00Z'));
    expect('runs' in state && state.runs.map((t) => formatRunTime(t, 'en', 'Europe/Berlin'))).toEqual([
      '2025-03-30 09:00 Sun (GMT+2)',
      '2025-03-31 09:00 Mon (GMT+2)',
      '2025-04-01 09:00 Tue (GMT+2)',
    ]);
    expect(formatRunTime(Date.parse('2025-03-29T08:00:00Z'), 'en', 'Europe/Berlin')).toBe('2025-03-29 09:00 Sat (GMT+1)');
    expect(formatRunTime(Date.parse('2025-03-17T01:00:00Z'), 'zh', 'Asia/Shanghai')).toBe('2025-03-17 09:00 周一 (GMT+8)');
  });

  it('lists the fire times between two instants, most recent first', () => {
    const p = parseSchedule('0 9 * * *', 'Asia/Shanghai');
    if (!p.ok) throw new Error('invalid');
    const r = fireTimesBetween(p.cron, Date.parse('2025-03-10T00:00:00Z'), Date.parse('2025-03-13T01:00:00Z'), 10);
    expect(iso(r.times)).toEqual(['2025-03-13T01:00:00.000Z', '2025-03-12T01:00:00.000Z', '2025-03-11T01:00:00.000Z', '2025-03-10T01:00:00.000Z']);
    expect(r.more).toBe(false);
    const capped = fireTimesBetween(p.cron, 0, Date.parse('2025-03-13T01:00:00Z'), 2);
    expect(capped.times).toHaveLength(2);
    expect(capped.more).toBe(true);
  });
});

describe('report periods', () => {
  it('daily: the previous calendar day in the job’s zone, and the day before for changes', () => {
    const p = dailyPeriods(Date.parse('2025-03-14T01:00:00Z'), 'Asia/Shanghai');
    expect(iso([p.current.start, p.current.end, p.previous.start])).toEqual([
      '2025-03-12T16:00:00.000Z',
      '2025-03-13T16:00:00.000Z',
      '2025-03-11T16:00:00.000Z',
    ]);
    expect(p.label).toBe('2025-03-13');
  });

  it('daily across DST: the day of the change is 23 hours long', () => {
    const p = dailyPeriods(Date.parse('2025-03-31T07:00:00Z'), 'Europe/Berlin');
    expect(p.label).toBe('2025-03-30');
    expect((p.current.end - p.current.start) / 3600_000).toBe(23);
    expect((p.previous.end - p.previous.start) / 3600_000).toBe(24);
  });

  it('weekly: the previous Monday to Sunday, whatever day it runs', () => {
    for (const ref of ['2025-03-17T01:00:00Z', '2025-03-19T10:00:00Z', '2025-03-23T15:00:00Z']) {
      const p = weeklyPeriods(Date.parse(ref), 'Asia/Shanghai');
      expect(p.label).toBe('2025-03-10 – 2025-03-16');
      expect(iso([p.current.start, p.current.end, p.previous.start])).toEqual([
        '2025-03-09T16:00:00.000Z',
        '2025-03-16T16:00:00.000Z',
        '2025-03-02T16:00:00.000Z',
      ]);
    }
  });

  it('snapshot: as of the run, compared with 24 h earlier', () => {
    const ref = Date.parse('2025-03-14T01:00:00Z');
    const p = snapshotPeriods(ref, 'Asia/Shanghai');
    expect(p.label).toBe('2025-03-14 09:00');
    expect(p.previous.end).toBe(ref - 24 * 3600_000);
  });
});

describe('fire times on the days a calendar keeps', () => {
  const calendar = createWorkdayCalendar(loadChinaHolidays(), []);
  const workdays = (date: string) => calendarAllowsDate('workdays_cn', calendar, date);
  const shanghai = (s: string) => Date.parse(`${s}+08:00`);

  it('a day left out is passed over whole: every 5 minutes across National Day is three steps of croner, not 2,300', () => {
    const parsed = parseSchedule('*/5 * * * *', 'Asia/Shanghai');
    if (!parsed.ok) throw new Error('cron');
    const nextRun = vi.spyOn(parsed.cron, 'nextRun');
    expect(nextFireTime(parsed.cron, shanghai('2025-09-30T23:55:00'), workdays)).toBe(shanghai('2025-10-09T00:00:00'));
    expect(nextRun.mock.calls.length).toBeLessThanOrEqual(3);
  });

  it('a kept day on which the job does not fire is passed over too, in the zone of the schedule', () => {
    // Mondays at 09:00 in New York: the Monday of Labor Day week is kept by this filter only from Tuesday on.
    const parsed = parseSchedule('0 9 * * 1', 'America/New_York');
    if (!parsed.ok) throw new Error('cron');
    const notFirst = (date: string) => date !== '2025-09-01';
    expect(new Date(nextFireTime(parsed.cron, Date.parse('2025-08-30T00:00:00Z'), notFirst)!).toISOString()).toBe('2025-09-08T13:00:00.000Z');
  });

  it('a schedule whose days are all left out has no next fire time, found in bounded steps', () => {
    const parsed = parseSchedule('0 9 * * *', 'Asia/Shanghai');
    if (!parsed.ok) throw new Error('cron');
    const asked = vi.fn((_date: string) => false);
    expect(nextFireTime(parsed.cron, shanghai('2025-06-01T00:00:00'), asked)).toBeUndefined();
    expect(asked.mock.calls.length).toBeLessThan(1_000);
  });
});
