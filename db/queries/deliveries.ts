// The console's lists of messages. Every statement the delivery engine runs on `deliveries`, and
// every write, is in server/delivery/store.ts.
import { and, desc, eq, gte, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { deliveries, events, type DeliveryStatus } from '../schema.ts';

export type DeliveryRow = typeof deliveries.$inferSelect;
export type NewDelivery = typeof deliveries.$inferInsert;

export interface DeliveryFilter {
  status?: DeliveryStatus;
  kind?: string;
  category?: string;
  from?: number;
  to?: number;
  /** The event's messages: its own, and the digest that carried it (messagesOfEvent). */
  eventId?: number;
}

/**
 * The messages of an event: its own (parts and re-split parts included), and the digest that
 * carried it with that digest's re-split parts (`digestId`: the event's, read from it when not given).
 */
export function messagesOfEvent(eventId: number, digestId: number | null | SQL = sql`(SELECT ${events.digestDeliveryId} FROM ${events} WHERE ${events.id} = ${eventId})`): SQL {
  const own = eq(deliveries.eventId, eventId);
  return digestId === null ? own : or(own, eq(deliveries.id, digestId), eq(deliveries.splitFrom, digestId))!;
}

/** Newest first; `beforeId` is the keyset cursor so page 1,000 costs what page 1 does. */
export function listDeliveries(db: Db, filter: DeliveryFilter, page: { beforeId?: number; limit: number }): DeliveryRow[] {
  const where: SQL[] = [];
  if (filter.status) where.push(eq(deliveries.status, filter.status));
  if (filter.kind) where.push(eq(deliveries.kind, filter.kind));
  if (filter.category) where.push(eq(deliveries.category, filter.category));
  if (filter.from !== undefined) where.push(gte(deliveries.createdAt, filter.from));
  if (filter.to !== undefined) where.push(lte(deliveries.createdAt, filter.to));
  if (filter.eventId !== undefined) where.push(messagesOfEvent(filter.eventId));
  if (page.beforeId !== undefined) where.push(lt(deliveries.id, page.beforeId));
  return db
    .select()
    .from(deliveries)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(deliveries.id))
    .limit(page.limit)
    .all();
}
