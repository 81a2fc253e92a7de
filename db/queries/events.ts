// The console's lists of events. Every statement the delivery engine runs on `events`, and every
// write, is in server/delivery/store.ts.
import { and, desc, eq, gt, inArray, lt, ne, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { events } from '../schema.ts';

export type EventRow = typeof events.$inferSelect;
export type NewEvent = typeof events.$inferInsert;

/** The outcome to show: a member of a digest not sent yet still waits (as the dashboard counts it). */
export function shownEventStatus(row: Pick<EventRow, 'status' | 'finishedAt'>): string {
  return row.status === 'digested' && row.finishedAt === null ? 'queued' : row.status;
}

/**
 * The newest event of a kind (and category, task status, resolved or not) among the newest `scan`
 * events, left out: samples sent from the console. Bounded, so a kind that never arrives costs
 * `scan` rows, not the whole table.
 */
export function latestRealEvent(
  db: Db,
  filter: { kind: string; category?: string; taskStatuses?: readonly string[]; resolved?: boolean; heartbeat?: boolean },
  scan = 5000,
): Pick<EventRow, 'id' | 'payload' | 'receivedAt'> | undefined {
  const newest = db.select({ id: sql<number>`max(${events.id})` }).from(events).get()?.id;
  if (newest == null) return undefined;
  return db
    .select({ id: events.id, payload: events.payload, receivedAt: events.receivedAt })
    .from(events)
    .where(
      and(
        gt(events.id, newest - scan),
        eq(events.kind, filter.kind),
        ne(events.source, 'console'),
        filter.category !== undefined ? eq(events.category, filter.category) : undefined,
        filter.taskStatuses !== undefined ? inArray(sql`json_extract(${events.payload}, '$.status')`, [...filter.taskStatuses]) : undefined,
        filter.resolved === undefined ? undefined : filter.resolved ? sql`json_extract(${events.payload}, '$.resolved') = 1` : sql`json_extract(${events.payload}, '$.resolved') IS NULL`,
        filter.heartbeat === undefined ? undefined : filter.heartbeat ? eq(events.source, 'heartbeat') : ne(events.source, 'heartbeat'),
      ),
    )
    .orderBy(desc(events.id))
    .limit(1)
    .get();
}

export function listRecentEvents(db: Db, opts: { limit: number; beforeId?: number }): EventRow[] {
  const q = db.select().from(events);
  return (opts.beforeId ? q.where(lt(events.id, opts.beforeId)) : q).orderBy(desc(events.id)).limit(opts.limit).all();
}

export function countEventsByStatus(db: Db): Record<string, number> {
  const rows = db.select({ status: events.status, n: sql<number>`count(*)` }).from(events).groupBy(events.status).all();
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}
