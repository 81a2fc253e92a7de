import { and, desc, eq, gt, inArray, lt, ne, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { events, type EventStatus } from '../schema.ts';

export type EventRow = typeof events.$inferSelect;
export type NewEvent = typeof events.$inferInsert;

export function insertEvent(db: Db, row: NewEvent): number {
  return db.insert(events).values(row).returning({ id: events.id }).get().id;
}

export function getEvent(db: Db, id: number): EventRow | undefined {
  return db.select().from(events).where(eq(events.id, id)).get();
}

export function findByIdempotencyKey(db: Db, key: string, since: number): EventRow | undefined {
  return db
    .select()
    .from(events)
    .where(and(eq(events.idempotencyKey, key), gt(events.receivedAt, since)))
    .orderBy(events.id)
    .limit(1)
    .get();
}

export function bumpRepeatCount(db: Db, id: number): number {
  return db
    .update(events)
    .set({ repeatCount: sql`${events.repeatCount} + 1` })
    .where(eq(events.id, id))
    .returning({ n: events.repeatCount })
    .get()!.n;
}

export function setEventStatus(db: Db, ids: number[], set: { status: EventStatus; finishedAt?: number | null; digestDeliveryId?: number; reason?: string }): void {
  if (!ids.length) return;
  for (let i = 0; i < ids.length; i += 500) {
    db.update(events).set(set).where(inArray(events.id, ids.slice(i, i + 500))).run();
  }
}

/** The oldest held events, at most `limit`. */
export function listHeldEvents(db: Db, limit: number): EventRow[] {
  return db.select().from(events).where(eq(events.status, 'held')).orderBy(events.id).limit(limit).all();
}

export function hasHeldEvents(db: Db): boolean {
  return db.select({ id: events.id }).from(events).where(eq(events.status, 'held')).limit(1).get() !== undefined;
}

export function hasOtherHeldEvent(db: Db, category: string, exceptId: number): boolean {
  return (
    db
      .select({ id: events.id })
      .from(events)
      .where(and(eq(events.status, 'held'), eq(events.category, category), ne(events.id, exceptId)))
      .limit(1)
      .get() !== undefined
  );
}

/**
 * The newest event of a kind (and category, task status, resolved or not) among the newest `scan`
 * events, left out: samples sent from the console. Bounded, so a kind that never arrives costs
 * `scan` rows, not the whole table.
 */
export function latestRealEvent(
  db: Db,
  filter: { kind: string; category?: string; taskStatuses?: readonly string[]; resolved?: boolean },
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
