// Storm folds and the digests they grow: when a backlog is folded, what may be folded, and what
// a digest becomes with its new members. Pure: the worker reads the queue, asks planFold, applies.
import { SEVERITY_RANK, type Severity } from '../../events/schema.ts';
import { mentionUnion, type MentionRequest } from '../../rules/mentions.ts';
import { PRIORITY, type Priority } from './priority.ts';

/** Kinds whose queued messages a storm folds into per-category digests (reports never are). */
export const FOLDABLE_KINDS = ['alert', 'task_result'] as const;

/** How many messages the limit lets out within the digest window, counting what is already used. */
export function foldCapacity(o: { limit: number; windowMs: number; digestWindowSeconds: number; used: number }): number {
  const windows = (o.digestWindowSeconds * 1000) / o.windowMs;
  return Math.max(1, Math.floor(o.limit * windows) - o.used);
}

/**
 * A fold is due when more events wait than the capacity. Events, not rows: an event's mention
 * follow-up is part of its message set, not another event.
 */
export function foldDue(queuedEvents: number, capacity: number): boolean {
  return queuedEvents > capacity;
}

/** When the worker last folded and how often it may fold while it cannot send. */
export interface FoldClock {
  now: number;
  lastFold: number;
  everyMs: number;
}

/**
 * Whether the worker folds the backlog now: while a fold is under way (it goes in chunks), right
 * before a send (the window has room), and every `everyMs` while the window is full — not on every
 * new event of a storm, when nothing could be sent anyway.
 */
export function foldTime(o: FoldClock & { folding: boolean; waitMs: number }): boolean {
  return o.folding || o.waitMs === 0 || o.now - o.lastFold >= o.everyMs;
}

/**
 * Whether a wake changes anything for a worker asleep because the window is full: only a raised
 * limit (the wait is 0 then), a fold coming due, or the clock stepping back (the queue must be
 * shifted before anything else).
 */
export function wakeMatters(o: FoldClock & { sleepingForLimiter: boolean; waitMs: number; clockStepped: boolean }): boolean {
  return !o.sleepingForLimiter || o.waitMs === 0 || o.now - o.lastFold >= o.everyMs || o.clockStepped;
}

/** How many events a digest lists. */
export const DIGEST_TOP_N = 10;

/** One event a digest carries, as it lists it. */
export interface DigestLine {
  eventId: number;
  title: string;
  severity: Severity;
  store: string | null;
  at: number;
}

/** An event folded into a digest: its line, its category, and whom it asked to mention. */
export interface FoldMember extends DigestLine {
  category: string;
  mention: MentionRequest;
}

/**
 * What a digest message is rendered from when it is sent, stored with the digest: the count, the
 * counts by severity, the earliest event, when it last grew and the events it lists. Folding
 * newcomers in costs what they cost, not what the digest already holds, so a long storm does not
 * re-read thousands of members.
 */
export interface DigestState {
  total: number;
  counts: Record<Severity, number>;
  since: number;
  /** When the digest last grew: the end of the time range it shows. */
  until: number;
  top: DigestLine[];
}

export type DigestReason = 'storm' | 'quiet_hours';

/** A category's digest still waiting to be sent at a priority, as a fold finds it. */
export interface WaitingDigest {
  id: number;
  mention: MentionRequest;
  state: DigestState;
}

/** One digest to write: a new one (`into` undefined) or the waiting one grown. */
export interface DigestWrite {
  into: number | undefined;
  category: string;
  priority: Priority;
  reason: DigestReason;
  /** Events folded in now, oldest first. */
  eventIds: number[];
  state: DigestState;
  severity: Severity;
  title: string;
  /** The union of every member's mention: sent once, in a follow-up after the digest. */
  mention: MentionRequest;
}

const byRank = (a: DigestLine, b: DigestLine) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.at - b.at || a.eventId - b.eventId;

const line = ({ eventId, title, severity, store, at }: DigestLine): DigestLine => ({ eventId, title, severity, store, at });

export const EMPTY_DIGEST: DigestState = { total: 0, counts: { critical: 0, warning: 0, info: 0 }, since: Infinity, until: 0, top: [] };

/** The digest grown by `members` at `now`. */
export function addToDigest(state: DigestState, members: readonly DigestLine[], now: number): DigestState {
  const counts = { ...state.counts };
  let since = state.since;
  for (const m of members) {
    counts[m.severity]++;
    if (m.at < since) since = m.at;
  }
  const top = [...state.top, ...[...members].sort(byRank).slice(0, DIGEST_TOP_N).map(line)].sort(byRank).slice(0, DIGEST_TOP_N);
  return { total: state.total + members.length, counts, since, until: now, top };
}

