import { and, desc, eq, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { refusedRequests } from '../schema.ts';

export type RefusalRow = typeof refusedRequests.$inferSelect;

/** How many refusal rows are kept: enough to spot a misconfigured sender, bounded against floods. */
export const REFUSALS_KEPT = 100;

type Refusal = Pick<typeof refusedRequests.$inferInsert, 'at' | 'reason' | 'tokenPrefix' | 'path' | 'ip' | 'source'>;

/**
 * Records one refusal. Repeats from the same source for the same reason update that source's row
 * (count, latest time, prefix, endpoint), so a 401 flood from one client is one row, not a hundred
 * that push every other sender's entry out. Rows beyond the REFUSALS_KEPT latest are dropped.
 */
export function recordRefusal(db: Db, row: Refusal): void {
  db.transaction((tx) => {
    const same = row.source
      ? tx.select({ id: refusedRequests.id }).from(refusedRequests).where(and(eq(refusedRequests.source, row.source), eq(refusedRequests.reason, row.reason))).get()
      : undefined;
    if (same) {
      tx.update(refusedRequests)
        .set({ at: row.at, tokenPrefix: row.tokenPrefix, path: row.path, ip: row.ip, count: sql`${refusedRequests.count} + 1` })
        .where(eq(refusedRequests.id, same.id))
        .run();
      return;
    }
    tx.insert(refusedRequests).values({ ...row, firstAt: row.at }).run();
    const kept = tx.select({ id: refusedRequests.id }).from(refusedRequests).orderBy(desc(refusedRequests.at), desc(refusedRequests.id)).limit(REFUSALS_KEPT);
    tx.delete(refusedRequests).where(notInArray(refusedRequests.id, kept)).run();
  });
}

/** Latest first. */
export function listRefusals(db: Db): RefusalRow[] {
  return db.select().from(refusedRequests).orderBy(desc(refusedRequests.at), desc(refusedRequests.id)).limit(REFUSALS_KEPT).all();
}
