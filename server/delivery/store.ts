// Every statement the engine runs on `events` and `deliveries`, and the only code that writes them.
// Plain SQL prepared once per connection (db/prepared.ts): drizzle's builder rebuilds and
// re-prepares a query on every call, which cost more than the SQL itself on the hot paths (intake,
// folds, sends). Column names are those of db/schema.ts; rows come back in its camelCase shape.
import type { Db } from '../../db/client.ts';
import { preparedStatement } from '../../db/prepared.ts';
import type { DeliveryRow, NewDelivery } from '../../db/queries/deliveries.ts';
import type { EventRow, NewEvent } from '../../db/queries/events.ts';
import type { DeliveryStatus, EventStatus } from '../../db/schema.ts';
import type { EventKind, Severity, TaskStatus } from '../events/schema.ts';
import type { DedupeCandidate } from './policy/dedupe.ts';
import { digestTitleEnd, type DigestReason } from './policy/fold.ts';
import { PRIORITY, type Priority } from './policy/priority.ts';
import type { PruneCandidate, PruneTable } from './policy/retention.ts';

const DELIVERY_COLUMNS = `id, created_at AS createdAt, kind, category, severity, priority, status, title, msgtype, payload, bytes,
  attempts, queued_at AS queuedAt, next_attempt_at AS nextAttemptAt, last_attempt_at AS lastAttemptAt, sent_at AS sentAt,
  errcode, errmsg, failure, rate_limited_at AS rateLimitedAt, http_status AS httpStatus, latency_ms AS latencyMs, event_id AS eventId, split_from AS splitFrom,
  merged_into AS mergedInto, mentions, template, digest_state AS digestState, set_id AS setId`;

const EVENT_COLUMNS = `id, received_at AS receivedAt, source, token_id AS tokenId, kind, category, severity, title, store,
  occurred_at AS occurredAt, payload, idempotency_key AS idempotencyKey, dedupe_key AS dedupeKey, status, reason,
  duplicate_of AS duplicateOf, repeat_count AS repeatCount, digest_delivery_id AS digestDeliveryId, finished_at AS finishedAt`;

/** camelCase field → column, for the inserts and updates below. */
const DELIVERY_FIELDS: Record<keyof NewDelivery, string> = {
  id: 'id',
  createdAt: 'created_at',
  kind: 'kind',
  category: 'category',
  severity: 'severity',
  priority: 'priority',
  status: 'status',
  title: 'title',
  msgtype: 'msgtype',
  payload: 'payload',
  bytes: 'bytes',
  attempts: 'attempts',
  queuedAt: 'queued_at',
  nextAttemptAt: 'next_attempt_at',
  lastAttemptAt: 'last_attempt_at',
  sentAt: 'sent_at',
  errcode: 'errcode',
  errmsg: 'errmsg',
  failure: 'failure',
  rateLimitedAt: 'rate_limited_at',
  httpStatus: 'http_status',
  latencyMs: 'latency_ms',
  eventId: 'event_id',
  splitFrom: 'split_from',
  mergedInto: 'merged_into',
  mentions: 'mentions',
  template: 'template',
  digestState: 'digest_state',
  setId: 'set_id',
};

const EVENT_FIELDS: Record<keyof NewEvent, string> = {
  id: 'id',
  receivedAt: 'received_at',
  source: 'source',
  tokenId: 'token_id',
  kind: 'kind',
  category: 'category',
  severity: 'severity',
  title: 'title',
  store: 'store',
  occurredAt: 'occurred_at',
  payload: 'payload',
  idempotencyKey: 'idempotency_key',
  dedupeKey: 'dedupe_key',
  status: 'status',
  reason: 'reason',
  duplicateOf: 'duplicate_of',
  repeatCount: 'repeat_count',
  digestDeliveryId: 'digest_delivery_id',
  finishedAt: 'finished_at',
};

/** The fields given (undefined ones left out), with their columns: one statement per shape of update. */
function definedEntries<T extends object>(row: T, fields: Record<keyof T, string>): { columns: string[]; values: unknown[] } {
  // Insertion order: each call site writes one shape of row, so it prepares one statement.
  const keys = (Object.keys(row) as Array<keyof T>).filter((k) => row[k] !== undefined && k in fields);
  return { columns: keys.map((k) => fields[k]), values: keys.map((k) => row[k]) };
}

