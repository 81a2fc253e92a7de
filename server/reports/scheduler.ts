// The report scheduler: one croner job per enabled report job, in that job's time zone, plus the
// nightly housekeeping job. Every timer ends in `runDue(now)`, which is also what tests call with a
// fake clock: which fire times are due is decided from the database (each job's `schedule_from`
// and `last_fire_at`), never from how many timers went off, so a restart, a late timer or a fake
// clock jumping ahead all give the same answer.
import { Cron } from 'croner';
import type { Db } from '../../db/client.ts';
import { getChannel } from '../../db/queries/channel.ts';
import {
  autoEnableReportJobs,
  countReportJobs,
  failInterruptedRuns,
  finishReportRun,
  getReportJob,
  getReportRun,
  insertReportJob,
  insertReportRun,
  listReportJobs,
  setLastFireAt,
  type ReportJobRow,
  type ReportRunRow,
} from '../../db/queries/reports.ts';
import type { ReportTrigger } from '../../db/schema.ts';
import { calendarAllowsDate, type CalendarSource } from '../calendar/workdays.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { SettingsStore } from '../settings/settingsStore.ts';
import { CRON_OPTIONS, fireTimesBetween, nextFireTime, parseSchedule, type FireFilter } from './cron.ts';
import { PRUNE_BATCH, pruneOldRows, type PruneResult } from '../delivery/retention.ts';
import { pruneCutoffs } from '../delivery/policy/retention.ts';
import { pruneIdleRuleStates } from '../metricRules/stateRetention.ts';
import { getReportSettings, markSeeded, wasSeeded } from './reportSettings.ts';
import { periodsFor, type PeriodChoice } from '../time/periods.ts';
import { enqueueReport, renderJobChart, renderJobReport } from './runReport.ts';
import { BuildAbandoned, type ReportThread } from './reportThread.ts';

/** Daily, in the settings' time zone, when a store's group is quiet. */
export const HOUSEKEEPING_CRON = '30 3 * * *';
/** A timer this late still counts as on time (trigger `schedule`, not `catch_up`). */
export const ON_TIME_MS = 60_000;
/** At most this many skipped fire times are recorded per job at once; the oldest says how many more. */
export const MAX_SKIPPED_RECORDED = 20;

/** Stored in `report_runs.error` for the cases the console explains in the reader's language. */
export const RUN_ERROR = {
  missed: 'code:missed',
  superseded: 'code:superseded',
  overlap: 'code:overlap',
  interrupted: 'code:interrupted',
  missedMore: 'code:missed_more',
} as const;

export const SEED_JOBS = {
  en: [
    { name: 'Daily summary', cron: '0 9 * * *', type: 'daily_summary' },
    { name: 'Weekly summary', cron: '0 9 * * 1', type: 'weekly_summary' },
  ],
  zh: [
    { name: '每日汇总', cron: '0 9 * * *', type: 'daily_summary' },
    { name: '每周汇总', cron: '0 9 * * 1', type: 'weekly_summary' },
  ],
} as const;

/** Queues a built run's messages at `now` and returns their outbox ids. */
export type QueueReport = (now: number) => number[];

/**
 * What a run does: builds the report and answers how to queue it. The scheduler queues it in the
 * transaction that records the run's success, so a crash or a refused write leaves both or
 * neither, and a run re-done at the next start never sends its report twice.
 */
export type ReportRunner = (job: ReportJobRow, run: { id: number; ref: number; trigger: ReportTrigger; period: PeriodChoice }) => QueueReport | Promise<QueueReport>;

export interface SchedulerDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  settings: SettingsStore;
  wakeWorker: () => void;
  /** Real croner timers (the appliance); tests leave them off and call `runDue(now)`. */
  timers?: boolean;
  /** What a run does; by default it builds the report and its chart. Tests make it slow. */
  runner?: ReportRunner;
  /** Builds reports and charts off the main thread; absent, they are built on it. */
  reportThread?: ReportThread;
  pruneBatchSize?: number;
  /** China's workday calendar: jobs on workdays (or weekends and holidays) pass over the other days. */
  calendar?: CalendarSource;
}

