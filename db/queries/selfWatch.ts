import type Database from 'better-sqlite3';

/** The oldest message already due (next attempt in the past) that is still waiting to be sent. */
export function oldestDueAt(sqlite: Database.Database, now: number): number | undefined {
  const row = sqlite.prepare("SELECT min(next_attempt_at) AS at FROM deliveries WHERE status = 'queued' AND next_attempt_at <= ?").get(now) as { at: number | null };
  return row.at ?? undefined;
}

/** Enabled report jobs with what the self-watch needs: schedule, cursor, last run. */
export function enabledReportJobs(sqlite: Database.Database): Array<{
  name: string;
  cron: string;
  timezone: string;
  scheduleFrom: number;
  lastFireAt: number | null;
  lastRunStatus: string | null;
  lastRunAt: number | null;
}> {
  return sqlite
    .prepare(
      'SELECT name, cron, timezone, schedule_from AS scheduleFrom, last_fire_at AS lastFireAt, last_run_status AS lastRunStatus, last_run_at AS lastRunAt FROM report_jobs WHERE enabled = 1 ORDER BY id',
    )
    .all() as never;
}