// The inserts name every column, with the schema's defaults, so each is one statement prepared once:
// building the SQL from the fields given cost as much again per row on the intake's hot path.
const INSERT_EVENT = `INSERT INTO events (received_at, source, token_id, kind, category, severity, title, store, occurred_at, payload,
  idempotency_key, dedupe_key, status, reason, duplicate_of, repeat_count, digest_delivery_id, finished_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const INSERT_DELIVERY = `INSERT INTO deliveries (created_at, kind, category, severity, priority, status, title, msgtype, payload, bytes,
  attempts, queued_at, next_attempt_at, last_attempt_at, sent_at, errcode, errmsg, failure, http_status, latency_ms, event_id,
  split_from, merged_into, mentions, template, digest_state, set_id)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

function updateRows<T extends object>(db: Db, table: string, fields: Record<keyof T, string>, set: Partial<T>, where: string, params: unknown[]): number {
  const { columns, values } = definedEntries(set, fields as Record<keyof Partial<T>, string>);
  if (!columns.length) return 0;
  const sql = `UPDATE ${table} SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE ${where}`;
  return preparedStatement(db, sql).run(...values, ...params).changes;
}

// ---- events ----------------------------------------------------------------------------------------

/**
 * The first event with this idempotency key from this sender (its token; null: events raised inside
 * the appliance or sent from the console) received after `since`. A key is the sender's own: another
 * token's event is neither answered nor readable by it. events_idempotency_idx finds the key's few
 * events in the window; the token is compared on those rows, so no index of its own is needed.
 */
export function findIdempotent(db: Db, key: string, tokenId: number | null, since: number): { id: number; status: EventStatus } | undefined {
  return preparedStatement<[string, number | null, number], { id: number; status: EventStatus }>(
    db,
    `SELECT id, status FROM events WHERE idempotency_key = ? AND token_id IS ? AND received_at > ? ORDER BY id LIMIT 1`,
  ).get(key, tokenId, since);
}

/** A few, so that the lookup stays one short walk however many originals the window holds. */
const DEDUPE_CANDIDATES = 8;

/**
 * The oldest live originals (not repeats, not suppressed, not dead) with this dedupe key, received
 * in (since, until], of the given severities: each one could be the original, so the first few
 * found are enough however many originals of lower severities the window holds (after the window
 * was widened, or dedupe turned on). The WHERE implies events_dedupe_original_idx's so SQLite walks
 * that partial index: originals only, never the repeats counted on them; the status and severity,
 * which the index leaves out so that status changes do not rewrite it, pass over the few others.
 */
export function findDedupeCandidates(db: Db, lookup: { key: string; since: number; until: number; severities: readonly Severity[] }): DedupeCandidate[] {
  return preparedStatement<unknown[], { id: number; severity: Severity }>(db, DEDUPE_CANDIDATES_SQL[lookup.severities.length - 1]!).all(
    lookup.key,
    lookup.since,
    lookup.until,
    ...lookup.severities,
  );
}

/** The lookup's text for 1, 2 or 3 severities, built once: a text built per call is hashed per call. */
const DEDUPE_CANDIDATES_SQL = [1, 2, 3].map(
  (n) => `SELECT id, severity FROM events INDEXED BY events_dedupe_original_idx
     WHERE dedupe_key = ? AND received_at > ? AND received_at <= ? AND duplicate_of IS NULL AND status IN ('queued', 'held', 'sent', 'digested')
       AND severity IN (${Array.from({ length: n }, () => '?').join(', ')})
     ORDER BY received_at LIMIT ${DEDUPE_CANDIDATES}`,
);

export function insertEvent(db: Db, e: NewEvent): number {
  const { lastInsertRowid } = preparedStatement(db, INSERT_EVENT).run(
    e.receivedAt,
    e.source,
    e.tokenId ?? null,
    e.kind,
    e.category,
    e.severity,
    e.title,
    e.store ?? null,
    e.occurredAt ?? null,
    e.payload,
    e.idempotencyKey ?? null,
    e.dedupeKey ?? null,
    e.status,
    e.reason ?? null,
    e.duplicateOf ?? null,
    e.repeatCount ?? 1,
    e.digestDeliveryId ?? null,
    e.finishedAt ?? null,
  );
  return Number(lastInsertRowid);
}

