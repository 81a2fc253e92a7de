import { and, desc, eq, gte, lt, lte, type SQL } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { preparedStatement } from '../prepared.ts';
import { deliveries, type DeliveryStatus } from '../schema.ts';

export type DeliveryRow = typeof deliveries.$inferSelect;
export type NewDelivery = typeof deliveries.$inferInsert;

export function insertDelivery(db: Db, row: NewDelivery): number {
  return db.insert(deliveries).values(row).returning({ id: deliveries.id }).get().id;
}

export function getDelivery(db: Db, id: number): DeliveryRow | undefined {
  return db.select().from(deliveries).where(eq(deliveries.id, id)).get();
}

export function updateDelivery(db: Db, id: number, set: Partial<NewDelivery>): void {
  db.update(deliveries).set(set).where(eq(deliveries.id, id)).run();
}

export interface DeliveryFilter {
  status?: DeliveryStatus;
  kind?: string;
  category?: string;
  from?: number;
  to?: number;
  eventId?: number;
}

/** Newest first; `beforeId` is the keyset cursor so page 1,000 costs what page 1 does. */
export function listDeliveries(db: Db, filter: DeliveryFilter, page: { beforeId?: number; limit: number }): DeliveryRow[] {
  const where: SQL[] = [];
  if (filter.status) where.push(eq(deliveries.status, filter.status));
  if (filter.kind) where.push(eq(deliveries.kind, filter.kind));
  if (filter.category) where.push(eq(deliveries.category, filter.category));
  if (filter.from !== undefined) where.push(gte(deliveries.createdAt, filter.from));
  if (filter.to !== undefined) where.push(lte(deliveries.createdAt, filter.to));
  if (filter.eventId !== undefined) where.push(eq(deliveries.eventId, filter.eventId));
  if (page.beforeId !== undefined) where.push(lt(deliveries.id, page.beforeId));
  return db
    .select()
    .from(deliveries)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(deliveries.id))
    .limit(page.limit)
    .all();
}

/** A queued foldable message with what a digest line needs from its event. */
export interface QueuedFoldableRow {
  deliveryId: number;
  eventId: number;
  category: string;
  title: string;
  severity: string;
  store: string | null;
  at: number;
  payload: string;
}

/**
 * The oldest queued messages of the given kinds (at most `limit` rows), critical or not. Critical
 * ones are queued at priority 0, the others at 1, so this walks the queue index in order: no sort
 * of the whole backlog. An event some of whose messages are sent, in flight or re-split is not
 * foldable: the rest of it goes out as it is, or the group would read half a message.
 */
export function listQueuedFoldable(db: Db, kinds: readonly string[], critical: boolean, limit: number): QueuedFoldableRow[] {
  return preparedStatement(
    db,
    `SELECT d.id AS deliveryId, e.id AS eventId, e.category, e.title, e.severity, e.store, e.received_at AS at, e.payload
     FROM deliveries d JOIN events e ON e.id = d.event_id
     WHERE d.status = 'queued' AND d.priority = ? AND d.kind IN (${kinds.map(() => '?').join(', ')}) AND (d.severity = 'critical') = ?
       AND NOT EXISTS (SELECT 1 FROM deliveries o WHERE o.event_id = d.event_id AND o.status <> 'queued')
     ORDER BY d.priority, d.id LIMIT ?`,
  ).all(critical ? 0 : 1, ...kinds, critical ? 1 : 0, limit) as QueuedFoldableRow[];
}

/**
 * Events with queued messages (only critical, only not, or all; a message without an event counts
 * as one), counting at most `limit`: never the whole queue.
 */
export function countQueuedEventsUpTo(db: Db, limit: number, critical?: boolean): number {
  const severity = critical === undefined ? '' : critical ? ` AND severity = 'critical'` : ` AND severity <> 'critical'`;
  const row = preparedStatement(
    db,
    `SELECT count(*) AS n FROM (SELECT DISTINCT coalesce(event_id, -id) FROM deliveries WHERE status = 'queued'${severity} LIMIT ?)`,
  ).get(limit) as { n: number };
  return row.n;
}
