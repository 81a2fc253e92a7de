// Nightly pruning of what is older than the retention period. Rows go in small batches, one short
// transaction each, with a turn of the event loop in between, so intake and the console keep
// answering while a large backlog is deleted.
import type { Db } from '../../db/client.ts';

export const PRUNE_BATCH = 1000;

/** Only rows that reached the end of their life: nothing queued, held or in flight is touched. */
const FINAL_EVENT_STATUSES = ['sent', 'digested', 'suppressed', 'dead', 'stored'];
const FINAL_DELIVERY_STATUSES = ['sent', 'dead', 'merged', 'failed'];
const FINAL_RUN_STATUSES = ['succeeded', 'failed', 'skipped'];

export interface PruneResult {
  events: number;
  deliveries: number;
  reportRuns: number;
  /** Transactions used (each at most one batch). */
  batches: number;
  cutoff: number;
}

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

const TABLES = [
  { key: 'events', table: 'events', time: 'received_at', statuses: FINAL_EVENT_STATUSES },
  { key: 'deliveries', table: 'deliveries', time: 'created_at', statuses: FINAL_DELIVERY_STATUSES },
  { key: 'reportRuns', table: 'report_runs', time: 'started_at', statuses: FINAL_RUN_STATUSES },
] as const;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Deletes final events, deliveries and report runs created before `now - retentionDays`, at most
 * `batchSize` rows per transaction. `shouldStop` lets a shutdown end it between batches.
 */
export async function pruneOldRows(
  db: Db,
  opts: { now: number; retentionDays: number; batchSize?: number; shouldStop?: () => boolean },
): Promise<PruneResult> {
  const batchSize = opts.batchSize ?? PRUNE_BATCH;
  const cutoff = opts.now - opts.retentionDays * 24 * 3600_000;
  const result: PruneResult = { events: 0, deliveries: 0, reportRuns: 0, batches: 0, cutoff };
  for (const t of TABLES) {
    const statement = db.$client.prepare(
      `DELETE FROM ${t.table} WHERE id IN (
         SELECT id FROM ${t.table} WHERE ${t.time} < ? AND status IN (${placeholders(t.statuses.length)}) ORDER BY id LIMIT ?
       )`,
    );
    const batch = db.$client.transaction(() => statement.run(cutoff, ...t.statuses, batchSize).changes);
    for (;;) {
      if (opts.shouldStop?.() || !db.$client.open) return result;
      const deleted = batch();
      result.batches++;
      result[t.key] += deleted;
      if (deleted < batchSize) break;
      await yieldToEventLoop();
    }
    await yieldToEventLoop();
  }
  return result;
}
