// The pure policy core (server/delivery/policy): decisions over plain data, no database.
import { describe, expect, it } from 'vitest';
import { repeatOf } from '../../server/delivery/policy/dedupe.ts';
import { decideEvent, EVENT_RULES, type EventRule, type RuleContext } from '../../server/delivery/policy/eventRules.ts';
import { foldCapacity, foldDue } from '../../server/delivery/policy/fold.ts';
import { mentionRequest, mentionUnion } from '../../server/rules/mentions.ts';
import { backwardStepMs } from '../../server/delivery/policy/clockStep.ts';
import { pruneCutoffs, IDEMPOTENCY_WINDOW_MS } from '../../server/delivery/policy/retention.ts';
import { DEFAULT_RETRY } from '../../server/delivery/policy/retry.ts';
import { nextToSend } from '../../server/delivery/policy/sendOrder.ts';
import { sendOutcome, type OutcomeContext } from '../../server/delivery/policy/sendOutcome.ts';
import { eventSettlement, splitDigestSettlement } from '../../server/delivery/policy/settlement.ts';
import { DEFAULT_RULES } from '../../server/settings/settingsStore.ts';
import type { SendResult } from '../../server/wecom/client.ts';

const NOW = Date.UTC(2026, 10, 30, 4, 0);
const ctx = (over: Partial<RuleContext> = {}): RuleContext => ({ rules: DEFAULT_RULES, now: NOW, silences: [], dedupeCandidates: [], ...over });
const alert = { kind: 'alert' as const, category: 'inventory' as const, severity: 'warning' as const, title: 'SKU-7 low' };

describe('event rules', () => {
  it('stores metrics, suppresses by category and severity, holds in quiet hours, queues the rest', () => {
    expect(decideEvent({ ...alert, kind: 'metric' }, ctx())).toEqual({ status: 'stored' });
    expect(decideEvent(alert, ctx({ rules: { ...DEFAULT_RULES, categories: { ...DEFAULT_RULES.categories, inventory: false } } }))).toMatchObject({ reason: 'category_off' });
    expect(decideEvent(alert, ctx({ rules: { ...DEFAULT_RULES, minSeverity: 'critical' } }))).toMatchObject({ reason: 'below_min_severity' });
    const quiet = { ...DEFAULT_RULES, quietHours: { enabled: true, start: '00:00', end: '23:59', timeZone: 'UTC' } };
    expect(decideEvent(alert, ctx({ rules: quiet }))).toEqual({ status: 'held', reason: 'quiet_hours' });
    expect(decideEvent({ ...alert, severity: 'critical' }, ctx({ rules: quiet }))).toEqual({ status: 'queued' });
    expect(decideEvent(alert, ctx())).toEqual({ status: 'queued' });
  });

  it('a repeat needs an original of at least its severity', () => {
    expect(repeatOf('critical', [{ id: 1, severity: 'warning' }])).toBeUndefined();
    expect(repeatOf('warning', [{ id: 2, severity: 'critical' }, { id: 1, severity: 'warning' }])).toBe(1);
    expect(decideEvent(alert, ctx({ dedupeCandidates: [{ id: 7, severity: 'warning' }] }))).toEqual({ status: 'suppressed', reason: 'duplicate', duplicateOf: 7 });
  });

  it('takes one more rule as one more function', () => {
    const muteInventory: EventRule = (e) => (e.category === 'inventory' ? { status: 'suppressed', reason: 'muted' } : undefined);
    expect(decideEvent(alert, ctx(), [...EVENT_RULES.slice(0, 3), muteInventory, ...EVENT_RULES.slice(3)])).toEqual({ status: 'suppressed', reason: 'muted' });
  });

  it('a silence mutes its alert before dedupe; a report is never below the minimum severity', () => {
    const silence = { id: 1, category: 'inventory', title: 'SKU-7 low', store: '', until: NOW + 3600_000 };
    expect(decideEvent(alert, ctx({ silences: [silence], dedupeCandidates: [{ id: 7, severity: 'warning' }] }))).toEqual({ status: 'suppressed', reason: 'silenced' });
    expect(decideEvent(alert, ctx({ silences: [{ ...silence, until: NOW }] }))).toEqual({ status: 'queued' });
    expect(decideEvent({ ...alert, kind: 'report', severity: 'info' }, ctx({ rules: { ...DEFAULT_RULES, minSeverity: 'critical' } }))).toEqual({ status: 'queued' });
  });
});

