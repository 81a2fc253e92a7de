// The engine's plan functions driven directly over plain data: no SQLite, no HTTP, no clock but a
// number. A small in-memory engine applies each plan the way the shells do (intake, folds,
// releases, settlements, retention) and checks, after every step, the invariants the model-based
// test checks through the real engine (test/model). When the two disagree, a shell applies a plan
// wrongly. Thousands of random sequences run in seconds; replay one with PLANS_SEED.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIVE_ORIGINAL_STATUSES } from '../../server/delivery/policy/dedupe.ts';
import { digestTitleEnd, FOLDABLE_KINDS, foldDue, planFold, planRelease, waitingKey, type DigestReason, type DigestState, type DigestWrite, type FoldMember, type WaitingDigest } from '../../server/delivery/policy/fold.ts';
import { intakeLookup, planIntake, type EventRef, type IntakeFacts } from '../../server/delivery/policy/intake.ts';
import { PRIORITY, type Priority } from '../../server/delivery/policy/priority.ts';
import { nextToSend } from '../../server/delivery/policy/sendOrder.ts';
import { planRetention, pruneCutoffs, IDEMPOTENCY_WINDOW_MS, type PruneCandidate } from '../../server/delivery/policy/retention.ts';
import { DEFAULT_RETRY } from '../../server/delivery/policy/retry.ts';
import { planSettlement } from '../../server/delivery/policy/settlement.ts';
import { createRateLimiter, type RateLimiter } from '../../server/delivery/rateLimiter.ts';
import type { DeliveryStatus, EventStatus } from '../../db/schema.ts';
import { parseEvent, SEVERITY_RANK, type InboundEvent } from '../../server/events/schema.ts';
import { mentionRequest, type MentionRequest } from '../../server/rules/mentions.ts';
import { DEFAULT_RULES, type Rules } from '../../server/settings/settingsStore.ts';
import type { SendResult } from '../../server/wecom/client.ts';
import type { FailureClass } from '../../server/wecom/errcodes.ts';
import { textMessage } from '../../server/wecom/messages.ts';

const WINDOW_MS = 60_000;
const LIMIT = 5;
const KEY = 'key-current';
const RUNS = Number(process.env.PLANS_RUNS ?? 2_000);
const SEED = process.env.PLANS_SEED ? Number(process.env.PLANS_SEED) : undefined;
/** A message WeCom may call too long (re-split into two parts), and a short one. */
const LONG_PAYLOAD = JSON.stringify(textMessage('x'.repeat(3_000)));
const SHORT_PAYLOAD = JSON.stringify(textMessage('short'));

interface SimEvent {
  id: number;
  body: InboundEvent;
  receivedAt: number;
  status: EventStatus;
  duplicateOf: number | null;
  repeatCount: number;
  digestId: number | null;
  finishedAt: number | null;
  dedupeKey: string | null;
}

interface SimMessage {
  id: number;
  kind: string;
  category: string | null;
  severity: string;
  priority: Priority;
  status: DeliveryStatus;
  title: string;
  payload: string;
  eventId: number | null;
  splitFrom: number | null;
  mergedInto: number | null;
  /** Whom this message pings when sent (a follow-up's lists; a digest's follow-up). */
  pings: MentionRequest;
  /** A digest's stored state and mention union. */
  digest?: { state: DigestState; mention: MentionRequest };
  /** An event's message not rendered yet (renderAtSend): the mention decided at intake, and whether it renders long. */
  unrendered?: { mention: MentionRequest; long: boolean };
  attempts: number;
  queuedAt: number;
  nextAttemptAt: number;
  lastAttemptAt: number | null;
}

type Answer = 'ok' | '45009' | '93000' | '93000-old-key' | '40058' | 'transient' | 'dead';

type Step =
  | { type: 'post'; events: InboundEvent[] }
  | { type: 'advance'; ms: number }
  | { type: 'send'; answer: Answer }
  | { type: 'fold'; capacity: number }
  | { type: 'quiet'; on: boolean }
  | { type: 'dedupe'; minutes: number }
  | { type: 'prune'; days: number };

