import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase, type Db } from '../../db/client.ts';
import { saveConnectedChannel } from '../../db/queries/channel.ts';
import { listDeliveries } from '../../db/queries/deliveries.ts';
import {
  deleteReportJob,
  getReportJob,
  insertReportJob,
  insertReportRun,
  listReportJobs,
  listReportRuns,
  setReportJobEnabled,
  updateReportJob,
  type ReportJobInput,
  type ReportRunRow,
} from '../../db/queries/reports.ts';
import { createLogger } from '../../server/log.ts';
import { pruneOldRows } from '../../server/delivery/retention.ts';
import { setReportSettings } from '../../server/reports/reportSettings.ts';
import { createReportScheduler, RUN_ERROR, type QueueReport, type ReportRunner, type ReportScheduler } from '../../server/reports/scheduler.ts';
import { createSettingsStore, type SettingsStore } from '../../server/settings/settingsStore.ts';

const TZ = 'Asia/Shanghai';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const at = (s: string) => Date.parse(s);
// Thu 13 Mar 2025, 08:00 in Shanghai.
const T0 = at('2025-03-13T00:00:00Z');

let dir: string;
let db: Db;
let settings: SettingsStore;
let time: number;
const clock = { now: () => time };
let logs: string[];
const schedulers: ReportScheduler[] = [];

function scheduler(opts: { runner?: ReportRunner; pruneBatchSize?: number } = {}): ReportScheduler {
  const s = createReportScheduler({
    db,
    clock,
    log: createLogger({ level: 'debug', write: (l) => logs.push(l) }),
    settings,
    wakeWorker: () => undefined,
    timers: false,
    ...opts,
  });
  schedulers.push(s);
  return s;
}

const job = (over: Partial<ReportJobInput> = {}): ReportJobInput => ({
  name: 'Daily summary',
  cron: '0 9 * * *',
  timezone: TZ,
  type: 'daily_summary',
  template: null,
  enabled: true,
  ...over,
});

const runsOf = (jobId: number): ReportRunRow[] => listReportRuns(db, jobId, { limit: 1000 }).reverse();
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** Moves the fake clock forward in steps, calling runDue at each, like the croner timers would. */
async function advance(to: number, step: number): Promise<void> {
  while (time < to) {
    time = Math.min(to, time + step);
    await schedulers[schedulers.length - 1]!.runDue(time);
  }
}

/** 09:00: the day's run starts building and the process dies (kill -9: nothing of it runs any more, nor is it stopped). */
async function crashWhileBuilding(jobId: number): Promise<void> {
  const dying = scheduler({ runner: () => new Promise<QueueReport>(() => undefined) });
  await dying.start();
  time = T0 + HOUR;
  void dying.runDue(time);
  schedulers.splice(schedulers.indexOf(dying), 1);
  expect(runsOf(jobId).map((r) => r.status)).toEqual(['running']);
}

function deferred() {
  let resolve!: (queue: QueueReport) => void;
  const promise = new Promise<QueueReport>((r) => (resolve = r));
  return { promise, resolve };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'report-scheduler-'));
  db = openDatabase(join(dir, 'test.db'));
  time = T0;
  settings = createSettingsStore(db, clock, { timeZone: TZ });
  logs = [];
});

