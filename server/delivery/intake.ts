import type { Db } from '../../db/client.ts';
import { listActiveSilences } from '../../db/queries/silences.ts';
import type { Silence } from '../rules/silences.ts';
import type { EventStatus } from '../../db/schema.ts';
import type { CalendarSource, WorkdayCalendar } from '../calendar/workdays.ts';
import type { Clock } from '../clock.ts';
import { enqueueEventMessage } from './outbox.ts';
import { refreshRepeatCount } from './renderAtSend.ts';
import { currentRenderSettings, type RenderSettings } from '../render/eventMessages.ts';
import { intakeLookup, planIntake, type EventRef, type IntakeFacts } from './policy/intake.ts';
import { bumpRepeatCount, findDedupeCandidates, findIdempotent, insertEvent } from './store.ts';
import type { Rules, SettingsStore } from '../settings/settingsStore.ts';
import type { InboundEvent } from '../events/schema.ts';

/** A metric point the intake has just stored. */
export interface MetricPoint {
  name: string;
  /** '' for a point without a store. */
  store: string;
  at: number;
  value: number;
  unit: string;
}

/** Raises alert events through the intake and answers their event ids (in the caller's transaction). */
export type RaiseAlerts = (alerts: InboundEvent[]) => Array<{ id: number; status: string }>;

/** Judges the metric points a batch stored, inside its transaction (the metric rules). */
export interface MetricObserver {
  observe(points: MetricPoint[], raise: RaiseAlerts): void;
}

export interface IntakeDeps {
  db: Db;
  clock: Clock;
  settings: SettingsStore;
  /** PUBLIC_URL: messages link into the console's send log when set. */
  publicUrl?: string;
  /** Judges the metric points stored here; the alerts its rules raise commit with the points. */
  metricRules?: MetricObserver;
  /** China's workday calendar as it is now (quiet hours on non-workdays). */
  calendar?: CalendarSource;
  /** Heartbeat checks pinged by the task results stored here; the alerts they raise commit with them. */
  heartbeats?: TaskResultObserver;
}

/** A task result just stored, as a check-in for the heartbeat check named like its task. */
export interface TaskResultPing {
  taskName: string;
  status: 'succeeded' | 'failed' | 'partial';
  at: number;
  message?: string;
  eventId: number;
}

/** Heartbeat checks: pinged by the task results a batch stored, inside its transaction. */
export interface TaskResultObserver {
  observeTaskResults(results: TaskResultPing[], raise: RaiseAlerts): void;
}

export interface IntakeMeta {
  /** `hook:<name>` for POST /api/v1/hooks/{name}; `console`: a sample sent from the Inbound API page. */
  source: 'api' | 'alertmanager' | 'console' | 'metric_rule' | 'heartbeat' | `hook:${string}`;
  /** The sender's token (null inside the appliance): idempotency keys are each sender's own. */
  tokenId: number | null;
}

export interface Accepted {
  id: number;
  status: EventStatus;
  /** True when an earlier event with the same idempotency_key answered instead. */
  repeated: boolean;
}

function occurredAtMs(e: InboundEvent): number | null {
  if (!e.occurred_at) return null;
  const t = Date.parse(e.occurred_at);
  return Number.isNaN(t) ? null : t;
}

/**
 * Stores events and their outbox rows in one transaction: when this returns, every accepted event is
 * committed with its decision, so a 202 never promises what a crash could lose. Called inside an
 * open transaction, it is a savepoint: it stands or falls alone, and is durable once that
 * transaction commits.
 */
export function ingestEvents(deps: IntakeDeps, batch: InboundEvent[], meta: IntakeMeta): Accepted[] {
  return deps.db.$client.transaction(() => storeEvents(deps, batch, meta))();
}

/**
 * ingestEvents without a transaction of its own: the caller holds one and commits it (the group
 * commit, which stores many requests in one transaction and answers them after its commit).
 */
export function storeEvents(deps: IntakeDeps, batch: InboundEvent[], meta: IntakeMeta): Accepted[] {
  const [accepted] = storeRequests(deps, [{ events: batch, meta }]);
  return accepted!;
}

/**
 * Several requests' events in the caller's transaction, in order. Their metric points are judged
 * together once all are stored, so a rule's state per store is read and written once per batch,
 * not once per request.
 */
