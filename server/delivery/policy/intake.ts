// What becomes of a batch of incoming events: each one's fate, priority and mention request. Pure:
// intake reads what intakeLookups names, asks planIntake, then writes the plan in order.
import type { EventStatus } from '../../../db/schema.ts';
import type { InboundEvent, Severity } from '../../events/schema.ts';
import type { Silence } from '../../rules/silences.ts';
import type { WorkdayCalendar } from '../../calendar/workdays.ts';
import { dedupeKeyOf, LIVE_ORIGINAL_STATUSES, originalSeverities, type DedupeCandidate } from './dedupe.ts';
import { decideEvent, type RulesInput } from './eventRules.ts';
import { mentionRequest, type CriticalMentionRule, type MentionRequest } from '../../rules/mentions.ts';
import { priorityOf, type Priority } from './priority.ts';
import { IDEMPOTENCY_WINDOW_MS } from './retention.ts';

/** An event already stored (`id`), or an earlier event of the same batch (`batchIndex`). */
export type EventRef = { id: number } | { batchIndex: number };

export type IntakeFate =
  /** The same idempotency_key inside 7 days: answered with that event, nothing written. */
  | { type: 'replay'; of: EventRef; status: EventStatus }
  | {
      type: 'store';
      status: EventStatus;
      reason: string | null;
      /** The original this event repeats: its count goes up, its waiting message shows it. */
      duplicateOf: EventRef | null;
      /** Suppressed and stored events are final when written. */
      final: boolean;
      /** Stored for an event that is an original or repeats one; an event suppressed otherwise can be no original. */
      dedupeKey: string | null;
      /** Queued events only: their messages go into the outbox at this priority. */
      messages: { priority: Priority; mention: MentionRequest } | null;
    };

/** What intake reads for one event before planning: the idempotency key, the dedupe key and window. */
export interface IntakeLookup {
  idempotency?: { key: string; since: number };
  /**
   * Originals received in (since, until] with one of `severities`: the lookup stops at the first
   * rows it finds, so every row it finds must be one the event could repeat. `until` is the batch's
   * now: an event stamped later (before a backward clock step) is nobody's original until the
   * clock passes it again.
   */
  dedupe?: { key: string; since: number; until: number; severities: readonly Severity[] };
}

export interface IntakeRules extends RulesInput {
  criticalMention: CriticalMentionRule;
}

export function intakeLookup(e: InboundEvent, rules: Pick<IntakeRules, 'dedupeWindowMinutes'>, now: number): IntakeLookup {
  const key = dedupeKeyOf(e);
  return {
    ...(e.idempotency_key ? { idempotency: { key: e.idempotency_key, since: now - IDEMPOTENCY_WINDOW_MS } } : {}),
    ...(key && rules.dedupeWindowMinutes > 0 ? { dedupe: { key, since: now - rules.dedupeWindowMinutes * 60_000, until: now, severities: originalSeverities(e.severity) } } : {}),
  };
}

/** What the store answered for one event's lookup, read before the batch is written. */
export interface IntakeFacts {
  /** The first stored event with the same idempotency key inside the window. */
  idempotent?: { id: number; status: EventStatus };
  /** Stored live originals with the same dedupe key inside the window, of the severities the lookup named. */
  dedupeCandidates: readonly DedupeCandidate[];
}

const LIVE = new Set<string>(LIVE_ORIGINAL_STATUSES);

/**
 * Each event's fate, in order. Earlier events of the batch count as if stored before: a later one
 * with the same idempotency key replays the first, and a later repeat is counted on an earlier
 * original of at least its severity (stored originals, being older, come first).
 */
export function planIntake(
  events: readonly InboundEvent[],
  facts: readonly IntakeFacts[],
  ctx: { rules: IntakeRules; now: number; silences: readonly Silence[]; calendar?: WorkdayCalendar },
): IntakeFate[] {
  const fates: IntakeFate[] = [];
  const firstByKey = new Map<string, number>();
  const batchOriginals = new Map<string, Array<{ index: number; candidate: DedupeCandidate }>>();
  events.forEach((e, i) => {
    const f = facts[i]!;
    if (f.idempotent) {
      fates.push({ type: 'replay', of: { id: f.idempotent.id }, status: f.idempotent.status });
      return;
    }
    const earlier = e.idempotency_key === undefined ? undefined : firstByKey.get(e.idempotency_key);
    if (earlier !== undefined) {
      fates.push({ type: 'replay', of: { batchIndex: earlier }, status: fates[earlier]!.status });
      return;
    }
    if (e.idempotency_key !== undefined) firstByKey.set(e.idempotency_key, i);
    const dedupeKey = dedupeKeyOf(e);
    // Batch originals get ids above every stored event: negative stand-ins keep that order apart.
    const inBatch = (dedupeKey !== null && ctx.rules.dedupeWindowMinutes > 0 ? batchOriginals.get(dedupeKey) : undefined) ?? [];
    const decision = decideEvent(e, { rules: ctx.rules, now: ctx.now, silences: ctx.silences, calendar: ctx.calendar, dedupeCandidates: [...f.dedupeCandidates, ...inBatch.map((o) => o.candidate)] });
    const duplicateOf = decision.status === 'suppressed' && decision.duplicateOf !== undefined ? refOf(decision.duplicateOf, inBatch) : null;
    const final = decision.status === 'suppressed' || decision.status === 'stored';
    fates.push({
      type: 'store',
      status: decision.status,
      reason: 'reason' in decision ? decision.reason : null,
      duplicateOf,
      final,
      dedupeKey: decision.status === 'suppressed' && duplicateOf === null ? null : dedupeKey,
      messages: decision.status === 'queued' ? { priority: priorityOf(e.severity), mention: mentionRequest(e, ctx.rules) } : null,
    });
    if (dedupeKey !== null && duplicateOf === null && LIVE.has(decision.status)) {
      const list = batchOriginals.get(dedupeKey) ?? [];
      list.push({ index: i, candidate: { id: BATCH_ID_BASE + i, severity: e.severity } });
      batchOriginals.set(dedupeKey, list);
    }
  });
  return fates;
}

/** Stand-in ids of batch originals: above any stored id (2^40 events), in batch order, exact as doubles. */
const BATCH_ID_BASE = 2 ** 40;

function refOf(id: number, inBatch: ReadonlyArray<{ index: number; candidate: DedupeCandidate }>): EventRef {
  const original = inBatch.find((o) => o.candidate.id === id);
  return original ? { batchIndex: original.index } : { id };
}