export function getEvent(db: Db, id: number): EventRow | undefined {
  return preparedStatement<[number], EventRow>(db, `SELECT ${EVENT_COLUMNS} FROM events WHERE id = ?`).get(id);
}

/** Counts one more arrival on an original (its message, rendered when sent, shows the count). */
export function bumpRepeatCount(db: Db, id: number): void {
  preparedStatement(db, `UPDATE events SET repeat_count = repeat_count + 1 WHERE id = ?`).run(id);
}

export function setEventStatus(db: Db, ids: readonly number[], set: { status: EventStatus; finishedAt?: number | null; digestDeliveryId?: number; reason?: string }): void {
  for (const id of ids) updateRows(db, 'events', EVENT_FIELDS, set, 'id = ?', [id]);
}

/** The oldest held events, at most `limit`. */
export function listHeldEvents(db: Db, limit: number): EventRow[] {
  return preparedStatement<[number], EventRow>(db, `SELECT ${EVENT_COLUMNS} FROM events WHERE status = 'held' ORDER BY id LIMIT ?`).all(limit);
}

export function hasHeldEvents(db: Db): boolean {
  return preparedStatement(db, `SELECT 1 FROM events WHERE status = 'held' LIMIT 1`).get() !== undefined;
}

export function hasOtherHeldEvent(db: Db, category: string, exceptId: number): boolean {
  return preparedStatement(db, `SELECT 1 FROM events WHERE status = 'held' AND category = ? AND id <> ? LIMIT 1`).get(category, exceptId) !== undefined;
}

/** An event's status from its own messages, unless a digest carries it (the digest settles it). */
export function finishEvent(db: Db, id: number, status: EventStatus, now: number): void {
  preparedStatement(db, `UPDATE events SET status = ?, finished_at = ? WHERE id = ? AND status <> 'digested'`).run(status, now, id);
}

/** A final digest's members being settled: those with ids up to `afterId` are. */
export interface DigestSettlement {
  digestId: number;
  /** What the members become: digested with their sent digest, dead with it, or reopened (digested, not finished) when it is retried by hand. */
  status: 'digested' | 'dead' | 'reopened';
  /** The members' finished_at: when the digest was answered (unused when reopened). */
  at: number;
  afterId: number;
}

/**
 * Members a final digest settles (or a retried one reopens) per transaction, so a digest of any size
 * keeps to the event loop's 50 ms slices. Measured on a digest of 100,000: a chunk of sent members
 * (finished_at only) 5 ms, of dead ones (the status too) 12 ms, up to 24 and 30 ms when the commit
 * checkpoints the WAL; at 5,000 the dead ones reached 44 ms. Almost every digest is settled whole with its send.
 */
export const SETTLE_CHUNK = 2_500;

/**
 * Settles the next `limit` members (by id) of a final digest: digested with it when it was sent,
 * dead when it died. The fold made them `digested` already, so a sent digest writes only their
 * finished_at: an UPDATE that sets the status, even to the same value, rewrites every member's
 * entries in both status indexes. Answers how many it settled and the last one's id.
 */
export function finishDigestEvents(db: Db, s: DigestSettlement, limit: number): { settled: number; lastId: number } {
  const [settled, lastId] = preparedStatement<[number, number, number], [number, number | null]>(
    db,
    `SELECT count(*), max(id) FROM (SELECT id FROM events WHERE digest_delivery_id = ? AND id > ? ORDER BY id LIMIT ?)`,
    'raw',
  ).get(s.digestId, s.afterId, limit)!;
  if (!settled || lastId === null) return { settled: 0, lastId: s.afterId };
  if (s.status === 'digested') {
    preparedStatement(db, `UPDATE events SET finished_at = ? WHERE digest_delivery_id = ? AND id > ? AND id <= ?`).run(s.at, s.digestId, s.afterId, lastId);
  } else if (s.status === 'reopened') {
    preparedStatement(db, `UPDATE events SET status = 'digested', finished_at = NULL WHERE digest_delivery_id = ? AND id > ? AND id <= ?`).run(s.digestId, s.afterId, lastId);
  } else {
    preparedStatement(db, `UPDATE events SET status = ?, finished_at = ? WHERE digest_delivery_id = ? AND id > ? AND id <= ?`).run(s.status, s.at, s.digestId, s.afterId, lastId);
  }
  return { settled, lastId };
}

