// Nightly pruning of what is older than the retention period. Rows go in small batches, one short
// transaction each, with a turn of the event loop in between, so intake and the console keep
// answering while a large backlog is deleted.
import type { Db } from '../../db/client.ts';
import { FINAL_DELIVERY_STATUSES, FINAL_EVENT_STATUSES, FINAL_RUN_STATUSES, pruneCutoffs } from '../delivery/policy/retention.ts';

export const PRUNE_BATCH = 1000;

// Only rows that reached the end of their life (policy/retention): nothing queued, held, in flight,
// or digested into a digest that still waits.
const TABLES = [
  { key: 'events', table: 'events', time: 'received_at', statuses: FINAL_EVENT_STATUSES, cutoff: 'events', extra: 'AND finished_at IS NOT NULL' },
  {
    key: 'deliveries',
    table: 'deliveries',
    time: 'created_at',
    // A message sent (or tried) lately is not old, however long it waited: the send log shows the
    // retention's sends, and a restart's limiter counts the last window's calls from these rows.
    alsoBefore: 'last_attempt_at',
    statuses: FINAL_DELIVERY_STATUSES,
    cutoff: 'rows',
    // A re-split message's original carries what its parts settle with (a digest's events, mentions).
    // An event's messages go together once the event is final: a sent mention follow-up must not
    // vanish from the send log while its main message still retries.
    extra: `AND NOT (status = 'merged' AND EXISTS (SELECT 1 FROM deliveries p WHERE p.split_from = deliveries.id AND p.status IN ('queued', 'sending')))
            AND NOT EXISTS (SELECT 1 FROM events e WHERE e.id = deliveries.event_id AND e.finished_at IS NULL)`,
  },
  { key: 'reportRuns', table: 'report_runs', time: 'started_at', statuses: FINAL_RUN_STATUSES, cutoff: 'rows', extra: '' },
  // A metric rule's firings and resolutions are records, final when written; weekly reports list
  // them, so they stay at least as long as events (the 7-day floor).
  { key: 'ruleTransitions', table: 'metric_rule_transitions', time: 'at', statuses: [], cutoff: 'events', extra: '' },
  // A store that sent nothing a rule had to act on for the whole retention period stops taking one
  // of the rule's places (MAX_STORES_PER_RULE); its state starts over with its next point. Firing
  // and pending states stay until the rule settles them.
  { key: 'ruleStates', table: 'metric_rule_states', time: 'updated_at', statuses: ['ok'], cutoff: 'rows', extra: '' },
] as const;

export interface PruneResult {
  events: number;
  deliveries: number;
  reportRuns: number;
  ruleTransitions: number;
  ruleStates: number;
  /** Transactions used (each at most one batch). */
  batches: number;
  cutoff: number;
  /** Events are kept at least for the idempotency window. */
  eventCutoff: number;
}

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Deletes final events, deliveries, report runs, metric rule transitions and idle rule states older than `now - retentionDays`, at most
 * `batchSize` rows per transaction. `shouldStop` lets a shutdown end it between batches.
 */
export async function pruneOldRows(
  db: Db,
  opts: { now: number; retentionDays: number; batchSize?: number; shouldStop?: () => boolean },
): Promise<PruneResult> {
  const batchSize = opts.batchSize ?? PRUNE_BATCH;
  const cutoffs = pruneCutoffs(opts.now, opts.retentionDays);
  const result: PruneResult = { events: 0, deliveries: 0, reportRuns: 0, ruleTransitions: 0, ruleStates: 0, batches: 0, cutoff: cutoffs.rows, eventCutoff: cutoffs.events };
  for (const t of TABLES) {
    const finalOnly = t.statuses.length ? `AND status IN (${placeholders(t.statuses.length)})` : '';
    const alsoBefore = 'alsoBefore' in t ? `AND coalesce(${t.alsoBefore}, 0) < ?` : '';
    // rowid: the id of the tables that have one, and the key of those that do not (rule states).
    const statement = db.$client.prepare(
      `DELETE FROM ${t.table} WHERE rowid IN (
         SELECT rowid FROM ${t.table} WHERE ${t.time} < ? ${alsoBefore} ${finalOnly} ${t.extra} ORDER BY rowid LIMIT ?
       )`,
    );
    const cutoff = cutoffs[t.cutoff];
    const times = alsoBefore ? [cutoff, cutoff] : [cutoff];
    const batch = db.$client.transaction(() => statement.run(...times, ...t.statuses, batchSize).changes);
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