export function storeRequests(deps: IntakeDeps, requests: ReadonlyArray<{ events: InboundEvent[]; meta: IntakeMeta }>): Accepted[][] {
  const points: MetricPoint[] = [];
  // What every request of the batch reads alike is read once: the time, the rules, the silences, the calendar.
  const now = deps.clock.now();
  let render: RenderSettings | undefined;
  const renderSettings = () => (render ??= currentRenderSettings(deps.settings, deps.publicUrl));
  const batch: BatchContext = { now, rules: deps.settings.rules(), renderSettings, silences: listActiveSilences(deps.db, now), calendar: deps.calendar?.calendar() };
  const accepted = requests.map((r) => storeEventsOnly(deps, batch, r.events, r.meta, points));
  // Rule alerts take this same path (their events carry no metric points, so this does not recur).
  if (points.length && deps.metricRules) deps.metricRules.observe(points, (alerts) => storeEvents(deps, alerts, METRIC_RULE_META));
  if (deps.heartbeats) {
    const pings = requests.flatMap((r, i) => taskResultPings(r.events, accepted[i]!, now));
    if (pings.length) deps.heartbeats.observeTaskResults(pings, (alerts) => storeEvents(deps, alerts, HEARTBEAT_META));
  }
  return accepted;
}

interface BatchContext {
  now: number;
  rules: Rules;
  /** Read only when a repeat lands on a message already rendered (renderAtSend: refreshRepeatCount). */
  renderSettings: () => RenderSettings;
  silences: Silence[];
  calendar: WorkdayCalendar | undefined;
}

/** The task results just stored (not idempotent replays), as heartbeat check-ins. */
function taskResultPings(events: readonly InboundEvent[], accepted: readonly Accepted[], now: number): TaskResultPing[] {
  return events.flatMap((e, i): TaskResultPing[] =>
    e.kind === 'task_result' && !accepted[i]!.repeated ? [{ taskName: e.task_name, status: e.status, at: now, message: e.summary ?? e.title, eventId: accepted[i]!.id }] : [],
  );
}

/**
 * Stores the events and their messages as the core plans them (policy/intake: planIntake), and
 * collects their metric points into `points` for the rules.
 */
function storeEventsOnly(deps: IntakeDeps, { now, rules, renderSettings, silences, calendar }: BatchContext, batch: InboundEvent[], meta: IntakeMeta, points: MetricPoint[]): Accepted[] {
  const { db } = deps;
  const facts = batch.map((e): IntakeFacts => {
    const lookup = intakeLookup(e, rules, now);
    return {
      idempotent: lookup.idempotency && findIdempotent(db, lookup.idempotency.key, meta.tokenId, lookup.idempotency.since),
      dedupeCandidates: lookup.dedupe ? findDedupeCandidates(db, lookup.dedupe) : [],
    };
  });
  const plan = planIntake(batch, facts, { rules, now, silences, calendar });
  const accepted: Accepted[] = [];
  const idOf = (ref: EventRef) => ('id' in ref ? ref.id : accepted[ref.batchIndex]!.id);
  plan.forEach((fate, i) => {
    const e = batch[i]!;
    if (fate.type === 'replay') {
      accepted.push({ id: idOf(fate.of), status: fate.status, repeated: true });
      return;
    }
    const duplicateOf = fate.duplicateOf && idOf(fate.duplicateOf);
    const id = insertEvent(db, {
      receivedAt: now,
      source: meta.source,
      tokenId: meta.tokenId,
      kind: e.kind,
      category: e.category,
      severity: e.severity,
      title: e.title,
      store: e.store ?? null,
      occurredAt: occurredAtMs(e),
      payload: JSON.stringify(e),
      idempotencyKey: e.idempotency_key ?? null,
      dedupeKey: fate.dedupeKey,
      status: fate.status,
      reason: fate.reason,
      duplicateOf,
      finishedAt: fate.final ? now : null,
    });
    if (duplicateOf !== null) {
      bumpRepeatCount(db, duplicateOf);
      refreshRepeatCount(db, renderSettings, duplicateOf);
    }
    if (fate.messages) {
      enqueueEventMessage(db, { kind: e.kind, category: e.category, severity: e.severity, priority: fate.messages.priority, eventId: id, title: e.title, mention: fate.messages.mention }, now);
    }
    // A point is judged no later than it arrived: one stamped ahead (a sender's clock, local time
    // sent as Z) would otherwise make every real point after it look older, and be ignored.
    if (e.kind === 'metric') points.push({ name: e.name, store: e.store ?? '', at: Math.min(occurredAtMs(e) ?? now, now), value: e.value, unit: e.unit ?? '' });
    accepted.push({ id, status: fate.status, repeated: false });
  });
  return accepted;
}

export const METRIC_RULE_META: IntakeMeta = { source: 'metric_rule', tokenId: null };
export const HEARTBEAT_META: IntakeMeta = { source: 'heartbeat', tokenId: null };
