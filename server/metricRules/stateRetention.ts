// Rule states a store left idle: a state settled (`ok`, or `resolved` after a firing) and untouched
// for the retention period (the store sent nothing the rule had to act on) stops taking one of the
// rule's places (MAX_STORES_PER_RULE); its next point starts it over. Firing and pending states stay until the
// rule settles them. A no-data rule's state stays too: it is how the rule counts a store's silence,
// which may outlast the retention period, and the silence ends in a firing. Deleted with the
// nightly housekeeping, a batch of metric and store rows at a time, yielding in between.
import type { Db } from '../../db/client.ts';
import { deleteIdleRuleStates, listMetricRules } from '../../db/queries/metricRules.ts';
import { ruleFromRow } from './ruleRows.ts';

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function pruneIdleRuleStates(db: Db, opts: { before: number; batchSize: number; shouldStop?: () => boolean }): Promise<number> {
  // A row holds a state per rule of its metric: a quarter of the batch size in rows. 1,000 rows of 5
  // idle states each took 30-48 ms a batch (100,000 rows, measured), 250 keep well inside 50 ms.
  const rowsPerBatch = Math.max(1, Math.floor(opts.batchSize / 4));
  let pruned = 0;
  let after = 0;
  for (;;) {
    if (opts.shouldStop?.() || !db.$client.open) return pruned;
    // A batch of metric and store rows at a time, each in a transaction: a state's entry and its index row go together.
    const { deleted, next } = db.$client.transaction(() => {
      const noData = new Set(listMetricRules(db).map(ruleFromRow).filter((r) => r.condition.type === 'no_data').map((r) => r.id));
      return deleteIdleRuleStates(db, opts.before, noData, rowsPerBatch, after);
    })();
    pruned += deleted;
    if (next === undefined) return pruned;
    after = next;
    await yieldToEventLoop();
  }
}
