// Folds and releases, the shell: reads the queue (store.ts), asks the core for the plan
// (policy/fold.ts: planFold, planRelease), and applies it in one transaction per chunk. A digest is
// written unrendered, its summary in digest_state: it is rendered when it is sent (renderAtSend.ts).
import type { Db } from '../../db/client.ts';
import type { EventRow } from '../../db/queries/events.ts';
import type { InboundEvent, Severity } from '../events/schema.ts';
import type { RenderSettings } from '../render/eventMessages.ts';
import { enqueueEventMessage, isUnrendered, UNRENDERED } from './outbox.ts';
import { renderedDigest } from './renderAtSend.ts';
import {
  addToDigest,
  EMPTY_DIGEST,
  FOLDABLE_KINDS,
  foldDue,
  planFold,
  planRelease,
  waitingKey,
  type DigestReason,
  type DigestState,
  type DigestWrite,
  type FoldMember,
  type WaitingDigest,
} from './policy/fold.ts';
import { mentionRequest, parseMentionRequest, storedMentionRequest, type MentionRequest } from '../rules/mentions.ts';
import { PRIORITY, type Priority } from './policy/priority.ts';
import {
  countQueuedEventsUpTo,
  digestMemberEvents,
  foldEventsInto,
  getDelivery,
  hasOtherHeldEvent,
  insertDelivery,
  listHeldEvents,
  listQueuedFoldable,
  setEventStatus,
  updateDelivery,
  waitingDigest,
} from './store.ts';

type MemberEvent = { eventId: number; category: string; title: string; severity: string; store: string | null; at: number };

/** A member from its event: what the digest lists, and whom it mentions. */
function memberOf(r: MemberEvent, mention: MentionRequest): FoldMember {
  return { eventId: r.eventId, category: r.category, title: r.title, severity: r.severity as Severity, store: r.store, at: r.at, mention };
}

/** Whom an event mentions when nothing was decided for it yet: its own mention and the rules of now. */
function mentionNow(own: InboundEvent['mention'], severity: string, s: RenderSettings): MentionRequest {
  return mentionRequest({ mention: own, severity: severity as Severity }, s.rules);
}

/**
 * The state a digest stored; a digest written before it stored one is summed from its members (its
 * `until` is the fold's, which grows it now).
 */
function digestState(db: Db, id: number, stored: string | null): DigestState {
  return stored ? (JSON.parse(stored) as DigestState) : addToDigest(EMPTY_DIGEST, digestMemberEvents(db, id), 0);
}

/** The waiting digest of `reason` of every (category, priority) the members fall in. */
function waitingDigests(db: Db, reason: DigestReason, members: ReadonlyArray<{ category: string; priority: Priority }>): Map<string, WaitingDigest> {
  const found = new Map<string, WaitingDigest>();
  const looked = new Set<string>();
  for (const { category, priority } of members) {
    const key = waitingKey(category, priority);
    if (looked.has(key)) continue;
    looked.add(key);
    const row = waitingDigest(db, category, priority, reason);
    if (row) found.set(key, { id: row.id, mention: parseMentionRequest(row.mentions), state: digestState(db, row.id, row.digestState) });
  }
  return found;
}

/**
 * Writes a planned digest (the waiting one grown, or a new one) and folds its new members into it.
 * A digest is rendered when it is sent (renderAtSend.ts); one rendered already (its send failed, it
 * waits for the retry) is rendered again now with its new members, so its row always holds what
 * its next attempt sends.
 */
function writeDigest(db: Db, s: RenderSettings, w: DigestWrite, now: number): number {
  const fields = { severity: w.severity, title: w.title, mentions: storedMentionRequest(w.mention), digestState: JSON.stringify(w.state) };
  let digestId: number;
  if (w.into !== undefined) {
    digestId = w.into;
    const waiting = getDelivery(db, digestId)!;
    updateDelivery(db, digestId, isUnrendered(waiting) ? fields : { ...fields, ...renderedDigest(db, s, { ...waiting, ...fields }) });
  } else {
    digestId = insertDelivery(db, { createdAt: now, kind: 'digest', category: w.category, priority: w.priority, status: 'queued', queuedAt: now, nextAttemptAt: now, ...fields, ...UNRENDERED });
  }
  foldEventsInto(db, w.eventIds, digestId);
  return digestId;
}

/** Delivery rows a fold takes at most, so one fold never holds the event loop (and intake) for long. */
export const FOLD_CHUNK = 250;

