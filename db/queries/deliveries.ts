// The console's lists of messages. Every statement the delivery engine runs on `deliveries`, and
// every write, is in server/delivery/store.ts.
import { and, desc, eq, gte, lt, lte, type SQL } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { deliveries, type DeliveryStatus } from '../schema.ts';

export type DeliveryRow = typeof deliveries.$inferSelect;
export type NewDelivery = typeof deliveries.$inferInsert;

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