/** The engine's shells, over memory instead of SQLite. */
class PlanEngine {
  now = Date.UTC(2026, 11, 6, 8, 0);
  events = new Map<number, SimEvent>();
  messages = new Map<number, SimMessage>();
  rules: Rules = { ...DEFAULT_RULES, criticalMention: { mode: 'list', targets: ['ops'] }, dedupeWindowMinutes: 10 };
  limiter: RateLimiter = createRateLimiter({ limit: LIMIT, windowMs: WINDOW_MS });
  calls: number[] = [];
  last45009 = -Infinity;
  /** The event whose message went out last (the worker's send order). */
  lastEventId: number | null = null;
  violations: string[] = [];
  private nextEventId = 1;
  private nextMessageId = 1;

  private quiet(on: boolean) {
    this.rules = { ...this.rules, quietHours: { enabled: on, start: '00:00', end: '23:59', timeZone: 'UTC' } };
  }

  step(s: Step): void {
    switch (s.type) {
      case 'post':
        return this.post(s.events);
      case 'advance':
        this.now += s.ms;
        return;
      case 'send':
        return this.send(s.answer);
      case 'fold':
        return this.fold(s.capacity);
      case 'quiet':
        this.quiet(s.on);
        if (!s.on) this.release();
        return;
      case 'dedupe':
        this.rules = { ...this.rules, dedupeWindowMinutes: s.minutes };
        return;
      case 'prune':
        return this.prune(s.days);
    }
  }

  private addMessage(m: Omit<SimMessage, 'id' | 'attempts' | 'queuedAt' | 'nextAttemptAt' | 'lastAttemptAt' | 'status' | 'splitFrom' | 'mergedInto'> & Partial<SimMessage>): SimMessage {
    const row: SimMessage = { status: 'queued', splitFrom: null, mergedInto: null, attempts: 0, queuedAt: this.now, nextAttemptAt: this.now, lastAttemptAt: null, ...m, id: this.nextMessageId++ };
    this.messages.set(row.id, row);
    return row;
  }

  /** An event's message as intake queues it: one row, rendered when it is sent. */
  private enqueueEvent(e: SimEvent, priority: Priority, mention: MentionRequest): void {
    const long = (e.body.summary ?? '').length > 100;
    this.addMessage({ kind: e.body.kind, category: e.body.category, severity: e.body.severity, priority, eventId: e.id, pings: 'none', title: e.body.title, payload: '', unrendered: { mention, long } });
  }

  /** renderAtSend: the message, and behind it a follow-up carrying its mentions. */
  private render(row: SimMessage): void {
    const { mention, long } = row.unrendered!;
    row.unrendered = undefined;
    row.payload = long ? LONG_PAYLOAD : SHORT_PAYLOAD;
    if (mention !== 'none') this.addMessage({ kind: row.kind, category: row.category, severity: row.severity, priority: row.priority, eventId: row.eventId, title: `${row.title} · 2/2`, pings: mention, payload: SHORT_PAYLOAD });
  }

