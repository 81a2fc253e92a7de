// What can be wrong with the appliance itself, decided from one observation (plain data, read by
// observe.ts). Pure: the watcher asks this every few seconds and acts on the changes.

export const PROBLEM_CODES = [
  'wecom_unreachable',
  'wecom_slow',
  'channel_invalid',
  'queue_stuck',
  'rate_blocked',
  'storage',
  'report_missed',
  'report_failed',
  'scheduler_stalled',
  'worker_stalled',
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

export type ProblemSeverity = 'warning' | 'critical';

/** Why storage is a problem: the write probe's SQLite error, a recent failed write, or little free space. */
export const STORAGE_CAUSES = ['locked', 'read_only', 'full', 'io_error', 'error', 'write_failed', 'low_space'] as const;
export type StorageCause = (typeof STORAGE_CAUSES)[number];

/** Critical: nothing reaches the group (or nothing is stored) until it is fixed. */
export const PROBLEM_SEVERITY: Readonly<Record<ProblemCode, ProblemSeverity>> = {
  wecom_unreachable: 'critical',
  wecom_slow: 'warning',
  channel_invalid: 'critical',
  queue_stuck: 'warning',
  rate_blocked: 'warning',
  storage: 'critical',
  report_missed: 'warning',
  report_failed: 'warning',
  scheduler_stalled: 'critical',
  worker_stalled: 'critical',
};

export interface Problem {
  code: ProblemCode;
  severity: ProblemSeverity;
  /** Since when it holds, as far as the observation tells (ms since the epoch). */
  since: number;
  /** Numbers and names the message quotes (minutes, an errcode, every report job it is about); never a key. */
  detail: Record<string, string | number | readonly string[]>;
}

export interface Observation {
  now: number;
  processStartedAt: number;
  wecom: {
    failingSince?: number;
    lastRateLimitedAt?: number;
    lastCallAt?: number;
    /** Answer times of the latest answered calls, newest last. */
    latencies: ReadonlyArray<{ at: number; ms: number }>;
  };
  /** The bot: none, connected, invalid (WeCom refused the key), or unreadable (stored with another data key). */
  channel: { state: 'none' | 'connected' | 'invalid' | 'unreadable'; since?: number; errcode?: number };
  /** The oldest message waiting to be sent (its queued_at), and the oldest one already due (next_attempt_at). */
  oldestQueuedAt?: number;
  oldestDueAt?: number;
  storage: { probeError?: StorageCause; lastErrorAt?: number; freeBytes?: number };
  /** Enabled report jobs: a fire time the scheduler has not handled, and the last run's outcome. */
  reports: ReadonlyArray<{ name: string; unhandledSince?: number; lastRunStatus?: string | null; lastRunAt?: number | null }>;
  /** Whether the scheduler's timers run at all (tests drive it by hand). */
  schedulerTimers: boolean;
}

export interface Thresholds {
  /** WeCom gave no answer for this long (every call failed in transport). */
  unreachableMs: number;
  /** The median of the latest answers is at least this slow. */
  slowMs: number;
  /** A message has waited this long. */
  queuedMs: number;
  /** WeCom's rate window: a 45009 within two windows is a blocked window. */
  rateWindowMs: number;
  /** A due message with no call to WeCom for this long (the worker should have tried). */
  stallMs: number;
  /** A report fire time unhandled this long after it passed. */
  reportGraceMs: number;
  /** A storage error this recent still counts. */
  storageRecentMs: number;
  /** Less free space than this in the data directory. */
  minFreeBytes: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  unreachableMs: 5 * 60_000,
  slowMs: 3_000,
  queuedMs: 15 * 60_000,
  rateWindowMs: 60_000,
  stallMs: 2 * 60_000,
  reportGraceMs: 10 * 60_000,
  storageRecentMs: 5 * 60_000,
  minFreeBytes: 64 * 1024 * 1024,
};

const minutes = (ms: number) => Math.max(1, Math.round(ms / 60_000));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Every problem the observation shows, in PROBLEM_CODES order. */
export function judge(o: Observation, t: Thresholds): Problem[] {
  const out: Problem[] = [];
  const add = (code: ProblemCode, since: number, detail: Problem['detail'] = {}) => out.push({ code, severity: PROBLEM_SEVERITY[code], since, detail });
  const { now } = o;

  // With no bot nothing calls WeCom again, so a failure before the bot was disconnected would hold for good.
  if (o.channel.state !== 'none' && o.wecom.failingSince !== undefined && now - o.wecom.failingSince >= t.unreachableMs) {
    add('wecom_unreachable', o.wecom.failingSince, { minutes: minutes(now - o.wecom.failingSince) });
  }
  // Answers of the last ten minutes only: an old slow answer says nothing about now.
  const recent = o.wecom.latencies.filter((l) => now - l.at <= 10 * 60_000);
  if (recent.length >= 3 && median(recent.map((l) => l.ms)) >= t.slowMs) {
    add('wecom_slow', recent[0]!.at, { ms: Math.round(median(recent.map((l) => l.ms))) });
  }
  if (o.channel.state === 'invalid' || o.channel.state === 'unreadable') {
    add('channel_invalid', o.channel.since ?? now, { state: o.channel.state, errcode: o.channel.errcode ?? '' });
  }
  if (o.oldestQueuedAt !== undefined && now - o.oldestQueuedAt >= t.queuedMs) {
    add('queue_stuck', o.oldestQueuedAt, { minutes: minutes(now - o.oldestQueuedAt) });
  }
  if (o.wecom.lastRateLimitedAt !== undefined && now - o.wecom.lastRateLimitedAt < 2 * t.rateWindowMs) {
    add('rate_blocked', o.wecom.lastRateLimitedAt);
  }
  const s = o.storage;
  if (s.probeError !== undefined) add('storage', now, { cause: s.probeError });
  else if (s.lastErrorAt !== undefined && now - s.lastErrorAt < t.storageRecentMs) add('storage', s.lastErrorAt, { cause: 'write_failed' });
  else if (s.freeBytes !== undefined && s.freeBytes < t.minFreeBytes) add('storage', now, { cause: 'low_space', mb: Math.floor(s.freeBytes / 1024 / 1024) });

  const skipped = o.reports.filter((r) => r.lastRunStatus === 'skipped');
  if (skipped.length > 0) add('report_missed', Math.min(...skipped.map((r) => r.lastRunAt ?? now)), { jobs: skipped.map((r) => r.name) });
  const failed = o.reports.filter((r) => r.lastRunStatus === 'failed');
  if (failed.length > 0) add('report_failed', Math.min(...failed.map((r) => r.lastRunAt ?? now)), { jobs: failed.map((r) => r.name) });
  // A fire time passed long ago and nobody handled it, though the timers are on and the process has
  // been up long enough to catch up on what it missed while it was down.
  const late =
    o.schedulerTimers && now - o.processStartedAt >= t.reportGraceMs
      ? o.reports.filter((r) => r.unhandledSince !== undefined && now - r.unhandledSince >= t.reportGraceMs)
      : [];
  if (late.length > 0) {
    const first = Math.min(...late.map((r) => r.unhandledSince!));
    add('scheduler_stalled', first, { jobs: late.map((r) => r.name), minutes: minutes(now - first) });
  }

  // Due for a while, the bot usable, and not one call to WeCom since: the worker is not working.
  const lastCall = o.wecom.lastCallAt ?? o.processStartedAt;
  if (o.channel.state === 'connected' && o.oldestDueAt !== undefined && now - o.oldestDueAt >= t.stallMs && now - lastCall >= t.stallMs) {
    add('worker_stalled', Math.max(o.oldestDueAt, lastCall), { minutes: minutes(now - Math.max(o.oldestDueAt, lastCall)) });
  }
  return out;
}

/** ok, or the worst severity among the problems. */
export function overallStatus(problems: readonly Problem[]): 'ok' | ProblemSeverity {
  if (problems.length === 0) return 'ok';
  return problems.some((p) => p.severity === 'critical') ? 'critical' : 'warning';
}
