// The answer of GET /api/v1/events/{id}: where an event stands, and what happened to each message it
// became. Pure: the route reads the rows, this decides what the sender sees.
import * as v from 'valibot';
import type { DeliveryRow } from '../../db/queries/deliveries.ts';
import type { EventRow } from '../../db/queries/events.ts';
import { DELIVERY_STATUSES, EVENT_STATUSES } from '../../db/schema.ts';

/** The largest id `{id}` takes (15 digits, well inside a double's exact integers): the route and the OpenAPI document both say it. */
export const MAX_EVENT_ID = 999_999_999_999_999;

const isoTime = v.pipe(v.string(), v.isoTimestamp());
const nullable = <T extends v.GenericSchema>(schema: T) => v.nullable(schema);

export const eventMessageAnswer = v.strictObject({
  id: v.number(),
  /** `message`: one of the event's own messages (or a part of one); `digest`: the digest that carried it, or a part of it (re-split after WeCom refused it as too long). */
  role: v.picklist(['message', 'digest']),
  status: v.picklist(DELIVERY_STATUSES),
  msgtype: v.string(),
  title: v.string(),
  attempts: v.number(),
  created_at: isoTime,
  sent_at: nullable(isoTime),
  errcode: nullable(v.number()),
  errmsg: nullable(v.string()),
  failure: nullable(v.string()),
  merged_into: nullable(v.number()),
});

export const eventStatusAnswer = v.strictObject({
  id: v.number(),
  status: v.picklist(EVENT_STATUSES),
  /** True once the status will not change on its own: sent, digested (its digest sent), suppressed, dead, stored. */
  final: v.boolean(),
  reason: nullable(v.string()),
  duplicate_of: nullable(v.number()),
  repeat_count: v.number(),
  kind: v.string(),
  category: v.string(),
  severity: v.string(),
  title: v.string(),
  store: nullable(v.string()),
  source: v.string(),
  received_at: isoTime,
  finished_at: nullable(isoTime),
  messages: v.array(eventMessageAnswer),
});

export type EventStatusAnswer = v.InferOutput<typeof eventStatusAnswer>;
type EventMessageAnswer = v.InferOutput<typeof eventMessageAnswer>;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Whether the event's status is its outcome; a digested event only once its digest is sent (or dead). */
export function isFinal(event: Pick<EventRow, 'status' | 'finishedAt'>): boolean {
  switch (event.status) {
    case 'queued':
    case 'held':
      return false;
    case 'digested':
      return event.finishedAt !== null;
    default:
      return true;
  }
}

function messageAnswer(row: DeliveryRow, event: EventRow): EventMessageAnswer {
  return {
    id: row.id,
    role: row.eventId === event.id ? 'message' : 'digest',
    status: row.status,
    msgtype: row.msgtype,
    title: row.title,
    attempts: row.attempts,
    created_at: iso(row.createdAt)!,
    sent_at: iso(row.sentAt),
    errcode: row.errcode,
    errmsg: row.errmsg,
    failure: row.failure,
    merged_into: row.mergedInto,
  };
}

export function toEventStatus(event: EventRow, messages: DeliveryRow[]): EventStatusAnswer {
  return {
    id: event.id,
    status: event.status,
    final: isFinal(event),
    reason: event.reason,
    duplicate_of: event.duplicateOf,
    repeat_count: event.repeatCount,
    kind: event.kind,
    category: event.category,
    severity: event.severity,
    title: event.title,
    store: event.store,
    source: event.source,
    received_at: iso(event.receivedAt)!,
    finished_at: iso(event.finishedAt),
    messages: messages.map((row) => messageAnswer(row, event)),
  };
}
