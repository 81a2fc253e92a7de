import type { Db } from '../../db/client.ts';
import { bumpRepeatCount } from '../../db/queries/events.ts';
import { listActiveSilences } from '../../db/queries/silences.ts';
import { findDedupeCandidates, findIdempotent, insertDeliveryFast, insertEventFast } from '../../db/queries/intake.ts';
import type { EventStatus } from '../../db/schema.ts';
import type { CalendarSource } from '../calendar/workdays.ts';
import type { Clock } from '../clock.ts';
import type { MetricPoint, MetricRuleEngine } from '../metricRules/engine.ts';
import { refreshDedupedDelivery } from '../delivery/outbox.ts';
import { dedupeKeyOf, type DedupeCandidate } from '../delivery/policy/dedupe.ts';
import { decideEvent } from '../delivery/policy/eventRules.ts';
import { IDEMPOTENCY_WINDOW_MS } from '../delivery/policy/retention.ts';
import { currentRenderSettings, renderEventForDelivery, type RenderedMessages, type RenderSettings } from '../render/eventMessages.ts';
import { noteJson } from '../render/templateChoice.ts';
import type { Rules, SettingsStore } from '../settings/settingsStore.ts';
import { utf8Bytes } from '../wecom/messages.ts';
import type { InboundEvent } from './schema.ts';

export interface IntakeDeps {
  db: Db;
  clock: Clock;
  settings: SettingsStore;
  /** PUBLIC_URL: messages link into the console's send log when set. */
  publicUrl?: string;
  /** Judges the metric points stored here; the alerts its rules raise commit with the points. */
  metricRules?: MetricRuleEngine;
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

export interface TaskResultObserver {
  observeTaskResults(results: TaskResultPing[], raise: (alerts: InboundEvent[]) => Accepted[]): void;
}

export interface IntakeMeta {
  /** `hook:<name>` for POST /api/v1/hooks/{name}; `console`: a sample sent from the Inbound API page. */
  source: 'api' | 'alertmanager' | 'console' | 'metric_rule' | 'heartbeat' | `hook:${string}`;
  tokenId: number | null;
}

export interface Accepted {
  id: number;
  status: EventStatus;
  /** True when an earlier event with the same idempotency_key answered instead. */
  repeated: boolean;
}

/** Live originals this event could repeat; none when it has no dedupe key or dedupe is off. */
function dedupeCandidates(db: Db, e: InboundEvent, rules: Rules, now: number): DedupeCandidate[] {
  const key = dedupeKeyOf(e);
  if (!key || rules.dedupeWindowMinutes <= 0) return [];
  return findDedupeCandidates(db, key, now - rules.dedupeWindowMinutes * 60_000);
}

function occurredAtMs(e: InboundEvent): number | null {
  if (!e.occurred_at) return null;
  const t = Date.parse(e.occurred_at);
  return Number.isNaN(t) ? null : t;
}

function enqueueEventMessages(db: Db, eventId: number, e: InboundEvent, { messages, template }: RenderedMessages, now: number): void {
  const note = noteJson(template);
  messages.forEach((message, i) => {
    const payload = JSON.stringify(message);
    insertDeliveryFast(db, {
      createdAt: now,
      kind: e.kind,
      category: e.category,
      severity: e.severity,
      priority: e.severity === 'critical' ? 0 : 1,
      status: 'queued',
      title: i === 0 ? e.title : `${e.title} · ${i + 1}/${messages.length}`,
      msgtype: message.msgtype,
      payload,
      bytes: utf8Bytes(payload),
      queuedAt: now,
      nextAttemptAt: now,
      eventId,
      template: note,
    });
  });
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
  const { db } = deps;
  const now = deps.clock.now();
  const s: RenderSettings = currentRenderSettings(deps.settings, deps.publicUrl);
  const silences = listActiveSilences(db, now);
  const calendar = deps.calendar?.calendar();
  const points: MetricPoint[] = [];
  const accepted = batch.map((e): Accepted => {
    if (e.idempotency_key) {
      const first = findIdempotent(db, e.idempotency_key, now - IDEMPOTENCY_WINDOW_MS);
      if (first) return { id: first.id, status: first.status, repeated: true };
    }
    const decision = decideEvent(e, { rules: s.rules, now, silences, calendar, dedupeCandidates: dedupeCandidates(db, e, s.rules, now) });
    const suppressed = decision.status === 'suppressed' ? decision : undefined;
    const id = insertEventFast(db, {
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
      dedupeKey: dedupeKeyOf(e),
      status: decision.status,
      reason: 'reason' in decision ? decision.reason : null,
      duplicateOf: suppressed?.duplicateOf ?? null,
      finishedAt: suppressed || decision.status === 'stored' ? now : null,
    });
    if (suppressed?.duplicateOf !== undefined) {
      refreshDedupedDelivery(db, suppressed.duplicateOf, bumpRepeatCount(db, suppressed.duplicateOf), s);
    }
    if (decision.status === 'queued') enqueueEventMessages(db, id, e, renderEventForDelivery(e, s, { receivedAt: now, eventId: id }), now);
    if (e.kind === 'metric') points.push({ name: e.name, store: e.store ?? '', at: occurredAtMs(e) ?? now, value: e.value, unit: e.unit ?? '' });
    return { id, status: decision.status, repeated: false };
  });
  // Rule alerts take this same path (their events carry no metric points, so this does not recur).
  if (points.length && deps.metricRules) deps.metricRules.observe(points, (alerts) => storeEvents(deps, alerts, METRIC_RULE_META));
  if (deps.heartbeats) {
    const pings = batch.flatMap((e, i): TaskResultPing[] =>
      e.kind === 'task_result' && !accepted[i]!.repeated ? [{ taskName: e.task_name, status: e.status, at: now, message: e.summary ?? e.title, eventId: accepted[i]!.id }] : [],
    );
    if (pings.length) deps.heartbeats.observeTaskResults(pings, (alerts) => storeEvents(deps, alerts, HEARTBEAT_META));
  }
  return accepted;
}

export const HEARTBEAT_META: IntakeMeta = { source: 'heartbeat', tokenId: null };

export const METRIC_RULE_META: IntakeMeta = { source: 'metric_rule', tokenId: null };
