// What housekeeping may delete: final rows past the retention, and events also past the 7-day
// idempotency window (a replayed idempotency_key must still find its first event). Pure: the
// shell reads old rows with the facts below, asks planRetention which may go, and deletes those.
import type { DeliveryStatus, EventStatus } from '../../../db/schema.ts';

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

const FINAL_EVENT = new Set<string>(FINAL_EVENT_STATUSES);
const FINAL_DELIVERY = new Set<string>(FINAL_DELIVERY_STATUSES);
const FINAL_RUN = new Set<string>(FINAL_RUN_STATUSES);

/** An old row as pruning sees it. */
export type PruneCandidate =
  | { table: 'events'; id: number; at: number; status: EventStatus; finishedAt: number | null }
  | {
      table: 'deliveries';
      id: number;
      at: number;
      status: DeliveryStatus;
      lastAttemptAt: number | null;
      /**
       * A re-split original with a part that waits, or died lately and may be retried by hand: it
       * carries what they settle with (a digest's members and mentions).
       */
      partsOpen: boolean;
      /** Its event is not final yet: an event's messages leave the send log together. */
      eventOpen: boolean;
      /**
       * A digest's mention follow-up whose digest is still kept: the two leave the send log together.
       * After a backward clock step the follow-up's times can read older than its digest's.
       */
      followsKept: boolean;
    }
  | { table: 'reportRuns'; id: number; at: number; status: string }
  /** A metric rule's firings and resolutions are records, final when written. */
  | { table: 'ruleTransitions'; id: number; at: number }
  /** The audit log grows with every sign-in, refusal and setup attempt: it keeps the retention's worth. */
  | { table: 'audit'; id: number; at: number };

export type PruneTable = PruneCandidate['table'];

/** Which cutoff a table's rows are held against: events and rule transitions keep the 7-day floor. */
export const CUTOFF_OF: Record<PruneTable, keyof PruneCutoffs> = { events: 'events', deliveries: 'rows', reportRuns: 'rows', ruleTransitions: 'events', audit: 'rows' };

/** Whether one old row may go: nothing queued, held, in flight, or digested into a digest that still waits. */
export function mayPrune(row: PruneCandidate, cutoffs: PruneCutoffs): boolean {
  if (row.at >= cutoffs[CUTOFF_OF[row.table]]) return false;
  switch (row.table) {
    case 'events':
      return FINAL_EVENT.has(row.status) && row.finishedAt !== null;
    case 'deliveries':
      // A message sent (or tried) lately is not old, however long it waited: the send log shows the
      // retention's sends, and a restart's limiter counts the last window's calls from these rows.
      return FINAL_DELIVERY.has(row.status) && (row.lastAttemptAt ?? 0) < cutoffs.rows && !(row.status === 'merged' && row.partsOpen) && !row.eventOpen && !row.followsKept;
    case 'reportRuns':
      return FINAL_RUN.has(row.status);
    case 'ruleTransitions':
    case 'audit':
      return true;
  }
}

/** The rows of a batch that may go. */
export function planRetention(rows: readonly PruneCandidate[], cutoffs: PruneCutoffs): number[] {
  return rows.filter((r) => mayPrune(r, cutoffs)).map((r) => r.id);
}