/**
 * Settles the next `limit` members of a digest (one transaction's worth, the caller's); the rest, if
 * any, is recorded for the worker's next steps (and a restart). A row exists only once a first chunk
 * was not all: a digest settled whole writes none and deletes none.
 */
export function settleDigestChunk(db: Db, s: DigestSettlement, limit: number): void {
  const { settled, lastId } = finishDigestEvents(db, s, limit);
  if (settled === limit) saveDigestSettlement(db, s.digestId, { ...s, afterId: lastId });
  else if (s.afterId > 0) saveDigestSettlement(db, s.digestId, undefined);
}

/** The oldest digest whose members are still being settled, if any. */
export function pendingDigestSettlement(db: Db): DigestSettlement | undefined {
  return preparedStatement<[], DigestSettlement>(
    db,
    `SELECT digest_id AS digestId, status, at, after_id AS afterId FROM digest_settlements ORDER BY digest_id LIMIT 1`,
  ).get();
}

/** Records how far a digest's members are settled (`undefined`: all of them). */
export function saveDigestSettlement(db: Db, digestId: number, s: DigestSettlement | undefined): void {
  if (!s) preparedStatement(db, `DELETE FROM digest_settlements WHERE digest_id = ?`).run(digestId);
  else {
    preparedStatement(
      db,
      `INSERT INTO digest_settlements (digest_id, status, at, after_id) VALUES (?, ?, ?, ?)
       ON CONFLICT (digest_id) DO UPDATE SET status = excluded.status, at = excluded.at, after_id = excluded.after_id`,
    ).run(s.digestId, s.status, s.at, s.afterId);
  }
}

/** The latest time written on a message (created, or last tried), if any: both columns are indexed. */
export function latestRecordedAt(db: Db): number | undefined {
  return (
    preparedStatement<[], { at: number | null }>(db, `SELECT max((SELECT max(created_at) FROM deliveries), coalesce((SELECT max(last_attempt_at) FROM deliveries), 0)) AS at`).get()
      ?.at ?? undefined
  );
}

/** When the newest member of a digest was received (its members' ids grow with time). */
export function newestMemberAt(db: Db, digestId: number): number | undefined {
  return preparedStatement<[number], { at: number }>(db, `SELECT received_at AS at FROM events WHERE digest_delivery_id = ? ORDER BY id DESC LIMIT 1`).get(digestId)?.at;
}

/** Members already carried by a digest (title, severity, store, time). */
export function digestMemberEvents(db: Db, digestId: number): Array<{ eventId: number; title: string; severity: Severity; store: string | null; at: number }> {
  return preparedStatement<[number], { eventId: number; title: string; severity: Severity; store: string | null; at: number }>(
    db,
    `SELECT id AS eventId, title, severity, store, received_at AS at FROM events WHERE digest_delivery_id = ?`,
  ).all(digestId);
}

/** What a digest's line shows of its event beyond what the fold stored: its repeats and its badge. */
export interface DigestLineEvent {
  id: number;
  repeatCount: number;
  kind: EventKind;
  /** A task result's status. */
  status: TaskStatus | null;
  /** An alert's resolution (1 when resolved). */
  resolved: number | null;
}

/**
 * What a digest's listed members carry now, read when it is rendered: a repeat counted while the
 * digest waited shows in it. At most the few events a digest lists, found by key.
 */
export function digestLineEvents(db: Db, eventIds: readonly number[]): DigestLineEvent[] {
  return preparedStatement<[string], DigestLineEvent>(
    db,
    `SELECT id, repeat_count AS repeatCount, kind, payload ->> '$.status' AS status, payload ->> '$.resolved' AS resolved
     FROM events WHERE id IN (SELECT value FROM json_each(?))`,
  ).all(JSON.stringify(eventIds));
}

// ---- deliveries ------------------------------------------------------------------------------------

export function insertDelivery(db: Db, d: NewDelivery): number {
  const { lastInsertRowid } = preparedStatement(db, INSERT_DELIVERY).run(
    d.createdAt,
    d.kind,
    d.category ?? null,
    d.severity ?? 'info',
    d.priority ?? 1,
    d.status,
    d.title,
    d.msgtype,
    d.payload,
    d.bytes,
    d.attempts ?? 0,
    d.queuedAt ?? 0,
    d.nextAttemptAt,
    d.lastAttemptAt ?? null,
    d.sentAt ?? null,
    d.errcode ?? null,
    d.errmsg ?? null,
    d.failure ?? null,
    d.httpStatus ?? null,
    d.latencyMs ?? null,
    d.eventId ?? null,
    d.splitFrom ?? null,
    d.mergedInto ?? null,
    d.mentions ?? null,
    d.template ?? null,
    d.digestState ?? null,
    d.setId ?? null,
  );
  return Number(lastInsertRowid);
}