/** The oldest queued foldable messages (at most `limit` rows), one member per event; `full` when the chunk was. */
function queuedMembers(db: Db, s: RenderSettings, critical: boolean, limit: number): { members: FoldMember[]; full: boolean } {
  const rows = listQueuedFoldable(db, FOLDABLE_KINDS, critical, limit);
  const seen = new Set<number>();
  // A member mentions whom intake decided, as the event's own message would (renderAtSend.ts); a
  // row without a decision is decided now, as its send would. SQLite hands over only the event's
  // mention: a member needs nothing else of its payload.
  const members = rows
    .filter((r) => !seen.has(r.eventId) && !!seen.add(r.eventId))
    .map((r) =>
      memberOf(r, r.decided !== null ? parseMentionRequest(r.decided) : mentionNow(r.mention === null ? 'none' : (JSON.parse(r.mention) as InboundEvent['mention']), r.severity, s)),
    );
  return { members, full: rows.length === limit };
}

const NONE = { members: [], full: false };

/**
 * Storm digest: when the queue holds more than can be sent within the digest window at the allowed
 * rate, queued non-critical alerts are merged per category (policy/fold: planFold). Critical alerts
 * are merged only when they alone exceed what the window can carry. Folds at most `chunk` queued
 * messages of each kind per call; `more` says a full chunk was folded and the caller should call
 * again (after letting other work run) before sending. `digests` counts the digests written or grown.
 */
export function digestBacklog(db: Db, s: RenderSettings, capacity: number, now: number, chunk = FOLD_CHUNK): { digests: number; more: boolean } {
  if (!foldDue(countQueuedEventsUpTo(db, capacity + 1), capacity)) return { digests: 0, more: false };
  return db.$client.transaction(() => {
    const normal = queuedMembers(db, s, false, chunk);
    const critical = foldDue(countQueuedEventsUpTo(db, capacity + 1, true), capacity) ? queuedMembers(db, s, true, chunk) : NONE;
    const waiting = waitingDigests(db, 'storm', [
      ...normal.members.map((m) => ({ category: m.category, priority: PRIORITY.normal })),
      ...critical.members.map((m) => ({ category: m.category, priority: PRIORITY.critical })),
    ]);
    const writes = planFold({ normal: normal.members, critical: critical.members, waiting, now });
    for (const w of writes) writeDigest(db, s, w, now);
    return { digests: writes.length, more: normal.full || critical.full };
  })();
}

/**
 * Held events a release takes per transaction, so the event loop is free between chunks: about
 * 8 ms of CPU each (20 ms for 250, measured), well inside the 50 ms a slice may take.
 */
export const RELEASE_CHUNK = 100;

/**
 * When quiet hours end, what they held goes out (policy/fold: planRelease): one digest per
 * category, or the event's own message when a category held only one. Releases at most `chunk`
 * events per call, oldest first; `more` says the caller should call again (after letting other
 * work run) before sending.
 */
export function flushHeld(db: Db, s: RenderSettings, now: number, chunk = RELEASE_CHUNK): { events: number; more: boolean } {
  return db.$client.transaction(() => {
    const held = listHeldEvents(db, chunk);
    const byId = new Map<number, EventRow>(held.map((r) => [r.id, r]));
    // Held events were never queued: the release decides their mentions.
    const members = held.map((r) =>
      memberOf(
        { eventId: r.id, category: r.category, title: r.title, severity: r.severity, store: r.store, at: r.receivedAt },
        mentionNow((JSON.parse(r.payload) as InboundEvent).mention, r.severity, s),
      ),
    );
    const perCategory = new Map<string, number>();
    for (const m of members) perCategory.set(m.category, (perCategory.get(m.category) ?? 0) + 1);
    const alsoHeld = new Set(members.filter((m) => perCategory.get(m.category) === 1 && hasOtherHeldEvent(db, m.category, m.eventId)).map((m) => m.category));
    const waiting = waitingDigests(db, 'quiet_hours', members.map((m) => ({ category: m.category, priority: PRIORITY.normal })));
    for (const step of planRelease({ held: members, waiting, alsoHeld, now })) {
      if (step.type === 'digest') {
        writeDigest(db, s, step, now);
        continue;
      }
      const row = byId.get(step.eventId)!;
      const member = members.find((m) => m.eventId === step.eventId)!;
      enqueueEventMessage(db, { kind: row.kind, category: row.category, severity: row.severity, priority: PRIORITY.normal, eventId: row.id, title: row.title, mention: member.mention }, now);
      setEventStatus(db, [row.id], { status: 'queued' });
    }
    return { events: held.length, more: held.length === chunk };
  })();
}
