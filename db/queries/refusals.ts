import { desc, lte, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { refusedRequests } from '../schema.ts';

export type RefusalRow = typeof refusedRequests.$inferSelect;

/** How many refused requests are kept: enough to spot a misconfigured sender, bounded against floods. */
export const REFUSALS_KEPT = 100;

/** Records one refusal and drops those beyond the newest REFUSALS_KEPT. */
export function recordRefusal(db: Db, row: Omit<typeof refusedRequests.$inferInsert, 'id'>): void {
  db.transaction((tx) => {
    const id = tx.insert(refusedRequests).values(row).returning({ id: refusedRequests.id }).get().id;
    tx.delete(refusedRequests).where(lte(refusedRequests.id, sql`${id - REFUSALS_KEPT}`)).run();
  });
}

export function listRefusals(db: Db): RefusalRow[] {
  return db.select().from(refusedRequests).orderBy(desc(refusedRequests.id)).limit(REFUSALS_KEPT).all();
}