export function updateDelivery(db: Db, id: number, set: Partial<NewDelivery>): void {
  updateRows(db, 'deliveries', DELIVERY_FIELDS, set, 'id = ?', [id]);
}

export function getDelivery(db: Db, id: number): DeliveryRow | undefined {
  return preparedStatement<[number], DeliveryRow>(db, `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = ?`).get(id);
}

/** `d` waits behind none of the earlier messages of its set by `column` (a re-split part stands where its message stood). */
const notBehindIn = (column: 'event_id' | 'set_id') => `(d.${column} IS NULL OR NOT EXISTS (
    SELECT 1 FROM deliveries o WHERE o.${column} = d.${column} AND o.status = 'queued'
      AND (coalesce(o.split_from, o.id), o.id) < (coalesce(d.split_from, d.id), d.id)))`;

/**
 * A queued message `d` that may go: none of its set's earlier messages still waits, its event's or
 * its report run's (an alert waiting for its retry holds back its parts and its mention follow-up,
 * a report's part 1 its part 2 and chart; the group never reads part 2 before part 1, or an @all
 * before the alert it is about).
 */
const NOT_BEHIND = `${notBehindIn('event_id')} AND ${notBehindIn('set_id')}`;

/** The next message to send at `now`: critical first, then FIFO; none held back by an earlier one of its set. */
export function nextDue(db: Db, now: number): DeliveryRow | undefined {
  return preparedStatement<[number], DeliveryRow>(
    db,
    `SELECT ${DELIVERY_COLUMNS} FROM deliveries d WHERE d.status = 'queued' AND d.next_attempt_at <= ? AND ${NOT_BEHIND} ORDER BY d.priority, d.id LIMIT 1`,
  ).get(now);
}

/**
 * When the earliest queued message that may go is due, if any is queued (one always may: the first
 * of each event). A message held back by one waiting for its retry is due when that one is.
 */
export function earliestPending(db: Db): number | undefined {
  return preparedStatement<[], { at: number | null }>(db, `SELECT min(d.next_attempt_at) AS at FROM deliveries d WHERE d.status = 'queued' AND ${NOT_BEHIND}`).get()?.at ?? undefined;
}

/**
 * The oldest next-attempt time already passed among the messages the worker would send next
 * (priority, then FIFO; none held back by an earlier one of its event, which waits for its own
 * retry): the self-watch's "due, yet nothing sent". The head of the queue only (its first 200 rows
 * that may go), so a backlog of 20,000 costs what 200 do.
 */
export function oldestDueAt(db: Db, now: number): number | undefined {
  return (
    preparedStatement<[number], { at: number | null }>(
      db,
      `SELECT min(at) AS at FROM (SELECT d.next_attempt_at AS at FROM deliveries d WHERE d.status = 'queued' AND ${NOT_BEHIND} ORDER BY d.priority, d.id LIMIT 200) WHERE at <= ?`,
    ).get(now)?.at ?? undefined
  );
}

export function hasSending(db: Db): boolean {
  return preparedStatement(db, `SELECT 1 FROM deliveries WHERE status = 'sending' LIMIT 1`).get() !== undefined;
}

/** Messages queued or in flight. */
export function queueDepth(db: Db): number {
  return preparedStatement<[], { n: number }>(db, `SELECT count(*) AS n FROM deliveries WHERE status IN ('queued', 'sending')`).get()!.n;
}

/** Rows a crash left in `sending`. */
export function listSending(db: Db): Array<{ id: number; kind: string }> {
  return preparedStatement<[], { id: number; kind: string }>(db, `SELECT id, kind FROM deliveries WHERE status = 'sending'`).all();
}

export function markSending(db: Db, id: number, now: number): void {
  preparedStatement(db, `UPDATE deliveries SET status = 'sending', attempts = attempts + 1, last_attempt_at = ? WHERE id = ?`).run(now, id);
}