export function digestSeverity(state: DigestState): Severity {
  return state.counts.critical ? 'critical' : state.counts.warning ? 'warning' : 'info';
}

/** How a digest's stored title ends for its reason: a fold finds the waiting digest of its own reason by it. */
export function digestTitleEnd(reason: DigestReason): string {
  return ` (${reason === 'storm' ? 'digest' : 'quiet hours'})`;
}

export function digestTitle(state: DigestState, category: string, reason: DigestReason): string {
  return `${state.total} × ${category}${digestTitleEnd(reason)}`;
}

// The suffix: a re-split digest's part (policy/partTitle.ts) or its mention follow-up (worker.ts).
const DIGEST_TITLE = /^(\d+) × (\S+) \((digest|quiet hours)\)( · \d+\/\d+| · @)?$/;

/**
 * A stored digest title read back (the console shows it in the reader's language), with the part or
 * follow-up suffix it carries ('' for none); undefined for any other title.
 */
export function parseDigestTitle(title: string): { count: number; category: string; reason: DigestReason; suffix: string } | undefined {
  const m = DIGEST_TITLE.exec(title);
  return m ? { count: Number(m[1]), category: m[2]!, reason: m[3] === 'digest' ? 'storm' : 'quiet_hours', suffix: m[4] ?? '' } : undefined;
}

/** Members grouped by category, in first-seen order. */
export function byCategory<T extends { category: string }>(rows: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const r of rows) {
    const group = groups.get(r.category);
    if (group) group.push(r);
    else groups.set(r.category, [r]);
  }
  return groups;
}

/** Where the waiting digest of a category at a priority is looked up. */
export const waitingKey = (category: string, priority: Priority) => `${priority}\u0000${category}`;

/** The members folded into the category's waiting digest, or into a new one, at `now`. */
export function digestWrite(
  category: string,
  priority: Priority,
  reason: DigestReason,
  members: readonly FoldMember[],
  waiting: WaitingDigest | undefined,
  now: number,
): DigestWrite {
  const state = addToDigest(waiting?.state ?? EMPTY_DIGEST, members, now);
  return {
    into: waiting?.id,
    category,
    priority,
    reason,
    eventIds: [...new Set(members.map((m) => m.eventId))],
    state,
    severity: digestSeverity(state),
    title: digestTitle(state, category, reason),
    mention: mentionUnion([waiting?.mention ?? 'none', ...members.map((m) => m.mention)]),
  };
}

/**
 * A storm fold of the oldest queued alerts and task results (one member per event): per category,
 * into the digest still waiting, or a new one; a category with a single newcomer and no waiting
 * digest is left alone (a digest of one says less than the message). Critical members are given
 * only when critical events alone exceed what the window carries, and fold at the critical priority.
 */
export function planFold(input: { normal: readonly FoldMember[]; critical: readonly FoldMember[]; waiting: ReadonlyMap<string, WaitingDigest>; now: number }): DigestWrite[] {
  const writes: DigestWrite[] = [];
  for (const [priority, members] of [
    [PRIORITY.normal, input.normal],
    [PRIORITY.critical, input.critical],
  ] as const) {
    for (const [category, group] of byCategory(members)) {
      const waiting = input.waiting.get(waitingKey(category, priority));
      if (group.length < 2 && !waiting) continue;
      writes.push(digestWrite(category, priority, 'storm', group, waiting, input.now));
    }
  }
  return writes;
}

/** What the end of quiet hours does with one category's held events. */
export type ReleaseStep = { type: 'queue'; eventId: number } | ({ type: 'digest' } & DigestWrite);

/**
 * When quiet hours end, what they held goes out: one digest per category, or the event's own
 * message when its category held only this one (none other held, no quiet-hours digest waiting).
 * `alsoHeld` names the categories with held events beyond this chunk.
 */
export function planRelease(input: { held: readonly FoldMember[]; waiting: ReadonlyMap<string, WaitingDigest>; alsoHeld: ReadonlySet<string>; now: number }): ReleaseStep[] {
  const steps: ReleaseStep[] = [];
  for (const [category, group] of byCategory(input.held)) {
    const waiting = input.waiting.get(waitingKey(category, PRIORITY.normal));
    if (group.length === 1 && !waiting && !input.alsoHeld.has(category)) steps.push({ type: 'queue', eventId: group[0]!.eventId });
    else steps.push({ type: 'digest', ...digestWrite(category, PRIORITY.normal, 'quiet_hours', group, waiting, input.now) });
  }
  return steps;
}