  post(batch: InboundEvent[]): void {
    const facts = batch.map((e): IntakeFacts => {
      const lookup = intakeLookup(e, this.rules, this.now);
      const idempotent = lookup.idempotency && [...this.events.values()].find((x) => x.body.idempotency_key === lookup.idempotency!.key && x.receivedAt > lookup.idempotency!.since);
      const live = new Set<string>(LIVE_ORIGINAL_STATUSES);
      const candidates = lookup.dedupe
        ? [...this.events.values()]
            .filter(
              (x) =>
                x.dedupeKey === lookup.dedupe!.key &&
                x.receivedAt > lookup.dedupe!.since &&
                x.receivedAt <= lookup.dedupe!.until &&
                lookup.dedupe!.severities.includes(x.body.severity) &&
                x.duplicateOf === null &&
                live.has(x.status),
            )
            .slice(0, 8)
            .map((x) => ({ id: x.id, severity: x.body.severity }))
        : [];
      return { idempotent: idempotent && { id: idempotent.id, status: idempotent.status }, dedupeCandidates: candidates };
    });
    const plan = planIntake(batch, facts, { rules: this.rules, now: this.now, silences: [] });
    const ids: number[] = [];
    const idOf = (ref: EventRef) => ('id' in ref ? ref.id : ids[ref.batchIndex]!);
    plan.forEach((fate, i) => {
      const body = batch[i]!;
      if (fate.type === 'replay') {
        ids.push(idOf(fate.of));
        return;
      }
      const duplicateOf = fate.duplicateOf && idOf(fate.duplicateOf);
      const e: SimEvent = { id: this.nextEventId++, body, receivedAt: this.now, status: fate.status, duplicateOf, repeatCount: 1, digestId: null, finishedAt: fate.final ? this.now : null, dedupeKey: fate.dedupeKey };
      this.events.set(e.id, e);
      ids.push(e.id);
      if (duplicateOf !== null) {
        const original = this.events.get(duplicateOf)!;
        original.repeatCount++;
        if (SEVERITY_RANK[original.body.severity] < SEVERITY_RANK[body.severity]) this.violations.push(`event ${e.id} (${body.severity}) counted as a repeat of ${original.id} (${original.body.severity})`);
        if (original.status === 'dead' || original.status === 'suppressed') this.violations.push(`event ${e.id} counted as a repeat of ${original.status} event ${original.id}`);
      }
      if (body.severity === 'critical' && fate.status === 'held') this.violations.push(`critical event ${e.id} held`);
      if (fate.messages) {
        if (body.severity === 'critical' && fate.messages.priority !== PRIORITY.critical) this.violations.push(`critical event ${e.id} queued at priority ${fate.messages.priority}`);
        this.enqueueEvent(e, fate.messages.priority, fate.messages.mention);
      }
    });
  }

  private waiting(category: string, priority: Priority, reason: DigestReason): WaitingDigest | undefined {
    const row = [...this.messages.values()].find(
      (m) => m.kind === 'digest' && m.status === 'queued' && m.category === category && m.priority === priority && m.splitFrom === null && m.title.endsWith(digestTitleEnd(reason)),
    );
    return row && { id: row.id, mention: row.digest!.mention, state: row.digest!.state };
  }

  private writeDigest(w: DigestWrite): void {
    let digest = w.into === undefined ? undefined : this.messages.get(w.into)!;
    if (!digest) {
      digest = this.addMessage({ kind: 'digest', category: w.category, severity: w.severity, priority: w.priority, title: w.title, payload: SHORT_PAYLOAD, eventId: null, pings: 'none' });
    }
    Object.assign(digest, { severity: w.severity, title: w.title, digest: { state: w.state, mention: w.mention } });
    for (const eventId of w.eventIds) {
      for (const m of this.messages.values()) if (m.eventId === eventId && m.status === 'queued') Object.assign(m, { status: 'merged', mergedInto: digest.id });
      Object.assign(this.events.get(eventId)!, { status: 'digested', digestId: digest.id, finishedAt: null });
    }
  }

  private member(e: SimEvent): FoldMember {
    return { eventId: e.id, category: e.body.category, title: e.body.title, severity: e.body.severity, store: e.body.store ?? null, at: e.receivedAt, mention: mentionRequest(e.body, this.rules) };
  }

  private queuedEvents(critical?: boolean): number {
    const keys = new Set<number>();
    for (const m of this.messages.values()) {
      if (m.status !== 'queued' || (critical !== undefined && (m.severity === 'critical') !== critical)) continue;
      keys.add(m.eventId ?? -m.id);
    }
    return keys.size;
  }

