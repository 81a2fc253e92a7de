import type Database from 'better-sqlite3';

/**
 * It looks at the head of the queue only (its first SAMPLE rows), so a backlog of 20,000 costs
 * what 200 do (a full scan of 20,000 queued rows took 75-90 ms, over the 50 ms a slice may take).
 */
const SAMPLE = 200;

/**
 * When the longest-waiting message began waiting, among the oldest rows of each priority still
 * queued (queued_at grows with the id, except for a message retried by hand, which waits from
 * then) and those in flight. Each part walks the queue index in order: no sort, no scan.
 */
export function oldestWaitingSince(sqlite: Database.Database): number | undefined {
  const head = (where: string) => `SELECT min(queued_at) AS at FROM (SELECT queued_at FROM deliveries WHERE status = 'queued' AND ${where} ORDER BY priority, id LIMIT ${SAMPLE})`;
  const row = sqlite
    .prepare(`SELECT min(at) AS at FROM (${head('priority = 0')} UNION ALL ${head('priority = 1')} UNION ALL ${head('priority > 1')} UNION ALL SELECT min(queued_at) AS at FROM deliveries WHERE status = 'sending')`)
    .get() as { at: number | null };
  return row.at ?? undefined;
}

/** Enabled report jobs with what the self-watch needs: schedule, cursor, last run. */
export function enabledReportJobs(sqlite: Database.Database): Array<{
  name: string;
  cron: string;
  timezone: string;
  calendar: string;
  scheduleFrom: number;
  lastFireAt: number | null;
  lastRunStatus: string | null;
  lastRunAt: number | null;
}> {
  return sqlite
    .prepare(
      'SELECT name, cron, timezone, calendar, schedule_from AS scheduleFrom, last_fire_at AS lastFireAt, last_run_status AS lastRunStatus, last_run_at AS lastRunAt FROM report_jobs WHERE enabled = 1 ORDER BY id',
    )
    .all() as never;
}
