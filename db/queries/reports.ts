import { and, asc, desc, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { reportJobs, reportRuns, type CALENDAR_CHOICES, type ReportRunStatus, type ReportTrigger, type ReportType } from '../schema.ts';

type CalendarChoice = (typeof CALENDAR_CHOICES)[number];

export type ReportJobRow = typeof reportJobs.$inferSelect;
export type ReportRunRow = typeof reportRuns.$inferSelect;

export interface ReportJobInput {
  name: string;
  cron: string;
  timezone: string;
  type: ReportType;
  template: string | null;
  enabled: boolean;
  /** Left out: off (insert) or unchanged (update). */
  attachChart?: boolean;
  /** Metric names, one per line; empty for every metric of the period. */
  chartMetrics?: string;
  /** Which days it runs on; left out: every day (insert) or unchanged (update). */
  calendar?: CalendarChoice;
}

export function listReportJobs(db: Db): ReportJobRow[] {
  return db.select().from(reportJobs).orderBy(asc(reportJobs.id)).all();
}

export function countReportJobs(db: Db): number {
  return db.select({ n: sql<number>`count(*)` }).from(reportJobs).get()!.n;
}

export function getReportJob(db: Db, id: number): ReportJobRow | undefined {
  return db.select().from(reportJobs).where(eq(reportJobs.id, id)).get();
}

export function insertReportJob(db: Db, job: ReportJobInput & { autoEnable?: boolean }, now: number): number {
  return db
    .insert(reportJobs)
    .values({ ...job, autoEnable: job.autoEnable ?? false, scheduleFrom: now, createdAt: now, updatedAt: now })
    .returning({ id: reportJobs.id })
    .get().id;
}

/**
 * Saves the admin's edit. The schedule counts from now when it changes or the job is switched on,
 * so fire times from before the edit are never "missed"; the admin's `enabled` ends auto-enabling.
 */
export function updateReportJob(db: Db, id: number, job: ReportJobInput, now: number): void {
  const before = getReportJob(db, id);
  if (!before) return;
  const rescheduled = before.cron !== job.cron || before.timezone !== job.timezone || (job.calendar !== undefined && before.calendar !== job.calendar) || (job.enabled && !before.enabled);
  db.update(reportJobs)
    .set({ ...job, autoEnable: false, updatedAt: now, ...(rescheduled ? { scheduleFrom: now, lastFireAt: null } : {}) })
    .where(eq(reportJobs.id, id))
    .run();
}

/** Whoever switches a job (the admin, or auto-enabling), the choice is final: auto-enabling ends. */
export function setReportJobEnabled(db: Db, id: number, enabled: boolean, now: number): void {
  const before = getReportJob(db, id);
  if (!before) return;
  db.update(reportJobs)
    .set({
      enabled,
      updatedAt: now,
      autoEnable: false,
      ...(enabled && !before.enabled ? { scheduleFrom: now, lastFireAt: null } : {}),
    })
    .where(eq(reportJobs.id, id))
    .run();
}

export function deleteReportJob(db: Db, id: number): boolean {
  return db.delete(reportJobs).where(eq(reportJobs.id, id)).run().changes > 0;
}

/** Seeded jobs still waiting for a bot: switched on now (once; the flag is cleared). */
export function autoEnableReportJobs(db: Db, now: number): number[] {
  const waiting = db.select({ id: reportJobs.id }).from(reportJobs).where(eq(reportJobs.autoEnable, true)).all();
  for (const { id } of waiting) setReportJobEnabled(db, id, true, now);
  return waiting.map((w) => w.id);
}

export function setLastFireAt(db: Db, id: number, at: number): void {
  db.update(reportJobs).set({ lastFireAt: at }).where(eq(reportJobs.id, id)).run();
}

export function insertReportRun(
  db: Db,
  run: {
    jobId: number;
    trigger: ReportTrigger;
    scheduledFor: number | null;
    startedAt: number;
    status: ReportRunStatus;
    error?: string | null;
    finishedAt?: number | null;
    period?: RunPeriod;
  },
  /** false for a fire time skipped while the job runs: the running run stays the job's last, and its end is what counts. */
  becomesLast = true,
): number {
  const id = db
    .insert(reportRuns)
    .values({ ...run, error: run.error ?? null, finishedAt: run.finishedAt ?? null, period: run.period ? JSON.stringify(run.period) : null })
    .returning({ id: reportRuns.id })
    .get().id;
  if (!becomesLast) return id;
  db.update(reportJobs)
    .set({ lastRunId: id, lastRunAt: run.startedAt, lastRunStatus: run.status })
    .where(eq(reportJobs.id, run.jobId))
    .run();
  return id;
}

export function finishReportRun(
  db: Db,
  id: number,
  result: { status: 'succeeded' | 'failed'; finishedAt: number; deliveryIds?: number[]; error?: string | null },
): void {
  db.transaction(() => {
    const run = db
      .update(reportRuns)
      .set({
        status: result.status,
        finishedAt: result.finishedAt,
        deliveryIds: result.deliveryIds ? JSON.stringify(result.deliveryIds) : null,
        error: result.error ?? null,
      })
      .where(eq(reportRuns.id, id))
      .returning({ jobId: reportRuns.jobId })
      .get();
    if (run) {
      db.update(reportJobs)
        .set({ lastRunStatus: result.status })
        .where(and(eq(reportJobs.id, run.jobId), eq(reportJobs.lastRunId, id)))
        .run();
    }
  });
}

export function getReportRun(db: Db, id: number): ReportRunRow | undefined {
  return db.select().from(reportRuns).where(eq(reportRuns.id, id)).get();
}

/** Newest first, keyset-paginated by id. */
export function listReportRuns(db: Db, jobId: number, opts: { limit: number; beforeId?: number }): ReportRunRow[] {
  const where = opts.beforeId !== undefined ? and(eq(reportRuns.jobId, jobId), lt(reportRuns.id, opts.beforeId)) : eq(reportRuns.jobId, jobId);
  return db.select().from(reportRuns).where(where).orderBy(desc(reportRuns.id)).limit(opts.limit).all();
}

/** Runs a crash left in `running` are failed at start: they never finished. */
/** Marks the runs a crash left running as failed; answers them. */
export function failInterruptedRuns(db: Db, now: number, error: string): Array<{ jobId: number; trigger: ReportTrigger; scheduledFor: number | null }> {
  const rows = db
    .select({ id: reportRuns.id, jobId: reportRuns.jobId, trigger: reportRuns.trigger, scheduledFor: reportRuns.scheduledFor })
    .from(reportRuns)
    .where(eq(reportRuns.status, 'running'))
    .all();
  for (const { id } of rows) finishReportRun(db, id, { status: 'failed', finishedAt: now, error });
  return rows.map(({ jobId, trigger, scheduledFor }) => ({ jobId, trigger: trigger as ReportTrigger, scheduledFor }));
}

/** The stretch of time a run's report covers, as recorded when it started. */
export interface RunPeriod {
  span: string;
  label: string;
  timeZone: string;
}

export function runPeriod(run: Pick<ReportRunRow, 'period'>): RunPeriod | undefined {
  if (!run.period) return undefined;
  try {
    const p = JSON.parse(run.period) as Partial<RunPeriod>;
    return typeof p.span === 'string' && typeof p.label === 'string' && typeof p.timeZone === 'string' ? { span: p.span, label: p.label, timeZone: p.timeZone } : undefined;
  } catch {
    return undefined;
  }
}

export function runDeliveryIds(run: Pick<ReportRunRow, 'deliveryIds'>): number[] {
  if (!run.deliveryIds) return [];
  try {
    const ids = JSON.parse(run.deliveryIds) as unknown;
    return Array.isArray(ids) ? ids.filter((x): x is number => typeof x === 'number') : [];
  } catch {
    return [];
  }
}