  private foldable(critical: boolean, limit: number): FoldMember[] {
    const kinds = new Set<string>(FOLDABLE_KINDS);
    const started = new Set([...this.messages.values()].filter((o) => o.status !== 'queued').map((o) => o.eventId));
    const rows = [...this.messages.values()]
      .filter((m) => m.status === 'queued' && m.priority === (critical ? 0 : 1) && kinds.has(m.kind) && (m.severity === 'critical') === critical && m.eventId !== null)
      .filter((m) => !started.has(m.eventId))
      .slice(0, limit);
    const seen = new Set<number>();
    return rows.filter((r) => !seen.has(r.eventId!) && !!seen.add(r.eventId!)).map((r) => this.member(this.events.get(r.eventId!)!));
  }

  fold(capacity: number): void {
    if (!foldDue(this.queuedEvents(), capacity)) return;
    const normal = this.foldable(false, 4);
    const critical = foldDue(this.queuedEvents(true), capacity) ? this.foldable(true, 4) : [];
    const waiting = new Map<string, WaitingDigest>();
    for (const [members, priority] of [
      [normal, PRIORITY.normal],
      [critical, PRIORITY.critical],
    ] as const) {
      for (const m of members) {
        const w = this.waiting(m.category, priority, 'storm');
        if (w) waiting.set(waitingKey(m.category, priority), w);
      }
    }
    for (const w of planFold({ normal, critical, waiting, now: this.now })) this.writeDigest(w);
  }

  release(): void {
    for (;;) {
      const held = [...this.events.values()].filter((e) => e.status === 'held');
      const chunk = held.slice(0, 3);
      if (!chunk.length) return;
      const members = chunk.map((e) => this.member(e));
      const alsoHeld = new Set(held.slice(3).map((e) => e.body.category));
      const waiting = new Map<string, WaitingDigest>();
      for (const m of members) {
        const w = this.waiting(m.category, PRIORITY.normal, 'quiet_hours');
        if (w) waiting.set(waitingKey(m.category, PRIORITY.normal), w);
      }
      for (const step of planRelease({ held: members, waiting, alsoHeld, now: this.now })) {
        if (step.type === 'digest') {
          this.writeDigest(step);
          continue;
        }
        const e = this.events.get(step.eventId)!;
        e.status = 'queued';
        this.enqueueEvent(e, PRIORITY.normal, mentionRequest(e.body, this.rules));
      }
    }
  }

