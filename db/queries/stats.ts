import { and, count, eq, gte } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { deliveries, type DeliveryStatus } from '../schema.ts';

export function countDeliveriesSince(db: Db, status: DeliveryStatus, since: number): number {
  return db
    .select({ n: count() })
    .from(deliveries)
    .where(and(eq(deliveries.status, status), gte(deliveries.createdAt, since)))
    .get()!.n;
}
