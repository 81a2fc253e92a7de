import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { deliveries, events } from '../schema.ts';
import { messagesOfEvent, type DeliveryRow } from './deliveries.ts';
import type { EventRow } from './events.ts';

/** The event, only when the given token sent it: a token never learns of another sender's events. */
export function getEventOfToken(db: Db, id: number, tokenId: number): EventRow | undefined {
  return db.select().from(events).where(and(eq(events.id, id), eq(events.tokenId, tokenId))).get();
}

/** The event's own messages (parts and re-split parts included) and the digest that carried it (and its parts), oldest first. */
export function listEventMessages(db: Db, event: Pick<EventRow, 'id' | 'digestDeliveryId'>): DeliveryRow[] {
  return db.select().from(deliveries).where(messagesOfEvent(event.id, event.digestDeliveryId)).orderBy(asc(deliveries.id)).all();
}