  send(answer: Answer): void {
    if (this.limiter.waitMs(this.now) > 0) return;
    const queued = [...this.messages.values()].filter((m) => m.status === 'queued').sort((a, b) => a.priority - b.priority || a.id - b.id);
    const firstDue = queued.find((m) => m.nextAttemptAt <= this.now);
    const sameEvent = this.lastEventId === null ? undefined : queued.filter((m) => m.eventId === this.lastEventId).sort((a, b) => a.id - b.id)[0];
    const row = nextToSend(firstDue, sameEvent, this.now);
    if (!row) return;
    if (row.unrendered) this.render(row);
    this.lastEventId = row.eventId;
    if (this.now - this.last45009 < WINDOW_MS) this.violations.push(`a call ${this.now - this.last45009} ms after a 45009`);
    row.attempts++;
    row.lastAttemptAt = this.now;
    this.limiter.record(this.now);
    this.calls.push(this.now);
    const result: SendResult = answer === 'ok' ? { ok: true, errcode: 0, latencyMs: 1, httpStatus: 200 } : failure(answer);
    const digestId = row.kind === 'digest' ? (row.splitFrom ?? row.id) : undefined;
    const siblings = (pick: (m: SimMessage) => boolean) => [...this.messages.values()].filter((m) => m.id !== row.id && pick(m)).map((m) => m.status);
    const plan = planSettlement({
      row,
      result,
      ctx: { now: this.now, windowMs: WINDOW_MS, maxAgeMs: 48 * 3600_000, retry: DEFAULT_RETRY, random: () => 0.5, sentWithKey: answer === '93000-old-key' ? 'key-old' : KEY, currentKey: KEY },
      eventSiblings: row.eventId === null ? [] : siblings((m) => m.eventId === row.eventId),
      partSiblings: row.kind === 'digest' && row.splitFrom !== null ? siblings((m) => m.splitFrom === row.splitFrom) : [],
      digestMention: digestId === undefined ? 'none' : (this.messages.get(digestId)?.digest?.mention ?? 'none'),
    });
    if (answer === '93000-old-key' && plan.channel.invalidate) this.violations.push(`a 93000 for an old key invalidates the channel (message ${row.id})`);
    row.status = plan.status;
    if (plan.nextAttemptAt !== undefined) row.nextAttemptAt = plan.nextAttemptAt;
    // The channel's pause: the sim resumes at once (a new bot), as the model's rig does.
    if (plan.saturateLimiter) this.limiter.saturate(this.now);
    if (answer === '45009') this.last45009 = this.now;
    if (plan.parts) {
      plan.parts.messages.forEach((message, i) =>
        this.addMessage({
          kind: row.kind,
          category: row.category,
          severity: row.severity,
          priority: row.priority,
          eventId: row.eventId,
          splitFrom: row.id,
          title: plan.parts!.titles[i]!,
          payload: JSON.stringify(message),
          // A text message's mention lists go on its first part only.
          pings: i === 0 ? row.pings : 'none',
        }),
      );
    }
    if (plan.event) {
      const e = this.events.get(plan.event.id)!;
      Object.assign(e, { status: plan.event.status, finishedAt: this.now });
      const asked = mentionRequest(e.body, this.rules);
      const pinged = [...this.messages.values()].filter((m) => m.eventId === e.id && m.status === 'sent').map((m) => m.pings);
      if (plan.event.status === 'sent' && asked !== 'none' && !reaches(asked, pinged)) this.violations.push(`event ${e.id} sent; it asked for ${JSON.stringify(asked)}, its messages ping ${JSON.stringify(pinged)}`);
    }
    if (plan.digest) {
      const digest = this.messages.get(plan.digest.id)!;
      for (const e of this.events.values()) {
        if (e.digestId !== plan.digest.id) continue;
        Object.assign(e, { status: plan.digest.status, finishedAt: this.now });
        const asked = mentionRequest(e.body, this.rules);
        if (plan.digest.status === 'digested' && asked !== 'none' && !reaches(asked, [plan.digest.followUp])) {
          this.violations.push(`digest ${digest.id} sent; its follow-up pings ${JSON.stringify(plan.digest.followUp)}, event ${e.id} asked for ${JSON.stringify(asked)}`);
        }
      }
      if (plan.digest.followUp !== 'none') {
        this.addMessage({ kind: 'mention', category: digest.category, severity: digest.severity, priority: PRIORITY.critical, title: `${digest.title} · @`, payload: SHORT_PAYLOAD, eventId: null, mergedInto: digest.id, pings: plan.digest.followUp });
      }
    }
  }

  prune(days: number): void {
    const cutoffs = pruneCutoffs(this.now, days);
    const eventRows: PruneCandidate[] = [...this.events.values()].map((e) => ({ table: 'events', id: e.id, at: e.receivedAt, status: e.status, finishedAt: e.finishedAt }));
    for (const id of planRetention(eventRows, cutoffs)) {
      const e = this.events.get(id)!;
      if (e.finishedAt === null || this.now - e.receivedAt <= IDEMPOTENCY_WINDOW_MS) this.violations.push(`event ${id} (${e.status}) pruned before it was final and 7 days old`);
      this.events.delete(id);
    }
    const openParts = new Set(
      [...this.messages.values()]
        .filter((p) => p.status === 'queued' || p.status === 'sending' || (p.status === 'dead' && Math.max(p.queuedAt, p.lastAttemptAt ?? 0) >= cutoffs.rows))
        .map((p) => p.splitFrom),
    );
    const messageRows: PruneCandidate[] = [...this.messages.values()].map((m) => ({
      table: 'deliveries',
      id: m.id,
      at: m.queuedAt,
      status: m.status,
      lastAttemptAt: m.lastAttemptAt,
      partsOpen: openParts.has(m.id),
      eventOpen: m.eventId !== null && this.events.get(m.eventId)?.finishedAt === null,
      followsKept: m.kind === 'mention' && m.mergedInto !== null && this.messages.has(m.mergedInto),
    }));
    for (const id of planRetention(messageRows, cutoffs)) {
      const m = this.messages.get(id)!;
      if (m.status === 'queued' || m.status === 'sending') this.violations.push(`message ${id} pruned while ${m.status}`);
      this.messages.delete(id);
    }
  }

