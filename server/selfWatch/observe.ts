// One observation of the appliance for the self-watch: read from the database, the process
// counters and the data directory. Cheap (indexed reads, one statfs, a lock taken and released).
import { statfsSync } from 'node:fs';
import type { Db } from '../../db/client.ts';
import { getChannel } from '../../db/queries/channel.ts';
import { enabledReportJobs, oldestWaitingSince } from '../../db/queries/selfWatch.ts';
import { oldestDueAt } from '../delivery/store.ts';
import type { OpsCounters } from '../opsCounters.ts';
import { Cron } from 'croner';
import { CRON_OPTIONS, nextFireTime, normaliseCron } from '../reports/cron.ts';
import { canonicalTimeZone } from '../time/zone.ts';
import { calendarAllowsDate, isCalendarChoice, type CalendarSource, type WorkdayCalendar } from '../calendar/workdays.ts';
import type { SecretBox } from '../security/secretBox.ts';
import type { Observation, StorageCause } from './reasons.ts';

export interface ObserveDeps {
  db: Db;
  counters: OpsCounters;
  secretBox: SecretBox;
  dataDir: string;
  schedulerTimers: boolean;
  /**
   * A job's first fire time after its cursor, by schedule, calendar and cursor: croner takes
   * milliseconds per job and time zone, and the cursor moves only when a run is handled. Owned by
   * the caller; emptied when the admin changes the workday calendar.
   */
  nextFireCache: NextFireCache;
  /** China's workday calendar: a fire time on a day the job's calendar leaves out is not due. */
  calendar?: CalendarSource;
}

export interface NextFireCache {
  times: Map<string, number | undefined>;
  /** The calendar the times were worked out with. */
  calendar?: WorkdayCalendar;
}

export const createNextFireCache = (): NextFireCache => ({ times: new Map() });

/** New schedules worked out per check at most: the rest wait for the next checks, so one check stays a short slice. */
const SCHEDULES_PER_CHECK = 1;

type JobSchedule = { cron: string; timezone: string; calendar: string };

function firstFireAfter(deps: ObserveDeps, job: JobSchedule, cursor: number, budget: { left: number }): number | undefined {
  const cache = deps.nextFireCache.times;
  const { cron, timezone: timeZone } = job;
  const choice = isCalendarChoice(job.calendar) ? job.calendar : 'every_day';
  const key = `${cron}\n${timeZone}\n${choice}\n${cursor}`;
  if (cache.has(key)) return cache.get(key);
  if (budget.left <= 0) return undefined;
  budget.left--;
  // Jobs and cursors change rarely: an entry for every one seen lately is plenty.
  if (cache.size > 200) cache.clear();
  const calendar = deps.nextFireCache.calendar;
  // One croner object and one nextRun (parseSchedule would add a validating nextRun): the scheduler
  // validated the schedule when it was saved; one it cannot read has no fire time here either.
  let next: number | undefined;
  try {
    const zone = canonicalTimeZone(timeZone);
    // As the scheduler does: fire times on days the job's calendar leaves out are passed over, not due.
    const keep = choice === 'every_day' || !zone ? undefined : (date: string) => calendarAllowsDate(choice, calendar, date);
    next = zone ? nextFireTime(new Cron(normaliseCron(cron), { ...CRON_OPTIONS, timezone: zone }), cursor, keep) : undefined;
  } catch {
    next = undefined;
  }
  cache.set(key, next);
  return next;
}

const STORAGE_CODES: Readonly<Record<string, StorageCause>> = { SQLITE_BUSY: 'locked', SQLITE_LOCKED: 'locked', SQLITE_READONLY: 'read_only', SQLITE_FULL: 'full', SQLITE_IOERR: 'io_error', SQLITE_CANTOPEN: 'io_error' };

/** Takes the write lock and lets go at once, without waiting for another writer (busy_timeout 0 for that moment). */
function probeWrite(db: Db): StorageCause | undefined {
  const sqlite = db.$client;
  const timeout = sqlite.pragma('busy_timeout', { simple: true }) as number;
  sqlite.pragma('busy_timeout = 0');
  try {
    sqlite.prepare('BEGIN IMMEDIATE').run();
    sqlite.prepare('ROLLBACK').run();
    return undefined;
  } catch (err) {
    const code = String((err as { code?: string }).code ?? '');
    // A write lock held by another connection right now is not a fault; held past busy_timeout, requests say so.
    if (code === 'SQLITE_BUSY') return undefined;
    return STORAGE_CODES[code.replace(/_[A-Z]+$/, '')] ?? STORAGE_CODES[code] ?? 'error';
  } finally {
    if (sqlite.inTransaction) sqlite.prepare('ROLLBACK').run();
    sqlite.pragma(`busy_timeout = ${timeout}`);
  }
}

function freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

function channelOf(deps: ObserveDeps): Observation['channel'] {
  const row = getChannel(deps.db);
  if (!row) return { state: 'none' };
  if (row.status === 'invalid') return { state: 'invalid', since: row.invalidSince ?? row.updatedAt, errcode: row.invalidErrcode ?? undefined };
  try {
    deps.secretBox.open(row.keyCiphertext);
  } catch {
    return { state: 'unreadable', since: row.updatedAt };
  }
  return { state: 'connected' };
}

export function observe(deps: ObserveDeps, now: number): Observation {
  const sqlite = deps.db.$client;
  const w = deps.counters.wecom;
  const budget = { left: SCHEDULES_PER_CHECK };
  const calendar = deps.calendar?.calendar();
  // The admin changed a day (a new calendar object): fire times worked out with the old one may be wrong.
  if (deps.nextFireCache.calendar !== calendar) {
    deps.nextFireCache.times.clear();
    deps.nextFireCache.calendar = calendar;
  }
  const reports = enabledReportJobs(sqlite).map((job) => {
    const next = firstFireAfter(deps, job, Math.max(job.scheduleFrom, job.lastFireAt ?? 0), budget);
    return { name: job.name, unhandledSince: next !== undefined && next <= now ? next : undefined, lastRunStatus: job.lastRunStatus, lastRunAt: job.lastRunAt };
  });
  return {
    now,
    processStartedAt: deps.counters.startedAt,
    wecom: { failingSince: w.failingSince, lastRateLimitedAt: w.lastRateLimitedAt, lastCallAt: w.lastCallAt, latencies: [...w.latencies] },
    channel: channelOf(deps),
    oldestQueuedAt: oldestWaitingSince(sqlite),
    oldestDueAt: oldestDueAt(deps.db, now),
    storage: { probeError: probeWrite(deps.db), lastErrorAt: deps.counters.lastStorageErrorAt, freeBytes: freeBytes(deps.dataDir) },
    reports,
    schedulerTimers: deps.schedulerTimers,
  };
}
