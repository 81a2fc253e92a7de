import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { countQueuedEventsUpTo, listQueuedFoldable } from '../../db/queries/deliveries.ts';
import { hasOtherHeldEvent, listHeldEvents, setEventStatus, type EventRow } from '../../db/queries/events.ts';
import { deliveries, events } from '../../db/schema.ts';
import { SEVERITY_RANK, type Category, type InboundEvent, type Severity } from '../events/schema.ts';
import { renderDigestForDelivery, renderEventForDelivery, sendLogUrl, type RenderSettings } from '../render/eventMessages.ts';
import { noteJson } from '../render/templateChoice.ts';
import { enqueueMessage, enqueueMessages } from './outbox.ts';
import { FOLDABLE_KINDS, foldDue } from './policy/fold.ts';
import { mentionRequest, mentionUnion, parseMentionRequest, storedMentionRequest, type MentionRequest } from './policy/mentions.ts';
import { utf8Bytes } from '../wecom/messages.ts';

interface Member {
  eventId: number;
  title: string;
  severity: Severity;
  store: string | null;
  at: number;
  mention: MentionRequest;
}

/** A member from its event row: what the digest lists, and whom the event asked to mention. */
function memberOf(r: { eventId: number; title: string; severity: string; store: string | null; at: number; payload: string }, s: RenderSettings): Member {
  const event = JSON.parse(r.payload) as InboundEvent;
  return { eventId: r.eventId, title: r.title, severity: r.severity as Severity, store: r.store, at: r.at, mention: mentionRequest(event, s.rules) };
}

function groupByCategory<T extends { category: string }>(rows: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const r of rows) {
    const group = groups.get(r.category);
    if (group) group.push(r);
    else groups.set(r.category, [r]);
  }
  return groups;
}

/** How many events a digest lists (renderDigest's default). */
const DIGEST_TOP_N = 10;

/**
 * What a digest message is rendered from: the count, the counts by severity, the earliest event and
 * the events it lists. Folding newcomers in costs what they cost, not what the digest already holds,
 * so a long storm does not re-read and re-render thousands of members on every round.
 */
interface DigestState {
  total: number;
  counts: Record<Severity, number>;
  since: number;
  top: Member[];
}

const byRank = (a: Member, b: Member) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.at - b.at || a.eventId - b.eventId;

function addMembers(state: DigestState | undefined, members: Member[]): DigestState {
  const next: DigestState = state
    ? { total: state.total, counts: { ...state.counts }, since: state.since, top: [...state.top] }
    : { total: 0, counts: { critical: 0, warning: 0, info: 0 }, since: Infinity, top: [] };
  for (const m of members) {
    next.total++;
    next.counts[m.severity]++;
    if (m.at < next.since) next.since = m.at;
  }
  next.top = [...next.top, ...[...members].sort(byRank).slice(0, DIGEST_TOP_N)].sort(byRank).slice(0, DIGEST_TOP_N);
  return next;
}

/** Digest states by digest delivery id, per database; rebuilt from the members on a miss. */
const digestStates = new WeakMap<object, Map<number, DigestState>>();
function statesOf(db: Db): Map<number, DigestState> {
  let states = digestStates.get(db.$client);
  if (!states) digestStates.set(db.$client, (states = new Map()));
  return states;
}

/** A rolled-back transaction may have cached states it never wrote: forget them all. */
function forgetStatesOnError<T>(db: Db, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    statesOf(db).clear();
    throw err;
  }
}

function digestMessage(s: RenderSettings, category: string, reason: 'storm' | 'quiet_hours', state: DigestState, now: number) {
  return renderDigestForDelivery({
    category: category as Category,
    reason,
    events: state.top.map((m) => ({ title: m.title, severity: m.severity, store: m.store, at: m.at })),
    total: state.total,
    counts: state.counts,
    since: state.since,
    until: now,
    lang: s.delivery.language,
    format: s.delivery.format,
    timeZone: s.timeZone,
    // "See the console for all of them": a storm's alert messages are in the send log as merged;
    // events held in quiet hours never had messages of their own, so there the digests are listed.
    consoleUrl:
      s.publicUrl === undefined
        ? undefined
        : sendLogUrl(s.publicUrl, reason === 'storm' ? { kind: 'alert', category, status: 'merged' } : { kind: 'digest', category }),
    topN: DIGEST_TOP_N,
  }, s.templates);
}