afterEach(async () => {
  for (const s of schedulers.splice(0)) await s.stop();
  closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

describe('report scheduler with a fake clock', () => {
  it('fires a daily job once per day, exactly at 09:00 in its time zone, and queues the report', async () => {
    const id = insertReportJob(db, job(), time);
    const s = scheduler();
    await s.start();
    expect(iso(s.nextRunOf(id)!)).toBe('2025-03-13T01:00:00.000Z');
    const firedAt: string[] = [];
    let seen = 0;
    // Minute by minute for three days and an hour: 08:00 on the 13th to 09:00 on the 16th.
    while (time < T0 + 3 * DAY + HOUR) {
      time += MIN;
      await s.runDue(time);
      const n = runsOf(id).length;
      if (n !== seen) firedAt.push(new Date(time).toISOString());
      seen = n;
    }
    expect(firedAt).toEqual(['2025-03-13T01:00:00.000Z', '2025-03-14T01:00:00.000Z', '2025-03-15T01:00:00.000Z', '2025-03-16T01:00:00.000Z']);
    const runs = runsOf(id);
    expect(runs.map((r) => [r.trigger, r.status, iso(r.scheduledFor), iso(r.startedAt)])).toEqual(
      firedAt.map((t) => ['schedule', 'succeeded', t, t]),
    );
    // Each run queued its report in the outbox (the worker sends it); each covers the day before.
    const queued = listDeliveries(db, { kind: 'report' }, { limit: 10 }).reverse();
    expect(queued.map((d) => d.title)).toEqual([
      'Daily summary · 2025-03-12',
      'Daily summary · 2025-03-13',
      'Daily summary · 2025-03-14',
      'Daily summary · 2025-03-15',
    ]);
    expect(queued.every((d) => d.status === 'queued' && d.msgtype === 'markdown')).toBe(true);
    expect(JSON.parse(runs[0]!.deliveryIds!)).toEqual([queued[0]!.id]);
    expect(getReportJob(db, id)).toMatchObject({ lastRunStatus: 'succeeded', lastFireAt: at('2025-03-16T01:00:00Z') });
  });

  it('reschedules an edited job at once, without a restart', async () => {
    const id = insertReportJob(db, job(), time);
    const s = scheduler();
    await s.start();
    expect(iso(s.nextRunOf(id)!)).toBe('2025-03-13T01:00:00.000Z');
    time += 10 * MIN; // 08:10: the admin moves it to 08:30
    updateReportJob(db, id, job({ cron: '30 8 * * *' }), time);
    s.reschedule();
    expect(iso(s.nextRunOf(id)!)).toBe('2025-03-13T00:30:00.000Z');
    await advance(T0 + 2 * HOUR, MIN);
    expect(runsOf(id).map((r) => iso(r.scheduledFor))).toEqual(['2025-03-13T00:30:00.000Z']);
    // And a change of time zone: 08:30 in Berlin (UTC+1 in March) is 07:30 UTC.
    updateReportJob(db, id, job({ cron: '30 8 * * *', timezone: 'Europe/Berlin' }), time);
    s.reschedule();
    expect(iso(s.nextRunOf(id)!)).toBe('2025-03-13T07:30:00.000Z');
    await advance(T0 + 8 * HOUR, MIN);
    expect(runsOf(id).map((r) => iso(r.scheduledFor))).toEqual(['2025-03-13T00:30:00.000Z', '2025-03-13T07:30:00.000Z']);
    expect(s.nextReport()).toEqual({ name: 'Daily summary', at: at('2025-03-14T07:30:00Z') });
  });

  it('never fires a disabled job, and stops firing one that is switched off', async () => {
    const off = insertReportJob(db, job({ enabled: false }), time);
    const on = insertReportJob(db, job({ name: 'Weekly', cron: '0 9 * * *' }), time);
    const s = scheduler();
    await s.start();
    expect(s.nextRunOf(off)).toBeUndefined();
    await advance(T0 + 2 * HOUR, 5 * MIN);
    expect(runsOf(on)).toHaveLength(1);
    setReportJobEnabled(db, on, false, time);
    s.reschedule();
    await advance(T0 + 5 * DAY, 15 * MIN);
    expect(runsOf(off)).toHaveLength(0);
    expect(runsOf(on)).toHaveLength(1);
    expect(s.nextReport()).toBeUndefined();
  });

  it('prevents overlapping runs of one job: a due run and Run now wait for the running one', async () => {
    const id = insertReportJob(db, job({ cron: '*/5 * * * *' }), time);
    const calls: number[] = [];
    const first = deferred();
    const s = scheduler({
      runner: (_job, run) => {
        calls.push(run.id);
        return calls.length === 1 ? first.promise : () => [];
      },
    });
    await s.start();
    time = T0 + 5 * MIN;
    const firstRun = s.runDue(time); // starts, and stays running
    await Promise.resolve();
    expect(s.isRunning(id)).toBe(true);
    expect(await s.runNow(id)).toEqual({ ok: false, reason: 'running' });
    time = T0 + 10 * MIN;
    await s.runDue(time);
    expect(calls).toHaveLength(1);
    expect(runsOf(id).map((r) => [r.status, iso(r.scheduledFor), r.error])).toEqual([
      ['running', '2025-03-13T00:05:00.000Z', null],
      ['skipped', '2025-03-13T00:10:00.000Z', RUN_ERROR.overlap],
    ]);
    // The running run stays the job's last (the self-watch reads a skipped last run as missed while down).
    expect(getReportJob(db, id)?.lastRunStatus).toBe('running');
    first.resolve(() => []);
    await firstRun;
    expect(s.isRunning(id)).toBe(false);
    expect(getReportJob(db, id)?.lastRunStatus).toBe('succeeded');
    const manual = await s.runNow(id);
    expect(manual.ok && manual.run).toMatchObject({ trigger: 'manual', status: 'succeeded', scheduledFor: null });
    expect(calls).toHaveLength(2);
    expect(runsOf(id)[0]!.status).toBe('succeeded');
  });

  it('catches up a run missed within the grace period once at start, and not again after another restart', async () => {
    const id = insertReportJob(db, job(), time);
    await scheduler().start();
    await schedulers[0]!.stop();
    // Down from 08:00 until 09:40: the 09:00 run was missed 40 minutes ago (grace: 60 minutes).
    time = T0 + HOUR + 40 * MIN;
    await scheduler().start();
    expect(runsOf(id).map((r) => [r.trigger, r.status, iso(r.scheduledFor)])).toEqual([['catch_up', 'succeeded', '2025-03-13T01:00:00.000Z']]);
    // The report is the one 09:00 would have sent: the previous day.
    expect(listDeliveries(db, { kind: 'report' }, { limit: 5 }).map((d) => d.title)).toEqual(['Daily summary · 2025-03-12']);
    await schedulers[1]!.stop();
    time += 10 * MIN;
    await scheduler().start();
    expect(runsOf(id)).toHaveLength(1);
    expect(logs.some((l) => l.includes('catching up a missed report run'))).toBe(true);
  });

  it('records runs missed outside the grace period as skipped, and runs none of them', async () => {
    const id = insertReportJob(db, job(), time);
    await scheduler().start();
    await schedulers[0]!.stop();
    // Down until 11:00 two days later: 09:00 on the 13th, 14th and 15th were all missed, the last 2 h ago.
    time = at('2025-03-15T03:00:00Z');
    await scheduler().start();
    expect(runsOf(id).map((r) => [r.trigger, r.status, iso(r.scheduledFor), r.error])).toEqual([
      ['catch_up', 'skipped', '2025-03-13T01:00:00.000Z', RUN_ERROR.missed],
      ['catch_up', 'skipped', '2025-03-14T01:00:00.000Z', RUN_ERROR.missed],
      ['catch_up', 'skipped', '2025-03-15T01:00:00.000Z', RUN_ERROR.missed],
    ]);
    expect(listDeliveries(db, { kind: 'report' }, { limit: 5 })).toHaveLength(0);
    // The schedule carries on: next 09:00 fires normally.
    await advance(at('2025-03-16T01:00:00Z'), 30 * MIN);
    expect(runsOf(id).at(-1)).toMatchObject({ trigger: 'schedule', status: 'succeeded', scheduledFor: at('2025-03-16T01:00:00Z') });
  });

  it('uses the configured grace period: a longer one catches up the latest miss and skips the older ones', async () => {
    setReportSettings(db, { missedRunGraceMinutes: 180 }, time);
    const id = insertReportJob(db, job(), time);
    await scheduler().start();
    await schedulers[0]!.stop();
    time = at('2025-03-14T03:00:00Z'); // 11:00 on the 14th: 09:00 on the 13th (26 h ago) and the 14th (2 h ago) missed
    await scheduler().start();
    expect(runsOf(id).map((r) => [r.trigger, r.status, iso(r.scheduledFor), r.error])).toEqual([
      ['catch_up', 'skipped', '2025-03-13T01:00:00.000Z', RUN_ERROR.missed],
      ['catch_up', 'succeeded', '2025-03-14T01:00:00.000Z', null],
    ]);
  });

  it('a job enabled after its fire time does not count that time as missed', async () => {
    const id = insertReportJob(db, job({ enabled: false }), time);
    time = T0 + HOUR + 30 * MIN; // 09:30
    setReportJobEnabled(db, id, true, time);
    await scheduler().start();
    expect(runsOf(id)).toHaveLength(0);
    expect(iso(schedulers[0]!.nextRunOf(id)!)).toBe('2025-03-14T01:00:00.000Z');
  });

  it('marks runs a crash left running as failed at start', async () => {
    const id = insertReportJob(db, job(), time);
    insertReportRun(db, { jobId: id, trigger: 'manual', scheduledFor: null, startedAt: time, status: 'running' });
    await scheduler().start();
    expect(runsOf(id).map((r) => [r.trigger, r.status, r.error])).toEqual([['manual', 'failed', RUN_ERROR.interrupted]]);
    expect(getReportJob(db, id)!.lastRunStatus).toBe('failed');
  });

  it('a scheduled run a crash cut off is run again at start within the grace period, once; outside it, it is not', async () => {
    const id = insertReportJob(db, job(), time);
    await crashWhileBuilding(id);
    time += 20_000;
    await scheduler().start();
    expect(runsOf(id).map((r) => [r.trigger, r.status, iso(r.scheduledFor), r.error])).toEqual([
      ['schedule', 'failed', '2025-03-13T01:00:00.000Z', RUN_ERROR.interrupted],
      ['catch_up', 'succeeded', '2025-03-13T01:00:00.000Z', null],
    ]);
    // Another restart runs nothing again.
    await schedulers[0]!.stop();
    time += 10 * MIN;
    await scheduler().start();
    expect(runsOf(id)).toHaveLength(2);
  });

  it('a scheduled run cut off and back only after the grace period: recorded as missed, not sent late', async () => {
    const id = insertReportJob(db, job(), time);
    await crashWhileBuilding(id);
    time += 2 * HOUR;
    await scheduler().start();
    expect(runsOf(id).map((r) => [r.trigger, r.status, r.error])).toEqual([
      ['schedule', 'failed', RUN_ERROR.interrupted],
      ['catch_up', 'skipped', RUN_ERROR.missed],
    ]);
  });

  it("a run's messages and its success are committed together: a refused outcome (or a crash before it) does not queue the same 09:00 report twice", async () => {
    const id = insertReportJob(db, job({ attachChart: false }), time);
    const queued = () => (db.$client.prepare(`SELECT count(*) AS n FROM deliveries WHERE kind = 'report'`).get() as { n: number }).n;
    // The 09:00 run builds its report, and the database refuses to write the run's outcome (the disk
    // filled up as the report was queued); the process then dies, the run left `running`.
    db.$client.exec(`CREATE TRIGGER refuse_outcome BEFORE UPDATE ON report_runs BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    const dying = scheduler();
    await dying.start();
    time = T0 + HOUR;
    await dying.runDue(time).catch(() => undefined);
    schedulers.splice(schedulers.indexOf(dying), 1);
    expect(runsOf(id).map((r) => r.status)).toEqual(['running']);

    // The restart, 20 s later, the disk writable again.
    db.$client.exec('DROP TRIGGER refuse_outcome');
    time += 20_000;
    await scheduler().start();
    const runs = runsOf(id);
    const succeeded = runs.filter((r) => r.scheduledFor === T0 + HOUR && r.status === 'succeeded');
    expect(succeeded, JSON.stringify(runs)).toHaveLength(1);
    const ids = JSON.parse(succeeded[0]!.deliveryIds!) as number[];
    expect(ids.length).toBeGreaterThan(0);
    // The 09:00 report is in the outbox once: the group must not receive the daily summary twice.
    expect(queued(), `runs: ${JSON.stringify(runs)}`).toBe(ids.length);
  });

  it('records a failed run with the reason when the report cannot be built', async () => {
    const id = insertReportJob(db, job(), time);
    const s = scheduler({
      runner: () => {
        throw new Error('database is locked');
      },
    });
    await s.start();
    const outcome = await s.runNow(id);
    expect(outcome.ok && outcome.run).toMatchObject({ status: 'failed', error: 'database is locked' });
    expect(s.isRunning(id)).toBe(false);
  });
});

describe('default jobs', () => {
  it('are seeded once, off until a bot is connected, in the notification language and time zone', async () => {
    await scheduler().start();
    const seeded = listReportJobs(db);
    expect(seeded.map((j) => [j.name, j.cron, j.timezone, j.type, j.enabled, j.autoEnable])).toEqual([
      ['每日汇总', '0 9 * * *', TZ, 'daily_summary', false, true],
      ['每周汇总', '0 9 * * 1', TZ, 'weekly_summary', false, true],
    ]);
    await schedulers[0]!.stop();
    await scheduler().start();
    expect(listReportJobs(db)).toHaveLength(2);
    // Deleting them is final: a restart does not bring them back.
    for (const j of seeded) deleteReportJob(db, j.id);
    await schedulers[1]!.stop();
    await scheduler().start();
    expect(listReportJobs(db)).toHaveLength(0);
  });

  it('seeds English names when the notification language is English', async () => {
    settings.setDelivery({ ...settings.delivery(), language: 'en' });
    await scheduler().start();
    expect(listReportJobs(db).map((j) => j.name)).toEqual(['Daily summary', 'Weekly summary']);
  });

  it('are switched on when the first bot connects, unless the admin already chose', async () => {
    const s = scheduler();
    await s.start();
    const [daily, weekly] = listReportJobs(db);
    // The admin switched the weekly one off themselves before connecting a bot: that choice stands.
    setReportJobEnabled(db, weekly!.id, false, time);
    s.botConnected(); // no bot yet: nothing changes
    expect(getReportJob(db, daily!.id)!.enabled).toBe(false);
    saveConnectedChannel(db, { keyCiphertext: 'x', keyLast4: 'abcd', now: time });
    s.botConnected();
    expect(getReportJob(db, daily!.id)).toMatchObject({ enabled: true, autoEnable: false });
    expect(getReportJob(db, weekly!.id)).toMatchObject({ enabled: false, autoEnable: false });
    expect(iso(s.nextRunOf(daily!.id)!)).toBe('2025-03-13T01:00:00.000Z');
    // Later switching off is not undone by reconnecting.
    setReportJobEnabled(db, daily!.id, false, time);
    s.botConnected();
    expect(getReportJob(db, daily!.id)!.enabled).toBe(false);
  });

  it('are switched on at start when a bot is already connected (e.g. after an upgrade)', async () => {
    saveConnectedChannel(db, { keyCiphertext: 'x', keyLast4: 'abcd', now: time });
    await scheduler().start();
    expect(listReportJobs(db).map((j) => j.enabled)).toEqual([true, true]);
  });
});

describe('housekeeping', () => {
  const insertMany = (sql: string, rows: unknown[][]) => {
    const stmt = db.$client.prepare(sql);
    db.$client.transaction(() => rows.forEach((r) => stmt.run(...r)))();
  };
  const count = (sql: string) => (db.$client.prepare(sql).get() as { n: number }).n;

  function seedHistory(now: number) {
    const old = now - 100 * DAY;
    const recent = now - 10 * DAY;
    const event = `INSERT INTO events (received_at, source, kind, category, severity, title, payload, status) VALUES (?, 'api', 'alert', 'orders', 'info', 't', '{}', ?)`;
    insertMany(event, [
      ...Array.from({ length: 2300 }, (_, i) => [old + i, i % 2 ? 'sent' : 'stored']),
      ...Array.from({ length: 5 }, () => [old, 'queued']),
      ...Array.from({ length: 7 }, () => [recent, 'sent']),
    ]);
    // Final events carry the time they became final (a digested one only once its digest is final).
    db.$client.prepare(`UPDATE events SET finished_at = received_at WHERE status <> 'queued'`).run();
    const delivery = `INSERT INTO deliveries (created_at, kind, status, title, msgtype, payload, bytes, next_attempt_at) VALUES (?, 'alert', ?, 't', 'text', '{}', 2, 0)`;
    insertMany(delivery, [
      ...Array.from({ length: 1200 }, (_, i) => [old + i, ['sent', 'dead', 'merged', 'failed'][i % 4]]),
      ...Array.from({ length: 3 }, () => [old, 'queued']),
      ...Array.from({ length: 4 }, () => [recent, 'sent']),
    ]);
    const jobId = insertReportJob(db, job(), now);
    insertMany(`INSERT INTO report_runs (job_id, trigger, started_at, status) VALUES (?, 'schedule', ?, ?)`, [
      ...Array.from({ length: 30 }, () => [jobId, old, 'succeeded']),
      [jobId, recent, 'succeeded'],
    ]);
    const transition = `INSERT INTO metric_rule_transitions (rule_id, rule_name, store, type, at, title) VALUES (1, 'r', '', 'firing', ?, 't')`;
    insertMany(transition, [[old], [old], [recent]]);
    const audit = `INSERT INTO audit_log (at, actor, action, ip) VALUES (?, 'anonymous', 'setup.failure', '192.0.2.1')`;
    insertMany(audit, [...Array.from({ length: 600 }, () => [old]), [recent]]);
    return jobId;
  }

  it('prunes final rows older than the retention period in batches, yielding to the event loop, and keeps the rest', async () => {
    const now = at('2025-06-01T00:00:00Z');
    seedHistory(now);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    const result = await pruneOldRows(db, { now, retentionDays: 90, batchSize: 500 });
    clearInterval(ticker);
    expect(result).toMatchObject({ events: 2300, deliveries: 1200, reportRuns: 30, ruleTransitions: 2, audit: 600 });
    // 2,300 events → 5 batches; 1,200 deliveries → 3; 30 runs → 1; 2 rule transitions → 1; 600 audit rows → 2.
    expect(result.batches).toBe(12);
    expect(ticks).toBeGreaterThan(0);
    expect(count(`SELECT count(*) AS n FROM events`)).toBe(12);
    expect(count(`SELECT count(*) AS n FROM events WHERE status = 'queued'`)).toBe(5);
    expect(count(`SELECT count(*) AS n FROM deliveries`)).toBe(7);
    expect(count(`SELECT count(*) AS n FROM deliveries WHERE status = 'queued'`)).toBe(3);
    expect(count(`SELECT count(*) AS n FROM report_runs`)).toBe(1);
    expect(count(`SELECT count(*) AS n FROM metric_rule_transitions`)).toBe(1);
    // The audit log is bounded by the retention too (issue 20).
    expect(count(`SELECT count(*) AS n FROM audit_log`)).toBe(1);
  });

  it('runs every night at 03:30 in the settings’ time zone with the retention setting', async () => {
    time = at('2025-06-01T19:00:00Z'); // 03:00 on 2 June in Shanghai
    settings.setGeneral({ timeZone: TZ, retentionDays: 30 });
    seedHistory(time);
    const s = scheduler({ pruneBatchSize: 1000 });
    await s.start();
    await advance(at('2025-06-01T19:29:00Z'), MIN);
    expect(count(`SELECT count(*) AS n FROM events`)).toBe(2312);
    await advance(at('2025-06-01T19:30:00Z'), MIN);
    // 30 days: the 10-day-old rows stay too.
    expect(count(`SELECT count(*) AS n FROM events`)).toBe(12);
    expect(count(`SELECT count(*) AS n FROM report_runs`)).toBe(1);
    expect(logs.some((l) => l.includes('housekeeping: old rows pruned'))).toBe(true);
  });
});
