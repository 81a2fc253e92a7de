// The inbound hot path in plain prepared statements, prepared once per connection (db/prepared.ts).
// drizzle's query builder rebuilds and re-prepares each query on every call, which cost more than
// the SQL itself at thousands of events per second. Column names are those of db/schema.ts.
import type { Db } from '../client.ts';
import { preparedStatement } from '../prepared.ts';
import type { EventStatus } from '../schema.ts';
import type { Severity } from '../../server/events/schema.ts';
import type { NewDelivery } from './deliveries.ts';
import type { NewEvent } from './events.ts';

const BY_IDEMPOTENCY_KEY = `SELECT id, status FROM events WHERE idempotency_key = ? AND received_at > ? ORDER BY id LIMIT 1`;

/** Enough for every severity to have a live original, with room for originals that died meanwhile. */
const DEDUPE_CANDIDATES = 8;

// The WHERE repeats events_dedupe_original_idx's so SQLite walks that partial index: originals
// only, never the repeats counted on them.
const DEDUPE_CANDIDATES_SQL = `SELECT id, severity FROM events INDEXED BY events_dedupe_original_idx
  WHERE dedupe_key = ? AND received_at > ? AND duplicate_of IS NULL AND status IN ('queued', 'held', 'sent', 'digested')
  ORDER BY received_at LIMIT ${DEDUPE_CANDIDATES}`;

const INSERT_EVENT = `INSERT INTO events (received_at, source, token_id, kind, category, severity, title, store, occurred_at, payload, idempotency_key, dedupe_key, status, reason, duplicate_of, finished_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const INSERT_DELIVERY = `INSERT INTO deliveries (created_at, kind, category, severity, priority, status, title, msgtype, payload, bytes, queued_at, next_attempt_at, event_id, template)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** The first event with this idempotency key received after `since`. */
export function findIdempotent(db: Db, key: string, since: number): { id: number; status: EventStatus } | undefined {
  return preparedStatement<[string, number], { id: number; status: EventStatus }>(db, BY_IDEMPOTENCY_KEY).get(key, since);
}

/** The oldest live originals (not repeats, not suppressed, not dead) with this dedupe key inside the window. */
export function findDedupeCandidates(db: Db, dedupeKey: string, since: number): Array<{ id: number; severity: Severity }> {
  return preparedStatement<[string, number], { id: number; severity: Severity }>(db, DEDUPE_CANDIDATES_SQL).all(dedupeKey, since);
}

type EventInsert = Required<Pick<NewEvent, 'receivedAt' | 'source' | 'tokenId' | 'kind' | 'category' | 'severity' | 'title' | 'store' | 'occurredAt' | 'payload' | 'idempotencyKey' | 'dedupeKey' | 'status' | 'reason' | 'duplicateOf' | 'finishedAt'>>;

export function insertEventFast(db: Db, e: EventInsert): number {
  const { lastInsertRowid } = preparedStatement(db, INSERT_EVENT).run(
    e.receivedAt,
    e.source,
    e.tokenId,
    e.kind,
    e.category,
    e.severity,
    e.title,
    e.store,
    e.occurredAt,
    e.payload,
    e.idempotencyKey,
    e.dedupeKey,
    e.status,
    e.reason,
    e.duplicateOf,
    e.finishedAt,
  );
  return Number(lastInsertRowid);
}

type DeliveryInsert = Required<Pick<NewDelivery, 'createdAt' | 'kind' | 'category' | 'severity' | 'priority' | 'status' | 'title' | 'msgtype' | 'payload' | 'bytes' | 'queuedAt' | 'nextAttemptAt' | 'eventId' | 'template'>>;

export function insertDeliveryFast(db: Db, d: DeliveryInsert): number {
  const { lastInsertRowid } = preparedStatement(db, INSERT_DELIVERY).run(
    d.createdAt,
    d.kind,
    d.category,
    d.severity,
    d.priority,
    d.status,
    d.title,
    d.msgtype,
    d.payload,
    d.bytes,
    d.queuedAt,
    d.nextAttemptAt,
    d.eventId,
    d.template,
  );
  return Number(lastInsertRowid);
}
