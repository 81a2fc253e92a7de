// Report jobs on China's workdays, with the real calendar data (chinese-days as installed).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase, type Db } from '../../db/client.ts';
import { insertReportJob } from '../../db/queries/reports.ts';
import { createCalendarStore, type CalendarStore } from '../../server/calendar/calendarStore.ts';
import { loadChinaHolidays } from '../../server/calendar/chinaHolidays.ts';
import { addDays } from '../../server/time/calendar.ts';
import { createLogger } from '../../server/log.ts';
import { createReportScheduler, type ReportScheduler } from '../../server/reports/scheduler.ts';
import { createSettingsStore, type SettingsStore } from '../../server/settings/settingsStore.ts';

const TZ = 'Asia/Shanghai';
const local = (s: string) => Date.parse(`${s}+08:00`);
const holidays = loadChinaHolidays();

let dir: string;
let db: Db;
let time: number;
let calendar: CalendarStore;
let scheduler: ReportScheduler;
let ran: string[];

/** Housekeeping runs daily too: a year of runs is kept whole. */
function longRetention(settings: SettingsStore): SettingsStore {
  settings.setGeneral({ timeZone: TZ, retentionDays: 3650 });
  return settings;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'report-calendar-'));
  db = openDatabase(join(dir, 'notifier.db'));
  time = local('2025-12-31T12:00:00');
  const clock = { now: () => time };
  calendar = createCalendarStore(db, clock, holidays);
  ran = [];
  scheduler = createReportScheduler({
    db,
    clock,
    log: createLogger({ level: 'error', write: () => undefined }),
    settings: longRetention(createSettingsStore(db, clock, { timeZone: TZ })),
    wakeWorker: () => undefined,
    timers: false,
    calendar,
    runner: (_job, run) => {
      ran.push(new Date(run.ref + 8 * 3600_000).toISOString().slice(0, 10));
      return () => [];
    },
  });
});

afterEach(async () => {
  await scheduler.stop();
  closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

/** Every day of 2026 at 09:00:30, as the job's timer would wake. */
async function runYear(): Promise<void> {
  for (let d = '2026-01-01'; d <= '2026-12-31'; d = addDays(d, 1)) {
    time = local(`${d}T09:00:30`);
    await scheduler.runDue(time);
  }
}

describe('report jobs on the workday calendar (real data)', () => {
  it('a workday job skips National Day 2026 and runs on every adjusted working day of 2026', async () => {
    insertReportJob(db, { name: '工作日日报', cron: '0 9 * * *', timezone: TZ, type: 'daily_summary', template: null, enabled: true, calendar: 'workdays_cn' }, time);
    await scheduler.start();
    await runYear();
    for (let d = 1; d <= 7; d++) expect(ran, `2026-10-0${d}`).not.toContain(`2026-10-0${d}`);
    const adjusted = [...holidays.workdays.keys()].filter((d) => d.startsWith('2026-'));
    expect(adjusted.length).toBeGreaterThan(3);
    for (const d of adjusted) expect(ran, `adjusted working day ${d}`).toContain(d);
    expect(ran).toContain('2026-09-30');
    expect(ran).toContain('2026-10-08');
    expect(ran).not.toContain('2026-10-11'); // an ordinary Sunday
    // Days passed over are neither run nor recorded as missed.
    const runs = db.$client.prepare(`SELECT status, "trigger" AS trigger, count(*) AS n FROM report_runs GROUP BY 1, 2`).all();
    expect(runs).toEqual([{ status: 'succeeded', trigger: 'schedule', n: ran.length }]);
  });

  it("the admin's days win: a holiday made a working day runs, a workday made a day off does not", async () => {
    calendar.putDay({ date: '2026-10-03', workday: true, note: '国庆值班' });
    calendar.putDay({ date: '2026-11-11', workday: false, note: '门店停业' });
    insertReportJob(db, { name: '工作日日报', cron: '0 9 * * *', timezone: TZ, type: 'daily_summary', template: null, enabled: true, calendar: 'workdays_cn' }, time);
    await scheduler.start();
    await runYear();
    expect(ran).toContain('2026-10-03');
    expect(ran).not.toContain('2026-10-02');
    expect(ran).not.toContain('2026-11-11');
    expect(ran).toContain('2026-11-12');
  });

  it('a weekends-and-holidays job runs exactly on the other days; next run looks past the holiday', async () => {
    insertReportJob(db, { name: '假日巡检', cron: '0 9 * * *', timezone: TZ, type: 'daily_summary', template: null, enabled: true, calendar: 'non_workdays_cn' }, time);
    await scheduler.start();
    await runYear();
    for (let d = 1; d <= 7; d++) expect(ran).toContain(`2026-10-0${d}`);
    expect(ran).not.toContain('2026-10-10'); // Saturday, an adjusted working day
    expect(ran).toContain('2026-10-11');

    const workdays = createReportScheduler({
      db,
      clock: { now: () => local('2026-09-30T10:00:00') },
      log: createLogger({ level: 'error', write: () => undefined }),
      settings: createSettingsStore(db, { now: () => time }, { timeZone: TZ }),
      wakeWorker: () => undefined,
      timers: false,
      calendar,
    });
    insertReportJob(db, { name: '工作日日报', cron: '0 9 * * *', timezone: TZ, type: 'daily_summary', template: null, enabled: true, calendar: 'workdays_cn' }, local('2026-09-30T10:00:00'));
    workdays.reschedule();
    await workdays.start();
    expect(workdays.nextRunOf(2)).toBe(local('2026-10-08T09:00:00'));
    await workdays.stop();
  });

  it("a day the admin makes a working day after the job's last run counts at once: the job runs on it", async () => {
    time = local('2025-06-12T12:00:00');
    insertReportJob(db, { name: '工作日日报', cron: '0 9 * * *', timezone: TZ, type: 'daily_summary', template: null, enabled: true, calendar: 'workdays_cn' }, time);
    await scheduler.start();
    time = local('2025-06-13T09:00:30'); // Friday
    await scheduler.runDue(time);
    time = local('2025-06-13T12:00:00');
    calendar.putDay({ date: '2025-06-14', workday: true, note: '618' });
    expect(scheduler.nextRunOf(1)).toBe(local('2025-06-14T09:00:00'));
    time = local('2025-06-14T09:00:30');
    await scheduler.runDue(time);
    expect(ran).toEqual(['2025-06-13', '2025-06-14']);
  });

  it('a job every 5 minutes on workdays runs again after National Day (2,300 fire times passed over)', async () => {
    time = local('2025-09-30T23:52:00');
    insertReportJob(db, { name: '指标快照', cron: '*/5 * * * *', timezone: TZ, type: 'metrics_snapshot', template: null, enabled: true, calendar: 'workdays_cn' }, time);
    await scheduler.start();
    time = local('2025-09-30T23:55:10');
    await scheduler.runDue(time);
    expect(scheduler.nextRunOf(1)).toBe(local('2025-10-09T00:00:00'));
    for (let m = 0; m <= 10; m += 5) {
      time = local('2025-10-09T00:00:10') + m * 60_000;
      await scheduler.runDue(time);
    }
    expect(ran).toEqual(['2025-09-30', '2025-10-09', '2025-10-09', '2025-10-09']);
  });
});
