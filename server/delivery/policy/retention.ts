// What housekeeping may delete: final rows past the retention, and events also past the 7-day
// idempotency window (a replayed idempotency_key must still find its first event).

export const IDEMPOTENCY_WINDOW_MS = 7 * 24 * 3600_000;

export interface PruneCutoffs {
  /** Events received before this may go (when final). */
  events: number;
  /** Deliveries and report runs created before this may go (when final). */
  rows: number;
}

export function pruneCutoffs(now: number, retentionDays: number): PruneCutoffs {
  const rows = now - retentionDays * 24 * 3600_000;
  return { rows, events: Math.min(rows, now - IDEMPOTENCY_WINDOW_MS) };
}

/** Final event statuses; an event is final only once `finished_at` is set too (a digested event waits for its digest). */
export const FINAL_EVENT_STATUSES = ['sent', 'digested', 'suppressed', 'dead', 'stored'] as const;
export const FINAL_DELIVERY_STATUSES = ['sent', 'dead', 'merged', 'failed'] as const;
export const FINAL_RUN_STATUSES = ['succeeded', 'failed', 'skipped'] as const;