function digestSeverity(state: DigestState): Severity {
  return state.counts.critical ? 'critical' : state.counts.warning ? 'warning' : 'info';
}

/** Members already carried by a digest, for re-rendering it with newcomers. */
function digestMembers(db: Db, digestId: number): Member[] {
  return db
    .select({ eventId: events.id, title: events.title, severity: events.severity, store: events.store, at: events.receivedAt })
    .from(events)
    .where(eq(events.digestDeliveryId, digestId))
    .all()
    .map((r) => ({ ...r, severity: r.severity as Severity, mention: 'none' as const }));
}

/**
 * Folds members into the category's digest that is still waiting to be sent, or writes a new one.
 * One growing digest per category keeps a long storm to a few messages instead of one per round.
 * The members' own messages become `merged`; their events point at the digest.
 */
function writeDigest(db: Db, s: RenderSettings, category: string, reason: 'storm' | 'quiet_hours', members: Member[], now: number, priority: number): number {
  const waiting = waitingDigest(db, category, priority);
  const states = statesOf(db);
  const before = waiting ? (states.get(waiting.id) ?? addMembers(undefined, digestMembers(db, waiting.id))) : undefined;
  const all = addMembers(before, members);
  const { message, template } = digestMessage(s, category, reason, all, now);
  // The digest's follow-up mentions everyone its members asked for, once (sent after the digest).
  const mentions = storedMentionRequest(mentionUnion([parseMentionRequest(waiting?.mentions ?? null), ...members.map((m) => m.mention)]));
  const fields = { severity: digestSeverity(all), title: `${all.total} × ${category} (${reason === 'storm' ? 'digest' : 'quiet hours'})`, mentions, template: noteJson(template) };
  let digestId: number;
  if (waiting) {
    digestId = waiting.id;
    const payload = JSON.stringify(message);
    db.update(deliveries).set({ ...fields, msgtype: message.msgtype, payload, bytes: utf8Bytes(payload) }).where(eq(deliveries.id, digestId)).run();
  } else {
    digestId = enqueueMessage(db, { createdAt: now, kind: 'digest', category, priority, queuedAt: now, nextAttemptAt: now, ...fields }, message);
  }
  const eventIds = [...new Set(members.map((m) => m.eventId))];
  for (let i = 0; i < eventIds.length; i += 500) {
    const chunk = eventIds.slice(i, i + 500);
    db.update(deliveries)
      .set({ status: 'merged', mergedInto: digestId })
      .where(and(inArray(deliveries.eventId, chunk), eq(deliveries.status, 'queued')))
      .run();
  }
  setEventStatus(db, eventIds, { status: 'digested', digestDeliveryId: digestId, finishedAt: null });
  // Only waiting digests are folded into: a small cache is enough, and a miss rebuilds.
  if (states.size >= 64) states.clear();
  states.set(digestId, all);
  return digestId;
}

/**
 * The category's digest still waiting to be sent at this priority (the oldest, should there be two).
 * Parts of a re-split digest are not: they are sent as they are.
 */
function waitingDigest(db: Db, category: string, priority: number): { id: number; mentions: string | null } | undefined {
  return db
    .select({ id: deliveries.id, mentions: deliveries.mentions })
    .from(deliveries)
    .where(
      and(
        eq(deliveries.kind, 'digest'),
        eq(deliveries.status, 'queued'),
        eq(deliveries.category, category),
        eq(deliveries.priority, priority),
        isNull(deliveries.splitFrom),
      ),
    )
    .orderBy(asc(deliveries.id))
    .limit(1)
    .get();
}

/** Delivery rows a fold takes at most, so one fold never holds the event loop (and intake) for long. */
export const FOLD_CHUNK = 250;

/**
 * The oldest queued alert messages (at most `limit` rows), one member per event. Returns whether
 * the chunk was full (more may be waiting).
 */
