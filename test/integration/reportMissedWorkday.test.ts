// Missed runs of a report job on China's workdays, after a stop across days the calendar leaves out:
// the newest kept fire time is found however many left-out ones come after it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase, type Db } from '../../db/client.ts';
import { insertReportJob, listReportRuns } from '../../db/queries/reports.ts';
import { createCalendarStore } from '../../server/calendar/calendarStore.ts';
import { loadChinaHolidays } from '../../server/calendar/chinaHolidays.ts';
import { createLogger } from '../../server/log.ts';
import { setReportSettings } from '../../server/reports/reportSettings.ts';
import { createReportScheduler, type ReportScheduler } from '../../server/reports/scheduler.ts';
import { createSettingsStore } from '../../server/settings/settingsStore.ts';

const TZ = 'Asia/Shanghai';
const local = (s: string) => Date.parse(`${s}+08:00`);
const holidays = loadChinaHolidays();

let dir: string;
let db: Db;
let time: number;
const schedulers: ReportScheduler[] = [];
let ran: string[];

function scheduler(): ReportScheduler {
  const clock = { now: () => time };
  const s = createReportScheduler({
    db,
    clock,
    log: createLogger({ level: 'error', write: () => undefined }),
    settings: createSettingsStore(db, clock, { timeZone: TZ }),
    wakeWorker: () => undefined,
    timers: false,
    calendar: createCalendarStore(db, clock, holidays),
    runner: (_job, run) => {
      ran.push(new Date(run.ref).toISOString());
      return () => [];
    },
  });
  schedulers.push(s);
  return s;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'notifier-missed-workday-'));
  db = openDatabase(join(dir, 'notifier.db'));
  ran = [];
});

afterEach(async () => {
  for (const s of schedulers.splice(0)) await s.stop();
  closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

describe('missed runs of a workday job', () => {
  it('a run missed on Friday night within the grace period runs once at a Saturday start, even when Saturday has more than 20 fire times passed over', async () => {
    // Every 5 minutes on China's workdays; grace 3 h. Fri 14 Mar 2025 is a workday, Sat 15 Mar is not.
    setReportSettings(db, { missedRunGraceMinutes: 180 }, local('2025-03-14T21:00:00'));
    time = local('2025-03-14T22:00:00');
    const id = insertReportJob(db, { name: 'Ops pulse', cron: '*/5 * * * *', timezone: TZ, type: 'daily_summary', template: null, enabled: true, calendar: 'workdays_cn' }, time);
    await scheduler().start();
    await schedulers[0]!.stop();
    // Down from Fri 22:00 until Sat 02:00: Friday 23:55 was missed 2 h 05 min ago, within the 3 h grace.
    time = local('2025-03-15T02:00:00');
    await scheduler().start();
    const runs = listReportRuns(db, id, { limit: 100 }).map((r) => [r.trigger, r.status, r.scheduledFor === null ? null : new Date(r.scheduledFor).toISOString()]);
    // SPEC "Reports (croner)": "a run missed while the appliance was down within a grace period runs once at start".
    expect(ran, `runs recorded: ${JSON.stringify(runs)}`).toEqual([new Date(local('2025-03-14T23:55:00')).toISOString()]);
  });

  it('an hourly workday job with a one-day grace: Friday 23:00, missed 23 h before a Saturday-evening start, runs once', async () => {
    setReportSettings(db, { missedRunGraceMinutes: 1440 }, local('2025-03-14T20:00:00'));
    time = local('2025-03-14T20:30:00');
    const id = insertReportJob(db, { name: 'Hourly', cron: '0 * * * *', timezone: TZ, type: 'daily_summary', template: null, enabled: true, calendar: 'workdays_cn' }, time);
    await scheduler().start();
    await schedulers[0]!.stop();
    time = local('2025-03-15T22:30:00');
    await scheduler().start();
    const runs = listReportRuns(db, id, { limit: 100 }).map((r) => [r.trigger, r.status, r.error, r.scheduledFor === null ? null : new Date(r.scheduledFor).toISOString()]);
    expect(ran, `runs recorded: ${JSON.stringify(runs)}`).toEqual([new Date(local('2025-03-14T23:00:00')).toISOString()]);
    // Friday 21:00 and 22:00 were missed too: the run history says so.
    expect(runs.filter((r) => r[1] === 'skipped').length, JSON.stringify(runs)).toBe(2);
  });
});