export type RunNowOutcome = { ok: true; run: ReportRunRow } | { ok: false; reason: 'not_found' | 'running' | 'stopped' };

export interface ReportScheduler {
  /** Seeds the default jobs, fails runs a crash interrupted, catches up missed runs, starts the timers. */
  start(): Promise<void>;
  /** Stops the timers; waits for runs and housekeeping in progress. */
  stop(): Promise<void>;
  /** Re-reads the jobs (after a create, edit, enable, disable or delete): takes effect at once. */
  reschedule(): void;
  /** Handles everything due at `now`; resolves when the runs it started have finished. */
  runDue(now?: number): Promise<void>;
  /** Run now: builds the report at once and queues it, unless this job is already running. */
  runNow(jobId: number, period?: PeriodChoice): Promise<RunNowOutcome>;
  isRunning(jobId: number): boolean;
  /** A bot was connected: seeded jobs still waiting for one are switched on. */
  botConnected(): void;
  /** The next fire time of an enabled job, as scheduled. */
  nextRunOf(jobId: number): number | undefined;
  nextReport(): { name: string; at: number } | undefined;
  housekeeping(now?: number): Promise<PruneResult>;
}

interface JobState {
  job: ReportJobRow;
  cron: Cron;
  /** Fire times on the job's calendar days (the calendar is read when asked: admin days take effect at once). */
  keep: FireFilter;
  timer?: Cron;
  nextAt: number | undefined;
}

const cursorOf = (job: ReportJobRow) => Math.max(job.scheduleFrom, job.lastFireAt ?? Number.NEGATIVE_INFINITY);

/** The two default jobs, once, disabled until a bot is connected (see `botConnected`). */
export function seedDefaultJobs(db: Db, opts: { timeZone: string; lang: 'en' | 'zh'; now: number }): boolean {
  if (wasSeeded(db)) return false;
  const seeded = countReportJobs(db) === 0;
  db.transaction(() => {
    if (seeded) {
      for (const s of SEED_JOBS[opts.lang]) {
        insertReportJob(db, { ...s, timezone: opts.timeZone, template: null, enabled: false, autoEnable: true, attachChart: true, chartMetrics: '' }, opts.now);
      }
    }
    markSeeded(db, opts.now);
  });
  return seeded;
}