/** When the last 45009 inside the window was answered, if any. */
export function recentRateLimitedAt(db: Db, since: number): number | undefined {
  return (
    preparedStatement<[number], { at: number | null }>(db, `SELECT max(last_attempt_at) AS at FROM deliveries WHERE last_attempt_at > ? AND failure = 'rate_limited'`).get(
      since,
    )?.at ?? undefined
  );
}

/**
 * Times of every call made to WeCom in the last window, so a restart does not forget its rate use.
 * A row keeps only its last attempt's time, and its earlier attempts may be inside the window too:
 * each counts at the last one, so a restart may wait up to a window longer than needed but never
 * sends over the limit.
 */
export function recentAttemptTimes(db: Db, since: number): number[] {
  return preparedStatement<[number], { at: number; attempts: number }>(db, `SELECT last_attempt_at AS at, attempts FROM deliveries WHERE last_attempt_at > ?`)
    .all(since)
    .flatMap((r) => Array<number>(Math.max(1, r.attempts)).fill(r.at));
}

/** After the wall clock stepped back: queued messages due later move by the step. Returns how many. */
export function shiftQueuedAttempts(db: Db, byMs: number, now: number): number {
  return preparedStatement(db, `UPDATE deliveries SET next_attempt_at = next_attempt_at + ? WHERE status = 'queued' AND next_attempt_at > ?`).run(byMs, now).changes;
}

/** The statuses of a re-split message's parts, but one. */
export function partStatuses(db: Db, splitFrom: number, exceptId: number): DeliveryStatus[] {
  return preparedStatement<[number, number], { status: DeliveryStatus }>(db, `SELECT status FROM deliveries WHERE split_from = ? AND id <> ?`)
    .all(splitFrom, exceptId)
    .map((r) => r.status);
}

/** The queued messages of its event after `row` (its mention follow-up, its later parts), in the order nextDue keeps. */
export function laterQueuedOfEvent(db: Db, row: Pick<DeliveryRow, 'id' | 'eventId' | 'splitFrom'>): number[] {
  if (row.eventId === null) return [];
  return preparedStatement<[number, number, number], { id: number }>(
    db,
    `SELECT id FROM deliveries WHERE event_id = ? AND status = 'queued' AND (coalesce(split_from, id), id) > (?, ?)`,
  )
    .all(row.eventId, row.splitFrom ?? row.id, row.id)
    .map((r) => r.id);
}

/** The statuses of an event's messages, but one. */
export function eventMessageStatuses(db: Db, eventId: number, exceptId: number): DeliveryStatus[] {
  return preparedStatement<[number, number], { status: DeliveryStatus }>(db, `SELECT status FROM deliveries WHERE event_id = ? AND id <> ?`)
    .all(eventId, exceptId)
    .map((r) => r.status);
}

/** An event's first message (its only one, or the first of its parts), whatever its status. */
export function firstMessageOf(db: Db, eventId: number): DeliveryRow | undefined {
  return preparedStatement<[number], DeliveryRow>(db, `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE event_id = ? ORDER BY id LIMIT 1`).get(eventId);
}

/** The first message still waiting in the queue of the set `of` is in (its event's, or its report run's), if any, in the set's order. */
export function firstQueuedMessageOf(db: Db, of: Pick<DeliveryRow, 'eventId' | 'setId'>): DeliveryRow | undefined {
  const column = of.eventId !== null ? 'event_id' : 'set_id';
  const value = of.eventId ?? of.setId;
  if (value === null) return undefined;
  return preparedStatement<[number], DeliveryRow>(db, `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE ${column} = ? AND status = 'queued' ORDER BY coalesce(split_from, id), id LIMIT 1`).get(
    value,
  );
}

