import { and, asc, eq, gt, inArray, lte, max, min, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { insertDelivery, updateDelivery, type DeliveryRow, type NewDelivery } from '../../db/queries/deliveries.ts';
import { getEvent, setEventStatus } from '../../db/queries/events.ts';
import { deliveries, events } from '../../db/schema.ts';
import type { InboundEvent } from '../events/schema.ts';
import { renderEventForDelivery, type RenderSettings } from '../render/eventMessages.ts';
import { noteJson } from '../render/templateChoice.ts';
import { utf8Bytes, type WecomMessage } from '../wecom/messages.ts';
import { interruptedAction } from './policy/recovery.ts';
import { eventSettlement } from './policy/settlement.ts';

/**
 * Rows a crash left in `sending`: queued messages are sent again (at-least-once: duplicates only
 * across a crash); a connect or test send fails (policy/recovery). Returns the calls cut off.
 */
export function recoverInterrupted(db: Db, now: number): number {
  const rows = db.select({ id: deliveries.id, kind: deliveries.kind }).from(deliveries).where(eq(deliveries.status, 'sending')).all();
  for (const row of rows) {
    if (interruptedAction(row.kind) === 'requeue') updateDelivery(db, row.id, { status: 'queued', nextAttemptAt: now });
    else updateDelivery(db, row.id, { status: 'failed', failure: 'interrupted', errmsg: 'interrupted by a restart' });
  }
  return rows.length;
}

/** When the last 45009 inside the window was answered, if any. */
export function recentRateLimitedAt(db: Db, since: number): number | undefined {
  return (
    db
      .select({ at: max(deliveries.lastAttemptAt) })
      .from(deliveries)
      .where(and(gt(deliveries.lastAttemptAt, since), eq(deliveries.failure, 'rate_limited')))
      .get()?.at ?? undefined
  );
}

/** The statuses of a re-split message's parts. */
export function partStatuses(db: Db, splitFrom: number): string[] {
  return db.select({ status: deliveries.status }).from(deliveries).where(eq(deliveries.splitFrom, splitFrom)).all().map((r) => r.status);
}

/** After the wall clock stepped back: queued messages due later move by the step. Returns how many. */
export function shiftQueuedAttempts(db: Db, byMs: number, now: number): number {
  return db
    .update(deliveries)
    .set({ nextAttemptAt: sql`${deliveries.nextAttemptAt} + ${byMs}` })
    .where(and(eq(deliveries.status, 'queued'), gt(deliveries.nextAttemptAt, now)))
    .run().changes;
}

/**
 * Times of every call made to WeCom in the last window, so a restart does not forget its rate use.
 * A row keeps only its last attempt's time, and its earlier attempts may be inside the window too:
 * each counts at the last one, so a restart may wait up to a window longer than needed but never
 * sends over the limit.
 */
export function recentAttemptTimes(db: Db, since: number): number[] {
  return db
    .select({ at: deliveries.lastAttemptAt, attempts: deliveries.attempts })
    .from(deliveries)
    .where(gt(deliveries.lastAttemptAt, since))
    .all()
    .flatMap((r) => Array<number>(Math.max(1, r.attempts)).fill(r.at!));
}

/** Critical first, then FIFO. */
export function nextDue(db: Db, now: number): DeliveryRow | undefined {
  return db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.status, 'queued'), lte(deliveries.nextAttemptAt, now)))
    .orderBy(asc(deliveries.priority), asc(deliveries.id))
    .limit(1)
    .get();
}

export function earliestPending(db: Db): number | undefined {
  return db.select({ at: min(deliveries.nextAttemptAt) }).from(deliveries).where(eq(deliveries.status, 'queued')).get()?.at ?? undefined;
}

export function queueDepth(db: Db): number {
  return db
    .select({ n: sql<number>`count(*)` })
    .from(deliveries)
    .where(inArray(deliveries.status, ['queued', 'sending']))
    .get()!.n;
}