  /** The invariants that hold after every step (the model's `states`, `rate_limit`; mentions are checked as events settle). */
  check(): string[] {
    const out = [...this.violations];
    const byEvent = new Map<number, SimMessage[]>();
    for (const m of this.messages.values()) if (m.eventId !== null) byEvent.set(m.eventId, [...(byEvent.get(m.eventId) ?? []), m]);
    for (const e of this.events.values()) {
      const own = byEvent.get(e.id) ?? [];
      const pending = own.filter((m) => m.status === 'queued' || m.status === 'sending');
      if (['sent', 'dead', 'suppressed', 'stored'].includes(e.status) && e.finishedAt === null) out.push(`event ${e.id} is ${e.status} but not finished`);
      if ((e.status === 'sent' || e.status === 'dead') && pending.length) out.push(`event ${e.id} is ${e.status} while message ${pending[0]!.id} waits`);
      if (e.status === 'queued' && !pending.length) out.push(`event ${e.id} is queued with no message waiting`);
      if (e.status === 'digested') {
        const digest = e.digestId === null ? undefined : this.messages.get(e.digestId);
        if (e.finishedAt === null && digest && digest.status !== 'queued' && digest.status !== 'sending' && digest.status !== 'merged') out.push(`event ${e.id} waits for digest ${digest.id}, which is ${digest.status}`);
      }
    }
    let start = 0;
    for (let i = 0; i < this.calls.length; i++) {
      while (this.calls[i]! - this.calls[start]! >= WINDOW_MS) start++;
      if (i - start + 1 > LIMIT) out.push(`${i - start + 1} calls within ${WINDOW_MS} ms`);
    }
    return out;
  }

  /** Quiet hours over, WeCom healthy, time passing: everything ends. */
  drain(): string[] {
    this.quiet(false);
    this.release();
    for (let i = 0; i < 5_000; i++) {
      const queued = [...this.messages.values()].filter((m) => m.status === 'queued');
      if (!queued.length) break;
      // As the worker does: a fold right before a send.
      if (this.limiter.waitMs(this.now) === 0) {
        this.fold(LIMIT);
        this.send('ok');
      }
      this.now = Math.max(this.now + 1_000, this.now + this.limiter.waitMs(this.now), Math.min(...queued.map((m) => m.nextAttemptAt)));
    }
    return [...this.events.values()].filter((e) => e.finishedAt === null).map((e) => `event ${e.id} (${e.status}) never ended`);
  }
}

const FAILURES: Record<Exclude<Answer, 'ok'>, { errcode: number; failure: FailureClass }> = {
  '45009': { errcode: 45009, failure: 'rate_limited' },
  '93000': { errcode: 93000, failure: 'invalid_channel' },
  '93000-old-key': { errcode: 93000, failure: 'invalid_channel' },
  '40058': { errcode: 40058, failure: 'too_long' },
  transient: { errcode: -1, failure: 'transient' },
  dead: { errcode: 40008, failure: 'permanent' },
};

function failure(answer: Exclude<Answer, 'ok'>): SendResult {
  return { ok: false, ...FAILURES[answer], reason: 'errcode', errmsg: answer, httpStatus: 200, latencyMs: 1, explanation: { en: answer, zh: answer } };
}

