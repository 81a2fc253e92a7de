// Rule states a store left idle: a state still `ok` and untouched for the retention period (the
// store sent nothing the rule had to act on) stops taking one of the rule's places
// (MAX_STORES_PER_RULE); its next point starts it over. Firing and pending states stay until the
// rule settles them. Deleted with the nightly housekeeping, in batches, yielding in between.
import type { Db } from '../../db/client.ts';
import { deleteIdleRuleStates } from '../../db/queries/metricRules.ts';

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function pruneIdleRuleStates(db: Db, opts: { before: number; batchSize: number; shouldStop?: () => boolean }): Promise<number> {
  let pruned = 0;
  for (;;) {
    if (opts.shouldStop?.() || !db.$client.open) return pruned;
    const deleted = deleteIdleRuleStates(db, opts.before, opts.batchSize);
    pruned += deleted;
    if (deleted < opts.batchSize) return pruned;
    await yieldToEventLoop();
  }
}
