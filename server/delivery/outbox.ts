// Messages into the outbox: each is a `deliveries` row (store.ts) queued for the one worker that
// sends them, holding the exact payload, or for an event's message the decisions its rendering
// takes when it is sent (renderAtSend.ts).
import type { Db } from '../../db/client.ts';
import type { NewDelivery } from '../../db/queries/deliveries.ts';
import type { MentionRequest } from '../rules/mentions.ts';
import { utf8Bytes, type WecomMessage } from '../wecom/messages.ts';
import { interruptedAction } from './policy/recovery.ts';
import type { Priority } from './policy/priority.ts';
import { insertDelivery, listSending, requeueInterrupted, updateDelivery } from './store.ts';

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

export function enqueueMessage(db: Db, row: Omit<NewDelivery, 'payload' | 'bytes' | 'msgtype' | 'status'>, message: WecomMessage): number {
  const payload = JSON.stringify(message);
  return insertDelivery(db, { ...row, status: 'queued', msgtype: message.msgtype, payload, bytes: utf8Bytes(payload) });
}

/** What the messages of one source (an event, a re-split message) share. */
export type MessageSource = Pick<NewDelivery, 'kind' | 'category' | 'severity' | 'priority' | 'eventId' | 'setId' | 'splitFrom' | 'template'>;

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
      setId: source.setId,
      splitFrom: source.splitFrom,
      template: source.template,
    });
  });
}

/** What an event's queued row holds in place of a message until it is rendered (renderAtSend.ts). */
export const UNRENDERED = { msgtype: '', payload: '', bytes: 0 } as const;

export function isUnrendered(row: { payload: string }): boolean {
  return row.payload === UNRENDERED.payload;
}

/** What an event's message keeps until it is rendered at its send. */
export interface EventMessage {
  kind: string;
  category: string;
  severity: string;
  priority: Priority;
  eventId: number;
  /** The event's title (its message's, until rendering splits it into titled parts). */
  title: string;
  /** Whom the message mentions, decided at intake. */
  mention: MentionRequest;
}

/** Queues an event's message unrendered (renderAtSend.ts): one row, whatever it becomes when sent. */
export function enqueueEventMessage(db: Db, m: EventMessage, now: number): number {
  return insertDelivery(db, {
    createdAt: now,
    kind: m.kind,
    category: m.category,
    severity: m.severity,
    priority: m.priority,
    status: 'queued',
    title: m.title,
    msgtype: UNRENDERED.msgtype,
    payload: UNRENDERED.payload,
    bytes: UNRENDERED.bytes,
    queuedAt: now,
    nextAttemptAt: now,
    eventId: m.eventId,
    // Stored even when it is 'none': a row without it was queued rendered, by an older version.
    mentions: JSON.stringify(m.mention),
  });
}