/** Whether `asked` is pinged by one of the messages (all covers everyone). */
function reaches(asked: MentionRequest, pinged: readonly MentionRequest[]): boolean {
  if (pinged.includes('all')) return true;
  if (asked === 'all') return false;
  const got = new Set(pinged.flatMap((p) => (Array.isArray(p) ? p : [])));
  return (asked as string[]).every((t) => got.has(t));
}

const eventArb: fc.Arbitrary<InboundEvent> = fc
  .record({
    kind: fc.constantFrom('alert', 'alert', 'task_result', 'report', 'metric'),
    category: fc.constantFrom('orders', 'inventory'),
    severity: fc.constantFrom('info', 'warning', 'critical'),
    title: fc.constantFrom('SKU-1 low', 'Refunds up'),
    store: fc.constantFrom(undefined, 'Shop A'),
    mention: fc.constantFrom('none', 'all', ['amy']),
    idempotency_key: fc.constantFrom(undefined, undefined, 'k1', 'k2'),
    long: fc.boolean(),
  })
  .map(({ long, ...r }) => {
    const body =
      r.kind === 'task_result'
        ? { ...r, status: r.severity === 'info' ? 'succeeded' : 'failed', task_name: r.title }
        : r.kind === 'metric'
          ? { ...r, name: 'orders', value: 3 }
          : r;
    const parsed = parseEvent({ ...body, summary: long ? 'y'.repeat(200) : 'short' });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    return parsed.event;
  });

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.array(eventArb, { minLength: 1, maxLength: 5 }).map((events): Step => ({ type: 'post', events })) },
  { weight: 2, arbitrary: fc.constantFrom(1_000, 20_000, 61_000, 3_600_000, 3 * 86_400_000, 8 * 86_400_000).map((ms): Step => ({ type: 'advance', ms })) },
  { weight: 5, arbitrary: fc.constantFrom<Answer>('ok', 'ok', 'ok', '45009', '93000', '93000-old-key', '40058', 'transient', 'dead').map((answer): Step => ({ type: 'send', answer })) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 4 }).map((capacity): Step => ({ type: 'fold', capacity })) },
  { weight: 1, arbitrary: fc.boolean().map((on): Step => ({ type: 'quiet', on })) },
  { weight: 1, arbitrary: fc.constantFrom(0, 10).map((minutes): Step => ({ type: 'dedupe', minutes })) },
  { weight: 1, arbitrary: fc.constantFrom(1, 3, 8).map((days): Step => ({ type: 'prune', days })) },
);

describe('delivery plans (the pure core, driven without SQLite)', () => {
  it(`keeps the engine's promises over ${RUNS} random sequences: states, escalation, mentions, rate, retention, and every event ends`, () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 30 }), (steps) => {
        const engine = new PlanEngine();
        for (const [i, s] of steps.entries()) {
          engine.step(s);
          const found = engine.check();
          if (found.length) throw new Error(`after step ${i} (${s.type}): ${found.join('; ')}`);
        }
        const unended = engine.drain();
        const found = [...engine.check(), ...unended];
        if (found.length) throw new Error(`after the drain: ${found.join('; ')}`);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('a repeat of an earlier event of the same batch is counted on it; a higher severity is its own original', () => {
    const engine = new PlanEngine();
    const alert = (severity: string) => {
      const r = parseEvent({ kind: 'alert', category: 'orders', severity, title: 'Refunds up' });
      if (!r.ok) throw new Error('bad event');
      return r.event;
    };
    engine.post([alert('warning'), alert('warning'), alert('critical'), alert('info')]);
    const [first, repeat, critical, lower] = [...engine.events.values()];
    expect(repeat).toMatchObject({ status: 'suppressed', duplicateOf: first!.id });
    expect(first!.repeatCount).toBe(3);
    expect(critical).toMatchObject({ status: 'queued', duplicateOf: null });
    expect(lower).toMatchObject({ status: 'suppressed', duplicateOf: first!.id });
  });
});