function queuedAlerts(db: Db, s: RenderSettings, critical: boolean, limit: number): { members: Array<Member & { category: string }>; full: boolean } {
  const rows = listQueuedFoldable(db, FOLDABLE_KINDS, critical, limit);
  const seen = new Set<number>();
  const members = rows.filter((r) => !seen.has(r.eventId) && !!seen.add(r.eventId)).map((r) => ({ ...memberOf(r, s), category: r.category }));
  return { members, full: rows.length === limit };
}

/** Whether more than `capacity` events wait (a message without an event counts as one): counts at most capacity + 1. */
function queuedOver(db: Db, capacity: number, critical?: boolean): boolean {
  return foldDue(countQueuedEventsUpTo(db, capacity + 1, critical), capacity);
}

/**
 * Storm digest: when the queue holds more than can be sent within the digest window at the allowed
 * rate, queued non-critical alerts are merged per category. Critical alerts are merged only when
 * they alone exceed what the window can carry. Folds at most `chunk` queued messages of each kind
 * per call; `more` says a full chunk was folded and the caller should call again (after letting
 * other work run) before sending. `digests` counts the digests written or grown.
 */
export function digestBacklog(db: Db, s: RenderSettings, capacity: number, now: number, chunk = FOLD_CHUNK): { digests: number; more: boolean } {
  if (!queuedOver(db, capacity)) return { digests: 0, more: false };
  return forgetStatesOnError(db, () => db.transaction(() => {
    let digests = 0;
    const normal = queuedAlerts(db, s, false, chunk);
    for (const [category, members] of groupByCategory(normal.members)) {
      if (members.length < 2 && !waitingDigest(db, category, 1)) continue;
      writeDigest(db, s, category, 'storm', members, now, 1);
      digests++;
    }
    let more = normal.full;
    if (queuedOver(db, capacity, true)) {
      const critical = queuedAlerts(db, s, true, chunk);
      for (const [category, members] of groupByCategory(critical.members)) {
        if (members.length < 2 && !waitingDigest(db, category, 0)) continue;
        writeDigest(db, s, category, 'storm', members, now, 0);
        digests++;
      }
      more ||= critical.full;
    }
    return { digests, more };
  }));
}

/**
 * Held events a release takes per transaction, so the event loop is free between chunks: about
 * 8 ms of CPU each (20 ms for 250, measured), well inside the 50 ms a slice may take.
 */
export const RELEASE_CHUNK = 100;

/**
 * When quiet hours end, what they held goes out: one digest per category, or the event's own
 * message when a category held only one. Releases at most `chunk` events per call, oldest first;
 * `more` says the caller should call again (after letting other work run) before sending.
 */
export function flushHeld(db: Db, s: RenderSettings, now: number, chunk = RELEASE_CHUNK): { events: number; more: boolean } {
  return forgetStatesOnError(db, () => db.transaction(() => {
    const held = listHeldEvents(db, chunk);
    for (const [category, rows] of groupByCategory<EventRow>(held)) {
      const row = rows[0]!;
      if (rows.length === 1 && !waitingDigest(db, category, 1) && !hasOtherHeldEvent(db, category, row.id)) {
        const event = JSON.parse(row.payload) as InboundEvent;
        const { messages, template } = renderEventForDelivery(event, s, { receivedAt: row.receivedAt, repeatCount: row.repeatCount, eventId: row.id });
        enqueueMessages(
          db,
          { kind: row.kind, category: row.category, severity: row.severity, priority: 1, eventId: row.id, template: noteJson(template) },
          messages,
          (i) => (i === 0 ? row.title : `${row.title} · ${i + 1}`),
          now,
        );
        setEventStatus(db, [row.id], { status: 'queued' });
        continue;
      }
      writeDigest(
        db,
        s,
        category,
        'quiet_hours',
        rows.map((r) => memberOf({ eventId: r.id, title: r.title, severity: r.severity, store: r.store, at: r.receivedAt, payload: r.payload }, s)),
        now,
        1,
      );
    }
    return { events: held.length, more: held.length === chunk };
  }));
}