/** A queued foldable message with what a digest line needs from its event. */
export interface QueuedFoldableRow {
  deliveryId: number;
  eventId: number;
  category: string;
  title: string;
  severity: Severity;
  store: string | null;
  at: number;
  /** The mention decided at intake (`deliveries.mentions`, `"none"` included); null only for a row an older version queued rendered. */
  decided: string | null;
  /** When none was decided, the event's own `mention` field as JSON (null when it has none): a member needs no more of its payload. */
  mention: string | null;
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
    `SELECT d.id AS deliveryId, e.id AS eventId, e.category, e.title, e.severity, e.store, e.received_at AS at, d.mentions AS decided,
            CASE WHEN d.mentions IS NULL THEN e.payload -> '$.mention' END AS mention
     FROM deliveries d JOIN events e ON e.id = d.event_id
     WHERE d.status = 'queued' AND d.priority = ? AND d.kind IN (${kinds.map(() => '?').join(', ')}) AND (d.severity = 'critical') = ?
       AND NOT EXISTS (SELECT 1 FROM deliveries o WHERE o.event_id = d.event_id AND o.status <> 'queued')
     ORDER BY d.priority, d.id LIMIT ?`,
  ).all(critical ? PRIORITY.critical : PRIORITY.normal, ...kinds, critical ? 1 : 0, limit) as QueuedFoldableRow[];
}

/**
 * Events with queued messages (all, or only critical ones; a message without an event counts as
 * one), counting at most `limit`: never the whole queue.
 */
export function countQueuedEventsUpTo(db: Db, limit: number, onlyCritical = false): number {
  // Left to itself SQLite walks the whole queued range of the status index looking for criticals.
  const from = onlyCritical ? `deliveries INDEXED BY deliveries_queued_critical_idx WHERE status = 'queued' AND severity = 'critical'` : `deliveries WHERE status = 'queued'`;
  return preparedStatement<[number], { n: number }>(
    db,
    `SELECT count(*) AS n FROM (SELECT DISTINCT coalesce(event_id, -id) FROM ${from} LIMIT ?)`,
  ).get(limit)!.n;
}

/** What a fold needs of the digest a category still waits to send. */
export interface WaitingDigestRow {
  id: number;
  mentions: string | null;
  digestState: string | null;
}

/**
 * The category's digest of this reason still waiting to be sent at this priority (the oldest, should
 * there be two). The reason is read from the title's end (policy/fold: digestTitleEnd), among the few
 * rows the index finds: a storm never grows a quiet-hours digest, nor a release a storm digest.
 * Parts of a re-split digest are not: they are sent as they are.
 */
export function waitingDigest(db: Db, category: string, priority: Priority, reason: DigestReason): WaitingDigestRow | undefined {
  const end = digestTitleEnd(reason);
  return preparedStatement<[string, number, number, string], WaitingDigestRow>(
    db,
    `SELECT id, mentions, digest_state AS digestState FROM deliveries
     WHERE kind = 'digest' AND status = 'queued' AND category = ? AND priority = ? AND split_from IS NULL AND substr(title, -?) = ? ORDER BY id LIMIT 1`,
  ).get(category, priority, end.length, end);
}

/**
 * Events folded into a digest: their queued messages are merged into it, the events wait with it.
 * Two statements for the whole fold, whatever its size (the ids travel as one JSON array). The
 * messages are found by their events (`+status` keeps SQLite off the status index, whose 'queued'
 * range is the whole backlog: a chunk cost what the queue held, a fold the square of it).
 */
export function foldEventsInto(db: Db, eventIds: readonly number[], digestId: number): void {
  const ids = JSON.stringify(eventIds);
  preparedStatement(db, `UPDATE deliveries SET status = 'merged', merged_into = ? WHERE event_id IN (SELECT value FROM json_each(?)) AND +status = 'queued'`).run(digestId, ids);
  preparedStatement(db, `UPDATE events SET status = 'digested', digest_delivery_id = ?, finished_at = NULL WHERE id IN (SELECT value FROM json_each(?))`).run(digestId, ids);
}

/** Restart: a queued message goes out again; a connect or test send fails (the admin's wait is over). */
export function requeueInterrupted(db: Db, id: number, now: number): void {
  preparedStatement(db, `UPDATE deliveries SET status = 'queued', next_attempt_at = ? WHERE id = ?`).run(now, id);
}

/**
 * A dead message queued again by hand; its event (or the events its digest carries) is pending again
 * too. A dead part of a re-split digest reopens the members of the digest it came from. Members are
 * reopened a chunk per transaction like a settlement: this one the first `chunk`, the worker the
 * rest before it sends anything, this digest included.
 */
