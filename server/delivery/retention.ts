// Nightly pruning of what is older than the retention period (policy/retention: which rows may
// go). Rows go in small batches, one short transaction each, with a turn of the event loop in
// between, so intake and the console keep answering while a large backlog is deleted.
import type { Db } from '../../db/client.ts';
import { pruneCutoffs } from './policy/retention.ts';
import { PRUNE_ORDER, pruneBatch } from './store.ts';

export const PRUNE_BATCH = 1000;

export interface PruneResult {
  events: number;
  deliveries: number;
  reportRuns: number;
  ruleTransitions: number;
  /** Transactions used (each at most one batch). */
  batches: number;
  cutoff: number;
  /** Events are kept at least for the idempotency window. */
  eventCutoff: number;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Deletes final events, deliveries, report runs and metric rule transitions created before `now - retentionDays`, at most
 * `batchSize` rows per transaction. `shouldStop` lets a shutdown end it between batches.
 */
export async function pruneOldRows(
  db: Db,
  opts: { now: number; retentionDays: number; batchSize?: number; shouldStop?: () => boolean },
): Promise<PruneResult> {
  const batchSize = opts.batchSize ?? PRUNE_BATCH;
  const cutoffs = pruneCutoffs(opts.now, opts.retentionDays);
  const result: PruneResult = { events: 0, deliveries: 0, reportRuns: 0, ruleTransitions: 0, batches: 0, cutoff: cutoffs.rows, eventCutoff: cutoffs.events };
  for (const table of PRUNE_ORDER) {
    for (;;) {
      if (opts.shouldStop?.() || !db.$client.open) return result;
      const deleted = pruneBatch(db, table, cutoffs, batchSize);
      result.batches++;
      result[table] += deleted;
      if (deleted < batchSize) break;
      await yieldToEventLoop();
    }
    await yieldToEventLoop();
  }
  return result;
}
