// Nightly pruning of what is older than the retention period. The shell reads old rows a batch at
// a time (store.ts), asks the core which may go (policy/retention: planRetention), and deletes
// those in the same short transaction, with a turn of the event loop in between, so intake and the
// console keep answering while a large backlog is deleted.
import type { Db } from '../../db/client.ts';
import { CUTOFF_OF, planRetention, pruneCutoffs, type PruneTable } from './policy/retention.ts';
import { deleteRows, pruneCandidates } from './store.ts';

export const PRUNE_BATCH = 1000;

/** Events first: a message whose event is still open stays (policy/retention). */
const TABLES: readonly PruneTable[] = ['events', 'deliveries', 'reportRuns', 'ruleTransitions', 'audit'];

export interface PruneResult {
  events: number;
  deliveries: number;
  reportRuns: number;
  ruleTransitions: number;
  audit: number;
  /** Transactions used (each at most one batch). */
  batches: number;
  cutoff: number;
  /** Events are kept at least for the idempotency window. */
  eventCutoff: number;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Deletes final events, deliveries, report runs, metric rule transitions and audit rows created before `now - retentionDays`, looking at
 * `batchSize` old rows per transaction. `shouldStop` lets a shutdown end it between batches.
 */
export async function pruneOldRows(
  db: Db,
  opts: { now: number; retentionDays: number; batchSize?: number; shouldStop?: () => boolean },
): Promise<PruneResult> {
  const batchSize = opts.batchSize ?? PRUNE_BATCH;
  const cutoffs = pruneCutoffs(opts.now, opts.retentionDays);
  const result: PruneResult = { events: 0, deliveries: 0, reportRuns: 0, ruleTransitions: 0, audit: 0, batches: 0, cutoff: cutoffs.rows, eventCutoff: cutoffs.events };
  for (const table of TABLES) {
    let afterId = 0;
    for (;;) {
      if (opts.shouldStop?.() || !db.$client.open) return result;
      const { seen, lastId } = db.$client.transaction(() => {
        const rows = pruneCandidates(db, table, cutoffs[CUTOFF_OF[table]], afterId, batchSize);
        const ids = planRetention(rows, cutoffs);
        deleteRows(db, table, ids);
        result[table] += ids.length;
        return { seen: rows.length, lastId: rows.at(-1)?.id ?? afterId };
      })();
      result.batches++;
      afterId = lastId;
      if (seen < batchSize) break;
      await yieldToEventLoop();
    }
    await yieldToEventLoop();
  }
  return result;
}
