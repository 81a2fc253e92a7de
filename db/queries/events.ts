// The console's lists of events. Every statement the delivery engine runs on `events`, and every
// write, is in server/delivery/store.ts.
import { desc, lt, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { events } from '../schema.ts';

export type EventRow = typeof events.$inferSelect;
export type NewEvent = typeof events.$inferInsert;

export function listRecentEvents(db: Db, opts: { limit: number; beforeId?: number }): EventRow[] {
  const q = db.select().from(events);
  return (opts.beforeId ? q.where(lt(events.id, opts.beforeId)) : q).orderBy(desc(events.id)).limit(opts.limit).all();
}

export function countEventsByStatus(db: Db): Record<string, number> {
  const rows = db.select({ status: events.status, n: sql<number>`count(*)` }).from(events).groupBy(events.status).all();
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}