export function markSending(db: Db, id: number, now: number): void {
  db.update(deliveries)
    .set({ status: 'sending', attempts: sql`${deliveries.attempts} + 1`, lastAttemptAt: now })
    .where(eq(deliveries.id, id))
    .run();
}

/** Re-derives an event's status from its deliveries once none is pending (policy/settlement). */
export function settleEvent(db: Db, eventId: number, now: number): void {
  const rows = db.select({ status: deliveries.status }).from(deliveries).where(eq(deliveries.eventId, eventId)).all();
  const status = eventSettlement(rows.map((r) => r.status));
  if (status === undefined || status === 'pending') return;
  db.update(events)
    .set({ status, finishedAt: now })
    .where(and(eq(events.id, eventId), ne(events.status, 'digested')))
    .run();
}

/** A digest carries its events: when it is sent or dies, they are digested or dead with it. */
export function settleDigest(db: Db, digestId: number, outcome: 'sent' | 'dead', now: number): void {
  db.update(events)
    .set({ status: outcome === 'sent' ? 'digested' : 'dead', finishedAt: now })
    .where(eq(events.digestDeliveryId, digestId))
    .run();
}

/**
 * A repeat inside the dedupe window is counted on the first message: while that message still waits
 * in the queue, it is re-rendered with the count ("×3").
 */
export function refreshDedupedDelivery(db: Db, eventId: number, repeatCount: number, s: RenderSettings): void {
  const first = db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.eventId, eventId), eq(deliveries.status, 'queued')))
    .orderBy(asc(deliveries.id))
    .limit(1)
    .get();
  const event = getEvent(db, eventId);
  if (!first || !event) return;
  const rendered = renderEventForDelivery(JSON.parse(event.payload) as InboundEvent, s, { receivedAt: event.receivedAt, repeatCount, eventId: event.id });
  const [message] = rendered.messages;
  if (!message || message.msgtype !== first.msgtype) return;
  const payload = JSON.stringify(message);
  db.update(deliveries).set({ payload, bytes: utf8Bytes(payload), template: noteJson(rendered.template) }).where(eq(deliveries.id, first.id)).run();
}

export function enqueueMessage(db: Db, row: Omit<NewDelivery, 'payload' | 'bytes' | 'msgtype' | 'status'>, message: WecomMessage): number {
  const payload = JSON.stringify(message);
  return insertDelivery(db, { ...row, status: 'queued', msgtype: message.msgtype, payload, bytes: utf8Bytes(payload) });
}

/** What the messages of one source (an event, a re-split message) share. */
export type MessageSource = Pick<NewDelivery, 'kind' | 'category' | 'severity' | 'priority' | 'eventId' | 'splitFrom' | 'template'>;

/** Queues a source's messages to go out now, each titled by `title(i, n)` for the send log. */
export function enqueueMessages(db: Db, source: MessageSource, messages: readonly WecomMessage[], title: (i: number, n: number) => string, now: number): number[] {
  return messages.map((message, i) =>
    enqueueMessage(db, { ...source, createdAt: now, title: title(i, messages.length), queuedAt: now, nextAttemptAt: now }, message),
  );
}

/** A dead (or failed) message queued again by hand; its event is pending again too. */
export function retryDelivery(db: Db, id: number, now: number): boolean {
  return db.transaction(() => {
    const row = db.select().from(deliveries).where(eq(deliveries.id, id)).get();
    if (!row || row.status !== 'dead') return false;
    db.update(deliveries).set({ status: 'queued', queuedAt: now, nextAttemptAt: now }).where(eq(deliveries.id, id)).run();
    if (row.eventId !== null) setEventStatus(db, [row.eventId], { status: 'queued', finishedAt: null });
    db.update(events).set({ status: 'digested', finishedAt: null }).where(eq(events.digestDeliveryId, id)).run();
    return true;
  });
}