export function retryDelivery(db: Db, id: number, now: number, chunk: number = SETTLE_CHUNK): boolean {
  return db.$client.transaction(() => {
    const row = getDelivery(db, id);
    if (!row || row.status !== 'dead') return false;
    preparedStatement(db, `UPDATE deliveries SET status = 'queued', queued_at = ?, next_attempt_at = ? WHERE id = ?`).run(now, now, id);
    // The later messages of its set that died too (its @all follow-up, the parts after it, a report's
    // chart) go again with it, after it: a retried alert is not heard without the mention it carried.
    for (const [column, value] of [['event_id', row.eventId], ['set_id', row.setId]] as const) {
      if (value === null) continue;
      preparedStatement(
        db,
        `UPDATE deliveries SET status = 'queued', queued_at = ?, next_attempt_at = ?
           WHERE ${column} = ? AND status = 'dead' AND (coalesce(split_from, id), id) > (?, ?)`,
      ).run(now, now, value, row.splitFrom ?? row.id, row.id);
    }
    if (row.eventId !== null) preparedStatement(db, `UPDATE events SET status = 'queued', finished_at = NULL WHERE id = ?`).run(row.eventId);
    if (row.kind === 'digest') {
      const digestId = row.splitFrom ?? row.id;
      // Reopened from its first member: a settlement of its death still under way must not go on.
      saveDigestSettlement(db, digestId, undefined);
      settleDigestChunk(db, { digestId, status: 'reopened', at: now, afterId: 0 }, chunk);
    }
    return true;
  })();
}

// ---- retention -------------------------------------------------------------------------------------

const PRUNE_CANDIDATES: Record<PruneTable, { select: string; remove: string }> = {
  events: {
    select: `SELECT id, received_at AS at, status, finished_at AS finishedAt FROM events WHERE received_at < ? AND id > ? ORDER BY id LIMIT ?`,
    remove: `DELETE FROM events WHERE id = ?`,
  },
  deliveries: {
    // A dead part counts while it stays itself (created or tried since the cutoff): pruned in the
    // same pass, it leaves its original nothing to settle.
    select: `SELECT d.id, d.created_at AS at, d.status, d.last_attempt_at AS lastAttemptAt,
               EXISTS (SELECT 1 FROM deliveries p WHERE p.split_from = d.id
                         AND (p.status IN ('queued', 'sending') OR (p.status = 'dead' AND max(p.created_at, coalesce(p.last_attempt_at, 0)) >= c.cutoff))) AS partsOpen,
               EXISTS (SELECT 1 FROM events e WHERE e.id = d.event_id AND e.finished_at IS NULL) AS eventOpen,
               d.kind = 'mention' AND EXISTS (SELECT 1 FROM deliveries f WHERE f.id = d.merged_into) AS followsKept
             FROM (SELECT ? AS cutoff) c, deliveries d WHERE d.created_at < c.cutoff AND d.id > ? ORDER BY d.id LIMIT ?`,
    remove: `DELETE FROM deliveries WHERE id = ?`,
  },
  reportRuns: {
    select: `SELECT id, started_at AS at, status FROM report_runs WHERE started_at < ? AND id > ? ORDER BY id LIMIT ?`,
    remove: `DELETE FROM report_runs WHERE id = ?`,
  },
  ruleTransitions: {
    select: `SELECT id, at FROM metric_rule_transitions WHERE at < ? AND id > ? ORDER BY id LIMIT ?`,
    remove: `DELETE FROM metric_rule_transitions WHERE id = ?`,
  },
  audit: {
    select: `SELECT id, at FROM audit_log WHERE at < ? AND id > ? ORDER BY id LIMIT ?`,
    remove: `DELETE FROM audit_log WHERE id = ?`,
  },
};

/** Up to `limit` rows of a table created before `before`, after id `afterId`, with what pruning needs to know of them. */
export function pruneCandidates(db: Db, table: PruneTable, before: number, afterId: number, limit: number): PruneCandidate[] {
  const rows = preparedStatement<[number, number, number], Record<string, unknown>>(db, PRUNE_CANDIDATES[table].select).all(before, afterId, limit);
  return rows.map((r) => ({ ...r, table, ...(table === 'deliveries' ? { partsOpen: r.partsOpen === 1, eventOpen: r.eventOpen === 1, followsKept: r.followsKept === 1 } : {}) }) as PruneCandidate);
}

export function deleteRows(db: Db, table: PruneTable, ids: readonly number[]): void {
  const statement = preparedStatement<[number]>(db, PRUNE_CANDIDATES[table].remove);
  for (const id of ids) statement.run(id);
}