describe('mentions', () => {
  it('adds the critical policy and unions a digest once, @all covering everyone', () => {
    const rules = { criticalMention: { mode: 'list' as const, targets: ['ops'] } };
    expect(mentionRequest({ severity: 'critical', mention: ['amy'] }, rules)).toEqual(['amy', 'ops']);
    expect(mentionRequest({ severity: 'warning', mention: 'none' }, rules)).toBe('none');
    expect(mentionUnion([['amy'], 'none', ['amy', 'bo']])).toEqual(['amy', 'bo']);
    expect(mentionUnion([['amy'], 'all'])).toBe('all');
    expect(mentionUnion(['none'])).toBe('none');
  });
});

describe('send outcome', () => {
  const row = { payload: JSON.stringify({ msgtype: 'markdown', markdown: { content: 'x'.repeat(5000) } }), splitFrom: null, attempts: 0, queuedAt: NOW };
  const oc: OutcomeContext = { now: NOW, windowMs: 60_000, maxAgeMs: 3600_000, retry: DEFAULT_RETRY, random: () => 0.5, sentWithKey: 'k1', currentKey: 'k1' };
  const fail = (failure: string): SendResult => ({ ok: false, failure, reason: 'errcode', errcode: 1, errmsg: null, httpStatus: 200, latencyMs: 1, explanation: {} }) as unknown as SendResult;

  it('maps every failure to one action', () => {
    expect(sendOutcome(row, { ok: true, errcode: 0, latencyMs: 1, httpStatus: 200 }, oc)).toEqual({ type: 'sent' });
    expect(sendOutcome(row, fail('rate_limited'), oc)).toEqual({ type: 'retry', at: NOW + 60_000, blockWindow: true });
    expect(sendOutcome(row, fail('invalid_channel'), oc)).toEqual({ type: 'pause', invalidate: true });
    expect(sendOutcome(row, fail('invalid_channel'), { ...oc, currentKey: 'k2' })).toEqual({ type: 'pause', invalidate: false });
    expect(sendOutcome(row, fail('too_long'), oc)).toMatchObject({ type: 'split' });
    expect(sendOutcome({ ...row, splitFrom: 3 }, fail('too_long'), oc)).toEqual({ type: 'dead' });
    expect(sendOutcome(row, fail('transient'), oc)).toEqual({ type: 'retry', at: NOW + 1_000 });
    expect(sendOutcome({ ...row, queuedAt: NOW - 3600_000 }, fail('transient'), oc)).toEqual({ type: 'dead' });
    expect(sendOutcome(row, fail('permanent'), oc)).toEqual({ type: 'dead' });
  });
});

describe('settlement, folds, retention, clock', () => {
  it('settles events and re-split digests from their messages', () => {
    expect(eventSettlement(['sent', 'queued'])).toBe('pending');
    expect(eventSettlement(['sent', 'dead'])).toBe('dead');
    expect(eventSettlement(['merged'])).toBeUndefined();
    expect(splitDigestSettlement(['sent', 'sent'])).toBe('sent');
    expect(splitDigestSettlement(['sent', 'dead'])).toBe('dead');
  });

  it('folds when more events wait than the window carries', () => {
    expect(foldCapacity({ limit: 20, windowMs: 60_000, digestWindowSeconds: 60, used: 18 })).toBe(2);
    expect(foldDue(2, 2)).toBe(false);
    expect(foldDue(3, 2)).toBe(true);
  });

  it('keeps events for the idempotency window whatever the retention', () => {
    expect(pruneCutoffs(NOW, 1)).toEqual({ rows: NOW - 24 * 3600_000, events: NOW - IDEMPOTENCY_WINDOW_MS });
    expect(pruneCutoffs(NOW, 90).events).toBe(NOW - 90 * 24 * 3600_000);
  });

  it('notices a backward clock step, not jitter', () => {
    expect(backwardStepMs(undefined, NOW)).toBe(0);
    expect(backwardStepMs(NOW, NOW - 500)).toBe(0);
    expect(backwardStepMs(NOW, NOW - 3600_000)).toBe(3600_000);
  });
});

describe('send order', () => {
  const row = (id: number, priority: number, nextAttemptAt = NOW) => ({ id, priority, nextAttemptAt });
  it("an event's next message goes before the first due of its priority or lower, never before a more urgent one", () => {
    expect(nextToSend(row(3, 1), row(9, 1), NOW)?.id).toBe(9);
    expect(nextToSend(row(3, 1), row(9, 0), NOW)?.id).toBe(9);
    expect(nextToSend(row(3, 0), row(9, 1), NOW)?.id).toBe(3);
    expect(nextToSend(undefined, row(9, 1), NOW)?.id).toBe(9);
  });

  it('a next message not due yet (in backoff) waits; with none, the first due goes', () => {
    expect(nextToSend(row(3, 1), row(9, 1, NOW + 1), NOW)?.id).toBe(3);
    expect(nextToSend(undefined, row(9, 1, NOW + 1), NOW)).toBeUndefined();
    expect(nextToSend(row(3, 1), undefined, NOW)?.id).toBe(3);
  });
});
