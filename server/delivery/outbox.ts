// Messages into the outbox: each is a `deliveries` row (store.ts) holding the exact payload, queued
// for the one worker that sends them.
import type { Db } from '../../db/client.ts';
import type { NewDelivery } from '../../db/queries/deliveries.ts';
import type { InboundEvent } from '../events/schema.ts';
import { renderEventForDelivery, type RenderSettings } from '../render/eventMessages.ts';
import { noteJson } from '../render/messageTemplateChoice.ts';
import { utf8Bytes, type WecomMessage } from '../wecom/messages.ts';
import { mentionRequest } from '../rules/mentions.ts';
import { interruptedAction } from './policy/recovery.ts';
import { firstQueuedMessageOf, getEvent, insertDelivery, listSending, requeueInterrupted, updateDelivery } from './store.ts';

/**
 * Rows a crash left in `sending`: queued messages are sent again (at-least-once: duplicates only
 * across a crash); a connect or test send fails (policy/recovery). Returns the calls cut off.
 */
export function recoverInterrupted(db: Db, now: number): number {
  const rows = listSending(db);
  for (const row of rows) {
    if (interruptedAction(row.kind) === 'requeue') requeueInterrupted(db, row.id, now);
    else updateDelivery(db, row.id, { status: 'failed', failure: 'interrupted', errmsg: 'interrupted by a restart' });
  }
  return rows.length;
}

/**
 * A repeat inside the dedupe window is counted on the first message: while that message still waits
 * in the queue, it is re-rendered with the count ("×3").
 */
export function refreshDedupedDelivery(db: Db, eventId: number, repeatCount: number, s: RenderSettings): void {
  const first = firstQueuedMessageOf(db, eventId);
  const event = first && getEvent(db, eventId);
  if (!first || !event) return;
  const e = JSON.parse(event.payload) as InboundEvent;
  const rendered = renderEventForDelivery(e, s, { receivedAt: event.receivedAt, repeatCount, eventId: event.id, mention: mentionRequest(e, s.rules) });
  const [message] = rendered.messages;
  if (!message || message.msgtype !== first.msgtype) return;
  const payload = JSON.stringify(message);
  updateDelivery(db, first.id, { payload, bytes: utf8Bytes(payload), template: noteJson(rendered.template) });
}

export function enqueueMessage(db: Db, row: Omit<NewDelivery, 'payload' | 'bytes' | 'msgtype' | 'status'>, message: WecomMessage): number {
  const payload = JSON.stringify(message);
  return insertDelivery(db, { ...row, status: 'queued', msgtype: message.msgtype, payload, bytes: utf8Bytes(payload) });
}

/** What the messages of one source (an event, a re-split message) share. */
export type MessageSource = Pick<NewDelivery, 'kind' | 'category' | 'severity' | 'priority' | 'eventId' | 'splitFrom' | 'template'>;

/** Queues a source's messages to go out now, each titled by `title(i, n)` for the send log (policy/partTitle). */
export function enqueueMessages(db: Db, source: MessageSource, messages: readonly WecomMessage[], title: (i: number, n: number) => string, now: number): number[] {
  // One literal of one shape per row (no spreads): this is every queued event's path, and copying
  // the source twice per row cost as much as the INSERT.
  return messages.map((message, i) => {
    const payload = JSON.stringify(message);
    return insertDelivery(db, {
      createdAt: now,
      kind: source.kind,
      category: source.category,
      severity: source.severity,
      priority: source.priority,
      status: 'queued',
      title: title(i, messages.length),
      msgtype: message.msgtype,
      payload,
      bytes: utf8Bytes(payload),
      queuedAt: now,
      nextAttemptAt: now,
      eventId: source.eventId,
      splitFrom: source.splitFrom,
      template: source.template,
    });
  });
}