export function createReportScheduler(deps: SchedulerDeps): ReportScheduler {
  const { db, clock, log } = deps;
  const useTimers = deps.timers ?? true;
  const states = new Map<number, JobState>();
  const running = new Set<number>();
  const inFlight = new Set<Promise<unknown>>();
  let housekeepingCron: { cron: Cron; timer?: Cron; timeZone: string; nextAt: number | undefined } | undefined;
  let housekeepingRun: Promise<PruneResult> | undefined;
  let started = false;
  let stopped = false;

  const keepFor =
    (job: Pick<ReportJobRow, 'calendar' | 'timezone'>): FireFilter =>
    (date) =>
      calendarAllowsDate(job.calendar, deps.calendar?.calendar(), date);

  const runner: ReportRunner =
    deps.runner ??
    (async (job, run) => {
      const thread = deps.reportThread;
      const report = thread ? await thread.report(job, run.ref, run.period) : renderJobReport(deps, job, run.ref, run.period);
      const withChart = job.attachChart && job.type !== 'custom';
      const chart = !withChart ? undefined : thread ? await thread.chart(job, run.ref, run.period) : await renderJobChart(deps, job, run.ref, undefined, run.period);
      if (chart && !chart.ok) log.warn('report chart could not be drawn; the text goes without it', { job: job.id, error: chart.error });
      if (chart?.ok && chart.missingGlyphs.length) log.warn('report chart labels have characters the font cannot draw', { job: job.id, characters: chart.missingGlyphs.join('') });
      return (now) => enqueueReport(db, report, now, chart);
    });

  function track<T>(p: Promise<T>): Promise<T> {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  /** A timer fired: what is due at the fire time (a timer can wake a millisecond early). */
  function onTimer(expected: number | undefined): void {
    if (stopped) return;
    const now = clock.now();
    const at = expected !== undefined && expected > now && expected - now < 2_000 ? expected : now;
    runDue(at).catch((err: unknown) => log.error('report scheduler failed', { error: err }));
  }

  function clearTimers(): void {
    for (const s of states.values()) s.timer?.stop();
    states.clear();
    housekeepingCron?.timer?.stop();
    housekeepingCron = undefined;
  }

  function load(): void {
    clearTimers();
    if (stopped) return;
    const now = clock.now();
    calendarSeen = deps.calendar?.calendar();
    for (const job of listReportJobs(db)) {
      if (!job.enabled) continue;
      const parsed = parseSchedule(job.cron, job.timezone, now);
      if (!parsed.ok) {
        log.warn('report job has an unusable schedule and is not scheduled', { job: job.id, problem: parsed.code });
        continue;
      }
      // The first fire time after the cursor: already past when a run was missed, and then due at once.
      const keep = keepFor(job);
      const state: JobState = { job, cron: parsed.cron, keep, nextAt: nextFireTime(parsed.cron, cursorOf(job), keep) };
      if (useTimers) {
        state.timer = new Cron(parsed.expr, { ...CRON_OPTIONS, timezone: parsed.timeZone, unref: true, catch: true }, () =>
          onTimer(states.get(job.id)?.nextAt),
        );
      }
      states.set(job.id, state);
    }
    const timeZone = deps.settings.general().timeZone;
    const hk = parseSchedule(HOUSEKEEPING_CRON, timeZone, now);
    if (hk.ok) {
      housekeepingCron = { cron: hk.cron, timeZone, nextAt: nextFireTime(hk.cron, now) };
      if (useTimers) {
        housekeepingCron.timer = new Cron(HOUSEKEEPING_CRON, { ...CRON_OPTIONS, timezone: hk.timeZone, unref: true, catch: true }, () =>
          onTimer(housekeepingCron?.nextAt),
        );
      }
    }
  }

  function recordSkipped(job: ReportJobRow, scheduledFor: number, error: string, trigger: ReportTrigger, now: number): void {
    insertReportRun(db, { jobId: job.id, trigger, scheduledFor, startedAt: now, finishedAt: now, status: 'skipped', error }, error !== RUN_ERROR.overlap);
  }

  /**
   * A scheduled run cut off (by a crash, or by a stop abandoning its build) never reached the group:
   * its fire time is due again, and runs at the next start if the grace period allows, as a missed one does.
   */
  function dueAgain(run: { jobId: number; trigger: ReportTrigger; scheduledFor: number | null }): void {
    const job = run.scheduledFor === null || run.trigger === 'manual' ? undefined : getReportJob(db, run.jobId);
    if (job && job.lastFireAt !== null && job.lastFireAt >= run.scheduledFor!) setLastFireAt(db, job.id, run.scheduledFor! - 1);
  }

  function execute(job: ReportJobRow, trigger: ReportTrigger, scheduledFor: number | null, ref: number, period: PeriodChoice = 'scheduled'): Promise<number> {
    running.add(job.id);
    const covers = periodsFor(job.type, ref, job.timezone, period);
    const runId = insertReportRun(db, {
      jobId: job.id,
      trigger,
      scheduledFor,
      startedAt: clock.now(),
      status: 'running',
      period: { span: covers.span, label: covers.label, timeZone: job.timezone },
    });
    log.info('report run started', { job: job.id, run: runId, trigger });
    return track(
      (async () => {
        try {
          const queue = await runner(job, { id: runId, ref, trigger, period });
          const ids = db.transaction(() => {
            const now = clock.now();
            const queued = queue(now);
            finishReportRun(db, runId, { status: 'succeeded', finishedAt: now, deliveryIds: queued });
            return queued;
          });
          deps.wakeWorker();
          log.info('report run queued', { job: job.id, run: runId, deliveries: ids.length });
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          log.error('report run failed', { job: job.id, run: runId, error: err });
          if (db.$client.open) {
            db.transaction(() => {
              finishReportRun(db, runId, { status: 'failed', finishedAt: clock.now(), error: message.slice(0, 500) });
              // A stop cut it off, as a crash would have: the group still waits for this report.
              if (err instanceof BuildAbandoned) dueAgain({ jobId: job.id, trigger, scheduledFor });
            });
          }
        } finally {
          running.delete(job.id);
        }
        return runId;
      })(),
    );
  }

  /**
   * Fire times in (cursor, now]: the latest runs if it is within the grace period (and the job is
   * not still running), every earlier one is recorded as skipped. The cursor moves to the latest.
   */
  function handleDue(state: JobState, now: number, atStart: boolean): Promise<unknown> | undefined {
    const job = getReportJob(db, state.job.id);
    if (!job || !job.enabled) return undefined;
    const cursor = cursorOf(job);
    state.keep = keepFor(job);
    state.nextAt = nextFireTime(state.cron, now, state.keep);
    state.job = job;
    // Fire times on days the job's calendar leaves out are passed over: not run, not missed.
    const { times, more } = fireTimesBetween(state.cron, cursor, now, MAX_SKIPPED_RECORDED + 1, state.keep);
    const [latest, ...older] = times;
    if (latest === undefined) {
      const passed = fireTimesBetween(state.cron, cursor, now, 1).times[0];
      if (passed !== undefined) setLastFireAt(db, job.id, passed);
      return undefined;
    }
    const graceMs = Math.max(getReportSettings(db).missedRunGraceMinutes * 60_000, ON_TIME_MS);
    const trigger: ReportTrigger = !atStart && now - latest <= ON_TIME_MS ? 'schedule' : 'catch_up';
    db.transaction(() => {
      setLastFireAt(db, job.id, latest);
      older.reverse().forEach((at, i) => {
        const error = i === 0 && more ? RUN_ERROR.missedMore : now - at <= graceMs ? RUN_ERROR.superseded : RUN_ERROR.missed;
        recordSkipped(job, at, error, 'catch_up', now);
      });
      if (now - latest > graceMs) recordSkipped(job, latest, RUN_ERROR.missed, 'catch_up', now);
      else if (running.has(job.id)) recordSkipped(job, latest, RUN_ERROR.overlap, trigger, now);
    });
    if (now - latest > graceMs) {
      log.warn('report run missed: older than the grace period, skipped', { job: job.id, scheduledFor: new Date(latest).toISOString() });
      return undefined;
    }
    if (running.has(job.id)) {
      log.warn('report run skipped: the previous run is still running', { job: job.id });
      return undefined;
    }
    if (trigger === 'catch_up') log.info('catching up a missed report run', { job: job.id, scheduledFor: new Date(latest).toISOString() });
    return execute(job, trigger, latest, latest);
  }

  function startHousekeeping(now: number): Promise<PruneResult> {
    if (housekeepingRun) return housekeepingRun;
    const retentionDays = deps.settings.general().retentionDays;
    housekeepingRun = track(
      pruneOldRows(db, { now, retentionDays, batchSize: deps.pruneBatchSize, shouldStop: () => stopped })
        .then(async (result) => {
          const before = pruneCutoffs(now, retentionDays).rows;
          const ruleStates = await pruneIdleRuleStates(db, { before, batchSize: deps.pruneBatchSize ?? PRUNE_BATCH, shouldStop: () => stopped });
          log.info('housekeeping: old rows pruned', { ...result, ruleStates, retentionDays });
          return result;
        })
        .finally(() => {
          housekeepingRun = undefined;
        }),
    );
    return housekeepingRun;
  }

  // The admin's days take effect at once: a job that follows the calendar is due by the calendar of now.
  let calendarSeen = deps.calendar?.calendar();
  function followCalendar(): void {
    const calendar = deps.calendar?.calendar();
    if (calendar === calendarSeen) return;
    calendarSeen = calendar;
    for (const state of states.values()) {
      const job = state.job.calendar === 'every_day' ? undefined : getReportJob(db, state.job.id);
      if (job) state.nextAt = nextFireTime(state.cron, cursorOf(job), state.keep);
    }
  }

  async function runDue(now: number = clock.now()): Promise<void> {
    if (stopped) return;
    followCalendar();
    // Housekeeping follows the Settings time zone; a change there is picked up at the next tick.
    if (housekeepingCron && housekeepingCron.timeZone !== deps.settings.general().timeZone) load();
    const started: Promise<unknown>[] = [];
    for (const state of [...states.values()]) {
      if (state.nextAt === undefined || state.nextAt > now) continue;
      const p = handleDue(state, now, false);
      if (p) started.push(p);
    }
    if (housekeepingCron?.nextAt !== undefined && housekeepingCron.nextAt <= now) {
      housekeepingCron.nextAt = nextFireTime(housekeepingCron.cron, now);
      started.push(startHousekeeping(now).catch((err: unknown) => log.error('housekeeping failed', { error: err })));
    }
    await Promise.all(started);
  }

  /** Seeded jobs waiting for a bot are switched on once one is connected; true when any was. */
  function autoEnable(): boolean {
    if (!getChannel(db)) return false;
    const enabled = autoEnableReportJobs(db, clock.now());
    if (enabled.length) log.info('bot connected: default report jobs switched on', { jobs: enabled });
    return enabled.length > 0;
  }

  function botConnected(): void {
    if (autoEnable() && started) load();
  }

  return {
    async start() {
      if (started || stopped) return;
      const now = clock.now();
      const delivery = deps.settings.delivery();
      if (seedDefaultJobs(db, { timeZone: deps.settings.general().timeZone, lang: delivery.language, now })) log.info('default report jobs created (off until a bot is connected)');
      const interrupted = failInterruptedRuns(db, now, RUN_ERROR.interrupted);
      if (interrupted.length) log.warn('report runs interrupted by a restart marked failed', { count: interrupted.length });
      for (const run of interrupted) dueAgain(run);
      autoEnable();
      started = true;
      load();
      const due: Promise<unknown>[] = [];
      for (const state of states.values()) {
        const p = handleDue(state, now, true);
        if (p) due.push(p);
      }
      await Promise.all(due);
    },
    async stop() {
      stopped = true;
      clearTimers();
      await Promise.allSettled([...inFlight]);
    },
    reschedule() {
      if (started) load();
    },
    runDue,
    async runNow(jobId, period = 'scheduled') {
      if (stopped) return { ok: false, reason: 'stopped' };
      const job = getReportJob(db, jobId);
      if (!job) return { ok: false, reason: 'not_found' };
      if (running.has(jobId)) return { ok: false, reason: 'running' };
      const now = clock.now();
      const runId = await execute(job, 'manual', null, now, period);
      return { ok: true, run: getReportRun(db, runId)! };
    },
    isRunning: (jobId) => running.has(jobId),
    botConnected,
    nextRunOf(jobId) {
      followCalendar();
      const s = states.get(jobId);
      if (!s) return undefined;
      const now = clock.now();
      return s.nextAt !== undefined && s.nextAt > now ? s.nextAt : nextFireTime(s.cron, now, s.keep);
    },
    nextReport() {
      followCalendar();
      const now = clock.now();
      let best: { name: string; at: number } | undefined;
      for (const s of states.values()) {
        const at = s.nextAt !== undefined && s.nextAt > now ? s.nextAt : nextFireTime(s.cron, now, s.keep);
        if (at !== undefined && (!best || at < best.at)) best = { name: s.job.name, at };
      }
      return best;
    },
    housekeeping(now = clock.now()) {
      return startHousekeeping(now);
    },
  };
}
