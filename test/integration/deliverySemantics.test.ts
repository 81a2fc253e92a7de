// Named regression tests for the defects of issue 11, one per defect, against the real engine
// (SQLite file, fake clock; the fake WeCom where messages are sent).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { getChannel, markChannelInvalid, saveConnectedChannel } from '../../db/queries/channel.ts';
import { listDeliveries } from '../../db/queries/deliveries.ts';
import { insertSilence } from '../../db/queries/silences.ts';
import { connectBot, sendTestNotification } from '../../server/channel/wecomChannel.ts';
import { digestBacklog, flushHeld, RELEASE_CHUNK } from '../../server/delivery/folds.ts';
import { enqueueMessage, enqueueMessages, recoverInterrupted } from '../../server/delivery/outbox.ts';
import { PRIORITY } from '../../server/delivery/policy/priority.ts';
import { resplit } from '../../server/delivery/policy/resplit.ts';
import { renderForSend, renderQueued } from '../../server/delivery/renderAtSend.ts';
import { currentRenderSettings } from '../../server/render/eventMessages.ts';
import {
  finishDigestEvents,
  getDelivery,
  getEvent,
  insertDelivery,
  pendingDigestSettlement,
  recentAttemptTimes,
  retryDelivery,
  saveDigestSettlement,
  setEventStatus,
  settleDigestChunk,
  updateDelivery,
} from '../../server/delivery/store.ts';
import { eventBuckets } from '../../db/queries/stats.ts';
import type { BuiltReport } from '../../server/reports/builders.ts';
import { gatherFigures } from '../../server/reports/reportData.ts';
import { enqueueReport } from '../../server/reports/runReport.ts';
import { snapshotPeriods } from '../../server/time/periods.ts';
import { createLogger } from '../../server/log.ts';
import type { RenderSettings } from '../../server/render/eventMessages.ts';
import { pruneOldRows } from '../../server/delivery/retention.ts';
import { createSecretBox } from '../../server/security/secretBox.ts';
import { swapInBackup } from '../../server/restore.ts';
import { createWecomClient } from '../../server/wecom/client.ts';
import { imageMessage, textMessage } from '../../server/wecom/messages.ts';
import type { FakeWecom } from '../fakeWecom.ts';
import { outcomes } from '../helpers/accounting.ts';
import { waitFor } from '../helpers/api.ts';
import { fakeClock, RIG_KEY, rigsClosedAfterEach, startEngineRig, startWorkerRig, type EngineRig, type WorkerRig } from '../helpers/engineRig.ts';

const rigs = rigsClosedAfterEach();
const DAY = 24 * 3600_000;
const engine = (): EngineRig => rigs.engine();

describe('dedupe and escalation (issue 11)', () => {
  it('escalation swallowed by dedupe: a critical repeat of a warning is its own critical message', () => {
    const rig = engine();
    const warning = rig.post({ severity: 'warning' });
    rig.clock.advance(1_000);
    const critical = rig.post({ severity: 'critical', mention: 'all' });
    expect(critical.status).toBe('queued');
    expect(getEvent(rig.db, critical.id)).toMatchObject({ duplicateOf: null, reason: null });
    expect(getEvent(rig.db, warning.id)?.repeatCount).toBe(1);
    const rows = listDeliveries(rig.db, { eventId: critical.id }, { limit: 10 });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.priority === 0 && r.severity === 'critical')).toBe(true);
  });

  it('escalation swallowed by dedupe: in quiet hours the critical escalation is queued, not held with the warning', () => {
    const rig = engine();
    rig.settings.setRules({ ...rig.settings.rules(), quietHours: { enabled: true, start: '00:00', end: '23:59', timeZone: 'UTC' } });
    expect(rig.post({ severity: 'warning' }).status).toBe('held');
    expect(rig.post({ severity: 'critical' }).status).toBe('queued');
  });

  it('a lower or equal severity is still a repeat, counted on the original', () => {
    const rig = engine();
    const critical = rig.post({ severity: 'critical' });
    const warning = rig.post({ severity: 'warning' });
    expect(getEvent(rig.db, warning.id)).toMatchObject({ status: 'suppressed', reason: 'duplicate', duplicateOf: critical.id });
  });

  it('dedupe matching dead originals: a repeat of a dead original is sent again', () => {
    const rig = engine();
    const first = rig.post({});
    setEventStatus(rig.db, [first.id], { status: 'dead', finishedAt: rig.clock.now() });
    rig.clock.advance(1_000);
    const again = rig.post({});
    expect(again.status).toBe('queued');
    expect(getEvent(rig.db, again.id)?.duplicateOf).toBeNull();
  });

  it('dedupe cost growing with repeats: the lookup walks the partial index of originals only', () => {
    const rig = engine();
    for (let i = 0; i < 50; i++) rig.post({});
    const plan = rig.db.$client
      .prepare(
        `EXPLAIN QUERY PLAN SELECT id, severity FROM events WHERE dedupe_key = ? AND received_at > ? AND received_at <= ? AND duplicate_of IS NULL AND status IN ('queued', 'held', 'sent', 'digested') AND severity IN (?, ?) ORDER BY received_at LIMIT 8`,
      )
      .all('k', 0, 1, 'warning', 'critical') as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toContain('events_dedupe_original_idx');
    // Repeats are not in it: the index holds the one original.
    const indexed = rig.db.$client
      .prepare(`SELECT count(*) AS n FROM events INDEXED BY events_dedupe_original_idx WHERE dedupe_key IS NOT NULL AND duplicate_of IS NULL AND status IN ('queued', 'held', 'sent', 'digested')`)
      .get() as { n: number };
    expect(indexed.n).toBe(1);
  });
});

describe('which originals the dedupe lookup finds', () => {
  it('many originals of a lower severity (dedupe turned on after a flood) do not hide the critical one: its repeat is counted, not sent again', () => {
    const rig = engine();
    rig.settings.setRules({ ...rig.settings.rules(), dedupeWindowMinutes: 0 });
    for (let i = 0; i < 12; i++) expect(rig.post({ severity: 'info' }).status).toBe('queued');
    rig.settings.setRules({ ...rig.settings.rules(), dedupeWindowMinutes: 10 });
    const critical = rig.post({ severity: 'critical', mention: 'all' });
    expect(critical.status).toBe('queued');
    rig.clock.advance(60_000);
    const again = rig.post({ severity: 'critical', mention: 'all' });
    expect(getEvent(rig.db, again.id)).toMatchObject({ status: 'suppressed', reason: 'duplicate', duplicateOf: critical.id });
    const warning = rig.post({ severity: 'warning' });
    expect(getEvent(rig.db, warning.id)).toMatchObject({ status: 'suppressed', duplicateOf: critical.id });
  });

  it('a window widened past many originals of a lower severity: the same', () => {
    const rig = engine();
    for (let i = 0; i < 10; i++) {
      expect(rig.post({ severity: 'info' }).status).toBe('queued');
      rig.clock.advance(11 * 60_000);
    }
    rig.settings.setRules({ ...rig.settings.rules(), dedupeWindowMinutes: 1440 });
    const critical = rig.post({ severity: 'critical' });
    rig.clock.advance(60_000);
    const again = rig.post({ severity: 'critical' });
    expect(getEvent(rig.db, again.id)).toMatchObject({ status: 'suppressed', reason: 'duplicate', duplicateOf: critical.id });
  });

  it('after the clock steps back, an original stamped later than now repeats nothing: the alert is sent, and its own repeats count on it', () => {
    const rig = engine();
    const t0 = rig.clock.now();
    rig.clock.set(t0 + 5 * 60 * 60_000);
    const ahead = rig.post({ severity: 'warning' });
    expect(ahead.status).toBe('queued');
    rig.clock.set(t0 + 30 * 60_000);
    const again = rig.post({ severity: 'warning' });
    expect(getEvent(rig.db, again.id)).toMatchObject({ status: 'queued', duplicateOf: null });
    rig.clock.advance(60_000);
    const third = rig.post({ severity: 'warning' });
    expect(getEvent(rig.db, third.id)).toMatchObject({ status: 'suppressed', duplicateOf: again.id });
  });
});

describe('the dedupe index of originals (issue 21)', () => {
  it('an event suppressed for anything but a repeat stores no key: a silenced flood stays out of the index its lookups walk', () => {
    const rig = engine();
    const now = rig.clock.now();
    insertSilence(rig.db, { category: 'inventory', title: 'SKU-7 库存告急', store: '杭州旗舰店', createdAt: now, until: now + 60_000 });
    const silenced = Array.from({ length: 5 }, () => rig.post({}));
    expect(silenced.map((a) => getEvent(rig.db, a.id))).toEqual(silenced.map(() => expect.objectContaining({ status: 'suppressed', reason: 'silenced', dedupeKey: null, duplicateOf: null })));
    rig.clock.advance(60_000);
    const original = rig.post({});
    const repeat = rig.post({});
    expect(original.status).toBe('queued');
    expect(getEvent(rig.db, original.id)?.dedupeKey).toBe(JSON.stringify(['inventory', 'SKU-7 库存告急', '杭州旗舰店']));
    // A repeat keeps the key it was matched under; the index holds the one original.
    expect(getEvent(rig.db, repeat.id)).toMatchObject({ reason: 'duplicate', duplicateOf: original.id, dedupeKey: getEvent(rig.db, original.id)?.dedupeKey });
    const indexed = rig.db.$client.prepare(`SELECT id FROM events INDEXED BY events_dedupe_original_idx WHERE dedupe_key IS NOT NULL AND duplicate_of IS NULL`).all();
    expect(indexed).toEqual([{ id: original.id }]);
  });

  it('names no column that changes after intake, so a fold, a send or a settlement writing the status leaves it alone', () => {
    const rig = engine();
    const { sql } = rig.db.$client.prepare(`SELECT sql FROM sqlite_master WHERE name = 'events_dedupe_original_idx'`).get() as { sql: string };
    expect(sql).toMatch(/"dedupe_key" IS NOT NULL AND "events"\."duplicate_of" IS NULL/);
    expect(sql).not.toMatch(/status|finished_at|digest_delivery_id|repeat_count/);
  });
});

const workerRig = (opts: { windowMs?: number; foldEveryMs?: number; settleChunk?: number; dir?: string } = {}): Promise<WorkerRig> => rigs.worker(opts);

const renderSettings = (rig: EngineRig): RenderSettings => ({ rules: rig.settings.rules(), delivery: rig.settings.delivery(), timeZone: 'Asia/Shanghai', templates: rig.settings.templates() });
const bodies = (fake: FakeWecom) => fake.receivedFor(RIG_KEY).map((m) => m.body);
const mentionsAll = (body: Record<string, unknown>) => JSON.stringify(body).includes('"mentioned_list":["@all"]');

describe('folds and mentions (issue 11)', () => {
  it('@all lost in critical fold: 3 critical @all alerts folded with 18 of 20 slots used ping @all once', async () => {
    const rig = await workerRig();
    for (let i = 0; i < 18; i++) rig.limiter.record(rig.clock.now());
    for (let i = 0; i < 3; i++) rig.post({ severity: 'critical', title: `till ${i} offline`, mention: 'all' });
    rig.worker.start();
    expect(await waitFor(() => bodies(rig.fake).filter(mentionsAll).length === 1 && rig.worker.idle(), 5_000)).toBe(true);
    const digests = listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 });
    expect(digests).toHaveLength(1);
    expect(digests[0]).toMatchObject({ status: 'sent', priority: 0 });
    expect(bodies(rig.fake)).toHaveLength(2);
  });

  it('digest mention follow-up linked to its digest: the mention row names the digest in merged_into', async () => {
    const rig = await workerRig();
    for (let i = 0; i < 18; i++) rig.limiter.record(rig.clock.now());
    for (let i = 0; i < 3; i++) rig.post({ severity: 'critical', title: `till ${i} offline`, mention: 'all' });
    rig.worker.start();
    expect(await waitFor(() => bodies(rig.fake).filter(mentionsAll).length === 1 && rig.worker.idle(), 5_000)).toBe(true);
    const [digest] = listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 });
    const [mention] = listDeliveries(rig.db, { kind: 'mention' }, { limit: 5 });
    expect(mention).toMatchObject({ status: 'sent', eventId: null, mergedInto: digest!.id });
  });

  it("a digest's mention follow-up speaks the notification language, not the digest's stored English title", async () => {
    const rig = await workerRig();
    rig.settings.setDelivery({ ...rig.settings.delivery(), language: 'zh' });
    for (let i = 0; i < 18; i++) rig.limiter.record(rig.clock.now());
    for (let i = 0; i < 3; i++) rig.post({ category: 'orders', severity: 'critical', title: `till ${i} offline`, mention: 'all' });
    rig.worker.start();
    expect(await waitFor(() => bodies(rig.fake).filter(mentionsAll).length === 1 && rig.worker.idle(), 5_000)).toBe(true);
    const [mention] = listDeliveries(rig.db, { kind: 'mention' }, { limit: 5 });
    const text = (JSON.parse(mention!.payload) as { text: { content: string } }).text.content;
    expect(text).toBe('↑ 3 条订单告警（见上方汇总）');
  });

  it('a digest names every target its members asked for: 25 alerts each mentioning its own manager, listed 20 to a message', async () => {
    const rig = await workerRig();
    for (let i = 0; i < 15; i++) rig.limiter.record(rig.clock.now());
    const managers = Array.from({ length: 25 }, (_, i) => `manager${i}`);
    for (const [i, m] of managers.entries()) rig.post({ title: `store ${i} till offline`, store: `store-${i}`, mention: [m] });
    rig.worker.start();
    const listed = () =>
      bodies(rig.fake).flatMap((b) => ((b as { text?: { mentioned_list?: string[] } }).text?.mentioned_list ?? []));
    rig.clock.advance(61_000);
    rig.worker.wake();
    expect(await waitFor(() => listed().length >= 25 && rig.worker.idle(), 5_000)).toBe(true);
    expect(listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 })).toHaveLength(1);
    expect([...listed()].sort()).toEqual([...managers].sort());
    const followUps = listDeliveries(rig.db, { kind: 'mention' }, { limit: 5 });
    expect(followUps.map((f) => (JSON.parse(f.payload) as { text: { mentioned_list: string[] } }).text.mentioned_list.length).sort()).toEqual([20, 5]);
  });

  it('a digest whose members ask for more than 100 people mentions @all once, which reaches every one of them', () => {
    const rig = engine();
    for (let i = 0; i < 150; i++) rig.post({ title: `store ${i} till offline`, store: `store-${i}`, mention: [`manager${i}`] });
    expect(digestBacklog(rig.db, currentRenderSettings(rig.settings, undefined), 5, rig.clock.now()).digests).toBe(1);
    const [digest] = listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 });
    expect(digest!.mentions).toBe('"all"');
  });

  it("an event's own 20 mentions and the critical rule's on-call target: all 21 named, the 21st in a follow-up text message", async () => {
    const rig = await workerRig();
    rig.settings.setRules({ ...rig.settings.rules(), criticalMention: { mode: 'list', targets: ['oncall'] } });
    rig.settings.setDelivery({ ...rig.settings.delivery(), format: 'text' });
    const own = Array.from({ length: 20 }, (_, i) => `user${i}`);
    const accepted = rig.post({ severity: 'critical', title: 'till 3 offline', mention: own });
    const [row] = listDeliveries(rig.db, { eventId: accepted.id }, { limit: 5 });
    expect(JSON.parse(row!.mentions!)).toEqual([...own, 'oncall']);
    rig.worker.start();
    expect(await waitFor(() => bodies(rig.fake).length === 2 && rig.worker.idle(), 5_000)).toBe(true);
    const lists = bodies(rig.fake).map((b) => (b as { text: { mentioned_list?: string[] } }).text.mentioned_list ?? []);
    expect(lists.map((l) => l.length)).toEqual([20, 1]);
    expect(lists.flat().sort()).toEqual([...own, 'oncall'].sort());
  });

  it('a digest grown late in an outage lives as long as its newest member: the alerts folded in last are not dead minutes after they came', async () => {
    const rig = await workerRig();
    rig.settings.setDelivery({ ...rig.settings.delivery(), maxAgeHours: 1 });
    rig.fake.setFailure('http500');
    for (let i = 0; i < 30; i++) rig.post({ title: `parcel ${i} late`, store: `store-${i}` });
    rig.worker.start();
    const digests = () => listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 });
    expect(await waitFor(() => digests().some((d) => d.attempts >= 1 && d.status === 'queued'), 5_000)).toBe(true);
    rig.clock.advance(59 * 60_000);
    const late = Array.from({ length: 30 }, (_, i) => rig.post({ title: `late parcel ${i}`, store: `store-${i}` }));
    rig.worker.wake();
    expect(await waitFor(() => getEvent(rig.db, late[0]!.id)?.status === 'digested', 5_000)).toBe(true);
    const tried = digests()[0]!.attempts;
    rig.clock.advance(2 * 60_000);
    rig.worker.wake();
    // Tried again two minutes on, 61 minutes after the digest was written: it fails and waits again.
    expect(await waitFor(() => digests()[0]!.attempts > tried && digests()[0]!.status !== 'sending', 5_000)).toBe(true);
    expect(digests()[0]).toMatchObject({ status: 'queued' });
    expect(getEvent(rig.db, late[0]!.id)!.status).toBe('digested');
    // Past the newest member's maximum age, the digest gives up as any message does.
    rig.clock.advance(60 * 60_000);
    rig.worker.wake();
    expect(await waitFor(() => digests()[0]!.status === 'dead', 5_000)).toBe(true);
  });

  it("folded alerts whose digest has not gone yet count as waiting, in the report's delivery health and the dashboard, until it is sent", () => {
    const rig = engine();
    for (let i = 0; i < 10; i++) rig.post({ title: `parcel ${i} late`, store: `store-${i}` });
    expect(digestBacklog(rig.db, currentRenderSettings(rig.settings, undefined), 5, rig.clock.now()).digests).toBe(1);
    const health = () => gatherFigures(rig.db, 'daily_summary', { ...snapshotPeriods(rig.clock.now() + 1000, 'Asia/Shanghai'), label: 'now' }).delivery;
    const buckets = () => Object.fromEntries(eventBuckets(rig.db, [rig.clock.now() - 60_000]).map((b) => [b.status, b.n]));
    expect(health()).toMatchObject({ digested: 0, pending: 10 });
    expect(buckets()).toEqual({ queued: 10 });
    const [digest] = listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 });
    updateDelivery(rig.db, digest!.id, { status: 'sent', sentAt: rig.clock.now() });
    settleDigestChunk(rig.db, { digestId: digest!.id, status: 'digested', at: rig.clock.now(), afterId: 0 }, 100);
    expect(health()).toMatchObject({ digested: 10, pending: 0 });
    expect(buckets()).toEqual({ digested: 10 });
  });

  it('fold counting delivery rows not events: 2 critical alerts with mention follow-ups fit 2 free slots, no fold', () => {
    const rig = engine();
    for (let i = 0; i < 2; i++) rig.post({ severity: 'critical', title: `till ${i} offline`, mention: 'all' });
    // One row per event until it is rendered at its send, into its message and the follow-up.
    const queued = listDeliveries(rig.db, { status: 'queued' }, { limit: 10 });
    expect(queued.map((d) => renderQueued(rig.db, renderSettings(rig), d)?.messages.length)).toEqual([2, 2]);
    expect(digestBacklog(rig.db, renderSettings(rig), 2, rig.clock.now()).digests).toBe(0);
  });

  it('task results never folded: a burst of failed task results is folded into a task digest', () => {
    const rig = engine();
    for (let i = 0; i < 30; i++) rig.post({ kind: 'task_result', category: 'task', title: `sync #${i}`, status: 'failed', task_name: `sync #${i}` });
    expect(digestBacklog(rig.db, renderSettings(rig), 5, rig.clock.now()).digests).toBe(1);
    expect(outcomes(rig.db).pending).toBe(30);
    expect(listDeliveries(rig.db, { status: 'queued' }, { limit: 10 }).map((d) => d.kind)).toEqual(['digest']);
  });
});

describe("a fold's cost is its chunk's, not the backlog's (issue 21)", () => {
  it('every statement a fold runs finds its rows by key: none walks the queued range of the status index', () => {
    const rig = engine();
    const prepared: string[] = [];
    const prepare = rig.db.$client.prepare.bind(rig.db.$client);
    vi.spyOn(rig.db.$client, 'prepare').mockImplementation((sql: string) => {
      prepared.push(sql);
      return prepare(sql);
    });
    for (let i = 0; i < 120; i++) rig.post({ category: i % 2 ? 'orders' : 'inventory', title: `SKU-${i} low`, ...(i % 40 ? {} : { severity: 'critical' }) });
    let chunks = 0;
    while (digestBacklog(rig.db, renderSettings(rig), 1, rig.clock.now(), 25).more) chunks++;
    expect(chunks).toBeGreaterThan(2);
    expect(outcomes(rig.db).pending).toBe(120);

    // The plan does not depend on the values: every parameter bound as null.
    const plan = (sql: string) =>
      (rig.db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array.from(sql.matchAll(/\?/g), () => null)) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
    const folding = prepared.filter((sql) => /\bdeliveries\b/.test(sql) && !/^\s*(INSERT|EXPLAIN)/.test(sql));
    const planOf = (re: RegExp) => {
      const sql = folding.find((s) => re.test(s));
      expect(sql, String(re)).toBeDefined();
      return plan(sql!);
    };
    // Before: each of these searched deliveries_queue_idx by status (and priority), row by row through
    // every queued message until the digest, the criticals or the chunk's members turned up.
    expect(planOf(/kind = 'digest' AND status = 'queued'/)).toMatch(/USING INDEX deliveries_waiting_digest_idx \(category=\? AND priority=\?\)/);
    expect(planOf(/severity = 'critical' LIMIT/)).toMatch(/USING COVERING INDEX deliveries_queued_critical_idx/);
    expect(planOf(/SET status = 'merged'/)).toMatch(/USING INDEX deliveries_event_idx \(event_id=\?\)/);
    // Counting every queued message may walk the range: each row counts, so it stops at its LIMIT.
    const everyRowCounts = (sql: string) => /WHERE status = 'queued' LIMIT \?/.test(sql);
    for (const sql of folding.filter((s) => !everyRowCounts(s))) expect(plan(sql), sql).not.toMatch(/deliveries_queue_idx \(status=\?\)/);
  });
});

describe('channel and limiter (issue 11)', () => {
  const OLD_KEY = 'a1b2c3d4-0000-4000-8000-000000000000';
  /** An alert goes out with the old key, answered 300 ms late; answers the rig once the send is on the wire. */
  async function sendingWithOldKey(oldBotKnown: boolean): Promise<WorkerRig> {
    const rig = await workerRig();
    if (oldBotKnown) rig.fake.addKey(OLD_KEY);
    rig.key.current = OLD_KEY;
    rig.fake.setFailure('slow', { delayMs: 300, times: 1 });
    rig.post({ title: 'sent during the replacement' });
    rig.worker.start();
    expect(await waitFor(() => rig.fake.inFlight() === 1, 3_000, 5)).toBe(true);
    return rig;
  }

  it('late 93000 for an old key does not invalidate the new channel', async () => {
    const rig = await sendingWithOldKey(false);
    rig.key.current = RIG_KEY;
    expect(await waitFor(() => bodies(rig.fake).length === 1, 5_000)).toBe(true);
    expect(getChannel(rig.db)?.status).toBe('connected');
    // Nor is it the new bot's last error: the console would show the old bot's 93000 against it.
    expect(getChannel(rig.db)).toMatchObject({ lastErrcode: null, lastFailure: null });
  });

  it("a late success for an old key does not mark the new channel connected: the new bot's own answer decides", async () => {
    const rig = await sendingWithOldKey(true);
    // Replaced, and the new bot refused at once (removed from the group).
    rig.key.current = RIG_KEY;
    markChannelInvalid(rig.db, { now: rig.clock.now(), errcode: 93000 });
    expect(await waitFor(() => rig.fake.inFlight() === 0 && listDeliveries(rig.db, {}, { limit: 1 })[0]?.status === 'sent', 5_000)).toBe(true);
    expect(getChannel(rig.db)?.status).toBe('invalid');
  });

  /**
   * Bot A connected; "Send test notification" is in flight (WeCom slow) when the admin replaces the
   * URL with bot B; `meanwhile` runs once B is connected, before the test's answer comes.
   */
  async function testInFlightWhileReplaced(rig: WorkerRig, meanwhile: () => void): Promise<void> {
    const NEW_KEY = '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
    const log = createLogger({ level: 'error', write: () => {} });
    // The rig's client gives up after 500 ms: this one waits for the slow answer.
    const wecom = createWecomClient({ origin: rig.fake.origin, timeoutMs: 10_000 });
    const deps = { db: rig.db, clock: rig.clock, wecom, secretBox: createSecretBox(randomBytes(32)), log, settings: rig.settings, limiter: rig.limiter, wakeWorker: () => {}, recordLater: rig.worker.recordLater };
    expect(await connectBot(deps, RIG_KEY, { ip: null })).toMatchObject({ ok: true });
    rig.fake.addKey(NEW_KEY);
    rig.fake.setFailure('slow', { delayMs: 600, times: 1 });
    const test = sendTestNotification(deps, { ip: null });
    expect(await waitFor(() => rig.fake.inFlight() === 1, 2_000, 5)).toBe(true);
    rig.clock.advance(1_000);
    expect(await connectBot(deps, NEW_KEY, { ip: null })).toMatchObject({ ok: true, replaced: true });
    meanwhile();
    expect(rig.fake.inFlight(), "the old bot's answer comes only after the new bot is connected").toBe(1);
    await test;
  }

  it("a test notification's late 93000 for a replaced URL is not recorded as the new bot's last error", async () => {
    const rig = await workerRig();
    // The old bot was removed in WeCom (why the admin replaced it): its test is answered 93000.
    await testInFlightWhileReplaced(rig, () => rig.fake.removeKey(RIG_KEY));
    const channel = getChannel(rig.db)!;
    expect(channel.status).toBe('connected');
    expect({ lastErrcode: channel.lastErrcode, lastFailure: channel.lastFailure }, "the new bot shows the old bot's 93000 as its last error").toEqual({ lastErrcode: null, lastFailure: null });
  });

  it("a test notification's late success for a replaced URL does not mark the new bot connected again after WeCom refused it", async () => {
    const rig = await workerRig();
    // The worker's first send with the new key was refused (93000): the new bot is invalid.
    await testInFlightWhileReplaced(rig, () => markChannelInvalid(rig.db, { now: rig.clock.now(), errcode: 93000 }));
    expect(getChannel(rig.db)?.status, 'a success for the replaced key marked the invalid new bot connected').toBe('invalid');
  });

  it('a message that waited past the maximum age for a new bot gets its full age with it: a first failure is retried, not fatal', async () => {
    const rig = await workerRig();
    rig.settings.setDelivery({ ...rig.settings.delivery(), maxAgeHours: 1 });
    rig.fake.setFailure('errcode', { errcode: 93000, times: 1 });
    rig.post({ title: 'waited for the new bot' });
    rig.worker.start();
    expect(await waitFor(() => getChannel(rig.db)?.status === 'invalid', 3_000)).toBe(true);
    // Two hours later the URL is replaced (connected anew); WeCom then fails once.
    rig.clock.advance(2 * 3600_000);
    const bot = getChannel(rig.db)!;
    saveConnectedChannel(rig.db, { keyCiphertext: bot.keyCiphertext, keyLast4: bot.keyLast4, now: rig.clock.now() });
    rig.fake.setFailure('http500', { times: 1 });
    rig.worker.wake();
    const row = () => listDeliveries(rig.db, {}, { limit: 1 })[0]!;
    expect(await waitFor(() => row().attempts === 2 && row().status !== 'sending', 3_000)).toBe(true);
    expect(row().status).toBe('queued');
    rig.clock.advance(60_000);
    rig.worker.wake();
    expect(await waitFor(() => row().status === 'sent', 3_000)).toBe(true);
  });

  it('a message that waited past the maximum age for a bot that came back (test notification ok) gets its full age with it: a first failure is retried, not fatal', async () => {
    const rig = await workerRig();
    const log = createLogger({ level: 'error', write: () => {} });
    const deps = { db: rig.db, clock: rig.clock, wecom: rig.wecom, secretBox: createSecretBox(randomBytes(32)), log, settings: rig.settings, limiter: rig.limiter, wakeWorker: () => rig.worker.wake(), recordLater: rig.worker.recordLater };
    expect(await connectBot(deps, RIG_KEY, { ip: null })).toMatchObject({ ok: true });
    rig.settings.setDelivery({ ...rig.settings.delivery(), maxAgeHours: 1 });
    // The bot is disabled in WeCom: the alert waits, the channel is invalid.
    rig.fake.setFailure('errcode', { errcode: 93004, times: 1 });
    rig.post({ title: 'waited for the bot' });
    rig.worker.start();
    expect(await waitFor(() => getChannel(rig.db)?.status === 'invalid', 3_000)).toBe(true);
    // Two hours later the bot is enabled again and a test notification goes through; WeCom then fails once.
    rig.clock.advance(2 * 3600_000);
    expect(await sendTestNotification(deps, { ip: null })).toEqual({ ok: true });
    rig.fake.setFailure('http500', { times: 1 });
    const row = () => listDeliveries(rig.db, { kind: 'alert' }, { limit: 1 })[0]!;
    expect(await waitFor(() => row().attempts === 2 && row().status !== 'sending', 3_000)).toBe(true);
    expect(row().status).toBe('queued');
    rig.clock.advance(60_000);
    rig.worker.wake();
    expect(await waitFor(() => row().status === 'sent', 3_000)).toBe(true);
  });

  it('stale connect/test message re-queued after crash: an interrupted test send fails instead', () => {
    const rig = engine();
    const now = rig.clock.now();
    const base = { createdAt: now, severity: 'info', priority: 0, status: 'sending' as const, msgtype: 'markdown', payload: '{}', bytes: 2, nextAttemptAt: now, queuedAt: now };
    const test = insertDelivery(rig.db, { ...base, kind: 'test', title: 'connect test' });
    const alert = insertDelivery(rig.db, { ...base, kind: 'alert', title: 'an alert' });
    expect(recoverInterrupted(rig.db, now)).toBe(2);
    expect(getDelivery(rig.db, test)).toMatchObject({ status: 'failed', failure: 'interrupted' });
    expect(getDelivery(rig.db, alert)?.status).toBe('queued');
  });

  it('restart forgetting a retried row\'s earlier calls: every attempt of a row sent in the window counts', () => {
    const rig = engine();
    const now = rig.clock.now();
    const row = { createdAt: now, severity: 'info', priority: 1, msgtype: 'markdown', payload: '{}', bytes: 2, nextAttemptAt: now, queuedAt: now, kind: 'alert', title: 'an alert' };
    // Refused with 93000, then sent after the URL was replaced: two calls, one last_attempt_at.
    insertDelivery(rig.db, { ...row, status: 'sent', attempts: 2, lastAttemptAt: now - 1_000 });
    insertDelivery(rig.db, { ...row, status: 'sent', attempts: 1, lastAttemptAt: now - 2_000 });
    insertDelivery(rig.db, { ...row, status: 'sent', attempts: 3, lastAttemptAt: now - 61_000 });
    expect(recentAttemptTimes(rig.db, now - 60_000).sort((a, b) => a - b)).toEqual([now - 2_000, now - 1_000, now - 1_000]);
  });

  it('connect/test sends ignoring the limiter: a full window refuses the connect without a call, a 45009 on test blocks a window', async () => {
    const rig = await workerRig();
    const log = createLogger({ level: 'error', write: () => {} });
    const deps = { db: rig.db, clock: rig.clock, wecom: rig.wecom, secretBox: createSecretBox(randomBytes(32)), log, settings: rig.settings, limiter: rig.limiter, wakeWorker: () => {}, recordLater: rig.worker.recordLater };
    for (let i = 0; i < 20; i++) rig.limiter.record(rig.clock.now());
    const refused = await connectBot(deps, RIG_KEY, { ip: null });
    expect(refused).toMatchObject({ ok: false, stage: 'rate_limited' });
    expect(rig.fake.receivedFor(RIG_KEY)).toHaveLength(0);
    rig.clock.advance(60_000);
    expect(await connectBot(deps, RIG_KEY, { ip: null })).toMatchObject({ ok: true });
    rig.fake.setFailure('errcode', { errcode: 45009, times: 1 });
    expect(await sendTestNotification(deps, { ip: null })).toMatchObject({ ok: false, reason: 'send' });
    expect(rig.limiter.waitMs(rig.clock.now())).toBe(60_000);
  });

  it('backward wall-clock step stalling the queue: a retry due in 1 s stays due in about 1 s after the clock steps back an hour', async () => {
    const rig = await workerRig();
    rig.fake.setFailure('http500', { times: 1 });
    rig.post({ title: 'retried across a clock step' });
    rig.worker.start();
    expect(await waitFor(() => listDeliveries(rig.db, {}, { limit: 1 })[0]?.attempts === 1 && listDeliveries(rig.db, {}, { limit: 1 })[0]?.status === 'queued', 3_000)).toBe(true);
    rig.clock.advance(-3600_000);
    rig.worker.wake();
    await new Promise((r) => setTimeout(r, 200));
    rig.clock.advance(2_000);
    rig.worker.wake();
    expect(await waitFor(() => bodies(rig.fake).length === 1, 3_000)).toBe(true);
  });

  it('a clock stepped back across a restart: a retry due in 1 s is due in about 1 s, not in an hour', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clock-restart-'));
    const clock = fakeClock();
    const before = await startWorkerRig({ dir, clock });
    before.fake.setFailure('http500', { times: 1 });
    before.post({ title: 'retried across a restart' });
    before.worker.start();
    const row = () => listDeliveries(before.db, {}, { limit: 1 })[0];
    const failedOnce = await waitFor(() => row()?.attempts === 1 && row()?.status === 'queued', 3_000);
    await before.close();
    expect(failedOnce).toBe(true);
    // The host comes back with its clock corrected an hour back.
    const after = await rigs.worker({ dir, clock: fakeClock(clock.now() - 3600_000) });
    rigs.track({ close: async () => rmSync(dir, { recursive: true, force: true }) });
    after.worker.start();
    await new Promise((r) => setTimeout(r, 100));
    after.clock.advance(61_000);
    after.worker.wake();
    expect(await waitFor(() => bodies(after.fake).length === 1, 3_000)).toBe(true);
  });

  it('a restore from the command line: the stopped appliance\'s calls are not in the restored send log, so the first window waits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-restore-'));
    rigs.track({ close: async () => rmSync(dir, { recursive: true, force: true }) });
    const clock = fakeClock();
    const before = await startWorkerRig({ dir, clock });
    const backup = join(dir, 'backup.db');
    before.db.$client.prepare('VACUUM INTO ?').run(backup);
    for (let i = 0; i < 20; i++) before.post({ title: `sent before the stop ${i}` });
    before.worker.start();
    const sentAll = await waitFor(() => bodies(before.fake).length === 20, 5_000);
    await before.close();
    expect(sentAll).toBe(true);

    // `npm run restore` 10 s later, and the appliance started again at once.
    clock.advance(10_000);
    swapInBackup(dir, 'notifier.db', backup, { now: clock.now(), actor: 'cli', file: 'backup.db', bytes: 1, ip: null });
    const after = await rigs.worker({ dir, clock });
    after.post({ title: 'after the restore' });
    after.worker.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(bodies(after.fake)).toHaveLength(0);
    clock.advance(60_000);
    after.worker.wake();
    expect(await waitFor(() => bodies(after.fake).length === 1, 3_000)).toBe(true);
  });

  it('storm fold stalled by a backward clock step: with the window full, a backlog is folded right after the clock steps back an hour', async () => {
    const rig = await workerRig();
    for (let i = 0; i < 20; i++) rig.limiter.record(rig.clock.now());
    rig.worker.start();
    await new Promise((r) => setTimeout(r, 50));
    rig.clock.advance(-3600_000);
    for (let i = 0; i < 30; i++) rig.post({ title: `till ${i} offline` });
    rig.worker.wake();
    expect(await waitFor(() => listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 }).length === 1, 2_000)).toBe(true);
  });

  it('wake during a full window: a storm is folded at the first wake once a fold is due, not at the end of the limiter nap', async () => {
    // The nap while the window is full is min(wait, foldEveryMs) of real time: 30 s here.
    const rig = await workerRig({ foldEveryMs: 30_000 });
    const digests = () => listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 });
    for (let i = 0; i < 20; i++) rig.limiter.record(rig.clock.now());
    rig.worker.start();
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 30; i++) rig.post({ title: `till ${i} offline` });
    rig.worker.wake();
    await new Promise((r) => setTimeout(r, 200));
    // Inside foldEveryMs a wake changes nothing: a storm is not folded on every event.
    expect(digests()).toHaveLength(0);
    rig.clock.advance(30_000);
    rig.worker.wake();
    expect(await waitFor(() => digests().length === 1, 2_000)).toBe(true);
  });
});

describe("an event's messages, and a report run's, reach the group in order", () => {
  const contentOf = (b: Record<string, unknown>) => JSON.stringify(b);
  const longReport = () => Array.from({ length: 100 }, (_, i) => `第${String(i).padStart(2, '0')}行库存告急库存告急库存告急`).join('\n').slice(0, 1990);

  /**
   * WeCom fails the first call (HTTP 500); while the fake clock stands still, the retry is not due
   * and nothing of the event goes ahead of it (one call in all); a minute on, everything goes.
   */
  async function firstSendFailsOnce(rig: WorkerRig): Promise<void> {
    rig.fake.setFailure('http500', { times: 1 });
    rig.worker.start();
    expect(await waitFor(() => rig.fake.calls.length >= 1, 2_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(rig.fake.calls).toHaveLength(1);
    rig.clock.advance(60_000);
    rig.worker.wake();
    expect(await waitFor(() => outcomes(rig.db).pending === 0 && rig.worker.idle(), 5_000)).toBe(true);
  }

  it("a critical alert's first message waiting for its retry (HTTP 500): its @all follow-up waits too, then goes after it", async () => {
    const rig = await rigs.worker();
    rig.post({ severity: 'critical', title: 'SKU-7 gone', summary: 'out of stock', mention: 'all' });
    await firstSendFailsOnce(rig);
    expect(rig.fake.receivedFor(RIG_KEY).map((m) => m.body.msgtype)).toEqual(['markdown', 'text']);
  });

  it("a long report's first part waiting for its retry: part 2 is not sent before it", async () => {
    const rig = await rigs.worker();
    rig.post({ kind: 'report', category: 'other', severity: 'info', title: 'Weekly', summary: longReport() });
    await firstSendFailsOnce(rig);
    const got = rig.fake.receivedFor(RIG_KEY).map((m) => contentOf(m.body));
    expect(got).toHaveLength(2);
    expect(got[0]).toMatch(/\(1\/2\)/);
    expect(got[1]).toMatch(/\(2\/2\)/);
  });

  it("a long report's first part re-split after a 40058: its parts go out where it stood, before part 2", async () => {
    const rig = await rigs.worker();
    rig.post({ kind: 'report', category: 'other', severity: 'info', title: 'Weekly', summary: longReport() });
    rig.fake.setFailure('errcode', { errcode: 40058, times: 1 });
    rig.worker.start();
    expect(await waitFor(() => outcomes(rig.db).pending === 0 && rig.worker.idle(), 5_000)).toBe(true);
    const got = rig.fake.receivedFor(RIG_KEY).map((m) => contentOf(m.body));
    // Part 1 (headed "**(1/2)** Weekly") in its pieces first, part 2 last.
    expect(got.length).toBeGreaterThan(2);
    expect(got[0]).toMatch(/\*\*\(1\/2\)\*\* Weekly/);
    expect(got.slice(0, -1).some((c) => /\*\*\(2\/2\)\*\* Weekly/.test(c))).toBe(false);
    expect(got.at(-1)).toMatch(/\*\*\(2\/2\)\*\* Weekly/);
  });

  it("a scheduled report's part 1 waiting for its retry (HTTP 500): part 2 and the chart wait too, then go after it", async () => {
    const rig = await rigs.worker();
    // What a report job's run queues (runReport.enqueueReport): its two parts, then its chart.
    const parts = ['**(1/2)** Daily summary · 2026-11-30\n> alerts by category …', '**(2/2)** Daily summary · 2026-11-30\n> delivery health …'];
    const report = { title: 'Daily summary · 2026-11-30', parts, messages: parts.map((content) => ({ msgtype: 'markdown', markdown: { content } })) } as unknown as BuiltReport;
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    enqueueReport(rig.db, report, rig.clock.now(), { ok: true, png, message: imageMessage(png), missingGlyphs: [] });
    await firstSendFailsOnce(rig);
    const got = rig.fake.receivedFor(RIG_KEY).map((m) => (m.body.msgtype === 'image' ? 'chart' : (m.body.markdown as { content: string }).content.slice(0, 9)));
    expect(got, 'the group read part 2/2 before part 1/2').toEqual(['**(1/2)**', '**(2/2)**', 'chart']);
  });
});

describe('re-split (issue 11)', () => {
  it('re-split text copying mentioned_list into every part: only the first part mentions', () => {
    const parts = resplit(textMessage('长'.repeat(680), { mentionedList: ['@all'], mentionedMobileList: ['13800000000'] }))!;
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.filter((p) => p.msgtype === 'text' && p.text.mentioned_list)).toHaveLength(1);
    expect(parts.filter((p) => p.msgtype === 'text' && p.text.mentioned_mobile_list)).toHaveLength(1);
  });

  it("a re-split digest's part 1 waiting for its retry (HTTP 500): part 2 waits too, then goes after it", async () => {
    const rig = await workerRig();
    rig.settings.setDelivery({ ...rig.settings.delivery(), format: 'text' });
    for (let i = 0; i < 12; i++) rig.post({ title: `${'库存告急'.repeat(40)} #${i}` });
    expect(digestBacklog(rig.db, renderSettings(rig), 1, rig.clock.now()).digests).toBe(1);
    // One call a window while the digest is refused as too long, so the test arms part 1's failure.
    rig.limiter.setLimit(1);
    rig.fake.setFailure('errcode', { errcode: 40058, times: 1 });
    rig.worker.start();
    const [digest] = listDeliveries(rig.db, { kind: 'digest' }, { limit: 1 });
    const parts = () => listDeliveries(rig.db, { kind: 'digest' }, { limit: 10 }).filter((d) => d.splitFrom === digest!.id);
    expect(await waitFor(() => parts().length > 1, 3_000)).toBe(true);
    rig.fake.setFailure('http500', { times: 1 });
    rig.limiter.setLimit(20);
    rig.worker.wake();
    expect(await waitFor(() => rig.fake.calls.length >= 2, 3_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(rig.fake.calls, 'part 2 went while part 1 waited for its retry').toHaveLength(2);
    rig.clock.advance(60_000);
    rig.worker.wake();
    expect(await waitFor(() => outcomes(rig.db).pending === 0 && rig.worker.idle(), 5_000)).toBe(true);
    const got = rig.fake.receivedFor(RIG_KEY).map((m) => (m.body.text as { content: string }).content);
    const order = parts()
      .sort((a, b) => a.id - b.id)
      .map((p) => got.findIndex((c) => c === (JSON.parse(p.payload) as { text: { content: string } }).text.content));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order.every((i) => i >= 0)).toBe(true);
  });

  it('re-split digest corruption after 40058: the parts settle the digest events, and the next fold writes a new digest', async () => {
    const rig = await workerRig();
    // Text digests are split at 70% of 2,048 bytes: this one is long enough to split.
    rig.settings.setDelivery({ ...rig.settings.delivery(), format: 'text' });
    const title = (i: number) => `${'库存告急'.repeat(40)} #${i}`;
    for (let i = 0; i < 12; i++) rig.post({ title: title(i) });
    expect(digestBacklog(rig.db, renderSettings(rig), 1, rig.clock.now()).digests).toBe(1);
    rig.fake.setFailure('errcode', { errcode: 40058, times: 1 });
    rig.worker.start();
    expect(await waitFor(() => outcomes(rig.db).pending === 0 && rig.worker.idle(), 5_000)).toBe(true);
    expect(outcomes(rig.db).digested).toBe(12);
    await rig.worker.stop();
    // A part is never taken as the waiting digest of a later fold.
    const [digest] = listDeliveries(rig.db, { kind: 'digest', status: 'merged' }, { limit: 1 });
    const partsBefore = listDeliveries(rig.db, { kind: 'digest' }, { limit: 10 }).filter((d) => d.splitFrom === digest!.id);
    expect(partsBefore.length).toBeGreaterThan(1);
    rig.db.$client.prepare(`UPDATE deliveries SET status = 'queued' WHERE split_from = ?`).run(digest!.id);
    for (let i = 12; i < 15; i++) rig.post({ title: title(i) });
    digestBacklog(rig.db, renderSettings(rig), 1, rig.clock.now());
    for (const part of partsBefore) expect(getDelivery(rig.db, part.id)?.payload).toBe(part.payload);
  });
});

describe('a large digest settled in chunks (issue 21)', () => {
  /** Members of the one digest, oldest first. */
  const members = (rig: EngineRig, digestId: number) =>
    rig.db.$client.prepare(`SELECT id, status, finished_at AS finishedAt FROM events WHERE digest_delivery_id = ? ORDER BY id`).all(digestId) as Array<{ id: number; status: string; finishedAt: number | null }>;

  function foldTen(rig: EngineRig): number {
    for (let i = 0; i < 10; i++) rig.post({ title: `parcel ${i} late` });
    expect(digestBacklog(rig.db, renderSettings(rig), 1, rig.clock.now()).digests).toBe(1);
    return listDeliveries(rig.db, { kind: 'digest' }, { limit: 1 })[0]!.id;
  }

  it('a sent digest of more members than a chunk settles them a chunk per transaction, each at the time it was sent', async () => {
    const rig = await workerRig({ settleChunk: 3 });
    const digestId = foldTen(rig);
    // Where each transaction left the settlement: its progress rows as written.
    rig.db.$client.exec(`CREATE TEMP TABLE progress (after_id INTEGER);
      CREATE TEMP TRIGGER progress_insert AFTER INSERT ON digest_settlements BEGIN INSERT INTO progress VALUES (new.after_id); END;
      CREATE TEMP TRIGGER progress_update AFTER UPDATE ON digest_settlements BEGIN INSERT INTO progress VALUES (new.after_id); END;`);
    rig.worker.start();
    expect(await waitFor(() => rig.worker.idle() && getDelivery(rig.db, digestId)?.status === 'sent', 5_000)).toBe(true);
    const sentAt = getDelivery(rig.db, digestId)!.sentAt;
    const ids = members(rig, digestId).map((m) => m.id);
    expect(rig.db.$client.prepare(`SELECT after_id FROM progress`).pluck().all()).toEqual([ids[2], ids[5], ids[8]]);
    expect(members(rig, digestId)).toEqual(ids.map((id) => ({ id, status: 'digested', finishedAt: sentAt })));
    expect(pendingDigestSettlement(rig.db)).toBeUndefined();
    expect(outcomes(rig.db)).toMatchObject({ digested: 10, pending: 0 });
  });

  it('a restart between chunks settles the rest: how far it got is a row, and the worker is not idle until it is through', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'notifier-settle-'));
    const first = startEngineRig({ dir });
    const digestId = foldTen(first);
    const sentAt = first.clock.now();
    updateDelivery(first.db, digestId, { status: 'sent', sentAt, lastAttemptAt: sentAt });
    // The send's own transaction settled the first chunk; then the process stopped.
    const settlement = { digestId, status: 'digested' as const, at: sentAt, afterId: 0 };
    const { lastId } = finishDigestEvents(first.db, settlement, 4);
    saveDigestSettlement(first.db, digestId, { ...settlement, afterId: lastId });
    await first.close();

    const rig = await workerRig({ dir, settleChunk: 4 });
    expect(rig.worker.idle()).toBe(false);
    expect(members(rig, digestId).filter((m) => m.finishedAt === null)).toHaveLength(6);
    rig.worker.start();
    expect(await waitFor(() => rig.worker.idle(), 5_000)).toBe(true);
    expect(members(rig, digestId).every((m) => m.status === 'digested' && m.finishedAt === sentAt)).toBe(true);
    expect(pendingDigestSettlement(rig.db)).toBeUndefined();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a dead digest sets its members dead a chunk at a time; retried by hand meanwhile, it is reopened whole and its settlement dropped', () => {
    const rig = engine();
    const digestId = foldTen(rig);
    const at = rig.clock.now();
    updateDelivery(rig.db, digestId, { status: 'dead', lastAttemptAt: at });
    const settlement = { digestId, status: 'dead' as const, at, afterId: 0 };
    const chunk = finishDigestEvents(rig.db, settlement, 4);
    expect(chunk.settled).toBe(4);
    saveDigestSettlement(rig.db, digestId, { ...settlement, afterId: chunk.lastId });
    expect(members(rig, digestId).map((m) => m.status)).toEqual([...Array(4).fill('dead'), ...Array(6).fill('digested')]);
    expect(members(rig, digestId)[3]).toMatchObject({ id: chunk.lastId, finishedAt: at });

    expect(retryDelivery(rig.db, digestId, rig.clock.now())).toBe(true);
    expect(pendingDigestSettlement(rig.db)).toBeUndefined();
    expect(members(rig, digestId).every((m) => m.status === 'digested' && m.finishedAt === null)).toBe(true);
    // Nothing left past the last member: a chunk settles none and keeps the cursor.
    expect(finishDigestEvents(rig.db, { ...settlement, afterId: members(rig, digestId).at(-1)!.id }, 4)).toEqual({ settled: 0, lastId: members(rig, digestId).at(-1)!.id });
  });

  it('a dead part of a re-split digest, retried by hand, reopens the members of the digest it came from (found by the model, seed 777)', () => {
    const rig = engine();
    const digestId = foldTen(rig);
    const root = getDelivery(rig.db, digestId)!;
    const now = rig.clock.now();
    // What a 40058 and then a 40008 on a part leave: the digest merged into its parts, one part dead, the members dead with it.
    updateDelivery(rig.db, digestId, { status: 'merged' });
    const [first, second] = enqueueMessages(rig.db, { kind: 'digest', category: root.category, severity: root.severity, priority: root.priority, eventId: null, splitFrom: digestId }, [textMessage('part 1'), textMessage('part 2')], (i, n) => `part ${i + 1}/${n}`, now);
    updateDelivery(rig.db, first!, { status: 'sent', sentAt: now });
    updateDelivery(rig.db, second!, { status: 'dead', lastAttemptAt: now });
    finishDigestEvents(rig.db, { digestId, status: 'dead', at: now, afterId: 0 }, 10);

    expect(retryDelivery(rig.db, second!, rig.clock.now())).toBe(true);
    expect(getDelivery(rig.db, second!)?.status).toBe('queued');
    expect(members(rig, digestId).every((m) => m.status === 'digested' && m.finishedAt === null)).toBe(true);
    expect(outcomes(rig.db)).toMatchObject({ dead: 0, pending: 10 });
  });

  it('a dead digest of more members than a chunk, retried by hand, is reopened a chunk per transaction and sent only once all are', async () => {
    const rig = await workerRig({ settleChunk: 3 });
    const digestId = foldTen(rig);
    const diedAt = rig.clock.now();
    updateDelivery(rig.db, digestId, { status: 'dead', lastAttemptAt: diedAt });
    finishDigestEvents(rig.db, { digestId, status: 'dead', at: diedAt, afterId: 0 }, 10);
    const ids = members(rig, digestId).map((m) => m.id);
    rig.db.$client.exec(`CREATE TEMP TABLE progress (after_id INTEGER);
      CREATE TEMP TRIGGER progress_insert AFTER INSERT ON digest_settlements BEGIN INSERT INTO progress VALUES (new.after_id); END;
      CREATE TEMP TRIGGER progress_update AFTER UPDATE ON digest_settlements BEGIN INSERT INTO progress VALUES (new.after_id); END;
      CREATE TEMP TABLE dead_when_sending (n INTEGER);
      CREATE TEMP TRIGGER sending AFTER UPDATE OF status ON deliveries WHEN new.status = 'sending' AND new.id = ${digestId}
        BEGIN INSERT INTO dead_when_sending SELECT count(*) FROM events WHERE digest_delivery_id = new.id AND status = 'dead'; END;`);

    rig.clock.advance(60_000);
    expect(retryDelivery(rig.db, digestId, rig.clock.now(), 3)).toBe(true);
    // The retry's own transaction reopens the first chunk; the rest is a row the worker goes on from.
    expect(members(rig, digestId).map((m) => m.status)).toEqual([...Array(3).fill('digested'), ...Array(7).fill('dead')]);
    expect(members(rig, digestId).slice(0, 3).every((m) => m.finishedAt === null)).toBe(true);
    expect(pendingDigestSettlement(rig.db)).toEqual({ digestId, status: 'reopened', at: rig.clock.now(), afterId: ids[2] });
    expect(rig.worker.idle()).toBe(false);

    rig.worker.start();
    expect(await waitFor(() => rig.worker.idle() && getDelivery(rig.db, digestId)?.status === 'sent', 5_000)).toBe(true);
    // Reopened chunk by chunk, then (sent) settled chunk by chunk.
    expect(rig.db.$client.prepare(`SELECT after_id FROM progress`).pluck().all()).toEqual([ids[2], ids[5], ids[8], ids[2], ids[5], ids[8]]);
    expect(rig.db.$client.prepare(`SELECT n FROM dead_when_sending`).pluck().all()).toEqual([0]);
    const sentAt = getDelivery(rig.db, digestId)!.sentAt;
    expect(members(rig, digestId)).toEqual(ids.map((id) => ({ id, status: 'digested', finishedAt: sentAt })));
    expect(pendingDigestSettlement(rig.db)).toBeUndefined();
    expect(outcomes(rig.db)).toMatchObject({ digested: 10, dead: 0, pending: 0 });
  });
});

describe('re-split parts and folds', () => {
  it('a re-split message half sent is not folded: its other parts go out, the event is not digested (found by the model, seed 1049192503)', () => {
    const rig = engine();
    const long = rig.post({ title: 'SKU-7 stock report', summary: '仓库A区货架缺货，'.repeat(200) });
    const [queued] = listDeliveries(rig.db, { eventId: long.id }, { limit: 5 });
    const root = renderForSend(rig.db, renderSettings(rig), queued!, rig.clock.now());
    const parts = resplit(JSON.parse(root!.payload))!;
    expect(parts.length).toBeGreaterThan(1);
    // What the worker does on a 40058: the original merged, its parts queued; the first went out.
    updateDelivery(rig.db, root!.id, { status: 'merged' });
    const now = rig.clock.now();
    const ids = enqueueMessages(rig.db, { kind: root!.kind, category: root!.category, severity: root!.severity, priority: root!.priority, eventId: long.id, splitFrom: root!.id }, parts, (i, n) => `part ${i + 1}/${n}`, now);
    updateDelivery(rig.db, ids[0]!, { status: 'sent', sentAt: now });
    for (let i = 0; i < 10; i++) rig.post({ title: `till ${i} offline` });
    expect(digestBacklog(rig.db, renderSettings(rig), 1, now).digests).toBe(1);
    expect(ids.slice(1).map((id) => getDelivery(rig.db, id)?.status)).toEqual(ids.slice(1).map(() => 'queued'));
    expect(getEvent(rig.db, long.id)?.status).toBe('queued');
  });
});

describe('retention and release (issue 11)', () => {
  it("a dead part of a re-split digest keeps the digest it came from: retried by hand after housekeeping, the members' @all still goes out", async () => {
    const rig = await workerRig();
    const t0 = rig.clock.now();
    for (let i = 0; i < 18; i++) rig.limiter.record(t0);
    const ids = Array.from({ length: 12 }, (_, i) => rig.post({ title: `${i} 号仓库存告急：`.padEnd(200, '库'), store: '店'.repeat(100), mention: i === 0 ? 'all' : undefined }).id);
    rig.fake.setFailure('errcode', { errcode: 40058, times: 1 });
    rig.worker.start();
    const parts = () => listDeliveries(rig.db, { kind: 'digest' }, { limit: 10 }).filter((d) => d.splitFrom !== null);
    expect(await waitFor(() => parts().some((p) => p.status === 'sent'), 5_000)).toBe(true);
    const digestId = parts()[0]!.splitFrom!;
    // The other part dies, now and when retried by hand a day and a half later.
    rig.fake.setFailure('errcode', { errcode: 40000 });
    rig.clock.advance(61_000);
    expect(await waitFor(() => getEvent(rig.db, ids[0]!)?.status === 'dead', 5_000)).toBe(true);
    const dead = parts().find((p) => p.status === 'dead')!;
    rig.clock.advance(1.5 * DAY);
    expect(retryDelivery(rig.db, dead.id, rig.clock.now())).toBe(true);
    rig.worker.wake();
    expect(await waitFor(() => getDelivery(rig.db, dead.id)?.status === 'dead' && getEvent(rig.db, ids[0]!)?.status === 'dead', 5_000)).toBe(true);
    // Housekeeping with a 1-day retention: the digest (written at t0) stays while its dead part may be retried.
    rig.clock.advance(0.7 * DAY);
    await pruneOldRows(rig.db, { now: rig.clock.now(), retentionDays: 1 });
    expect(getDelivery(rig.db, digestId)).toBeDefined();
    rig.fake.setFailure(null);
    expect(retryDelivery(rig.db, dead.id, rig.clock.now())).toBe(true);
    rig.worker.wake();
    expect(await waitFor(() => rig.fake.receivedFor(RIG_KEY).some((m) => mentionsAll(m.body)), 5_000)).toBe(true);
    expect(getEvent(rig.db, ids[0]!)).toMatchObject({ status: 'digested' });
  });

  it('retention pruning before the 7-day idempotency window: a replayed key still answers with its first event', async () => {
    const rig = engine();
    rig.settings.setGeneral({ ...rig.settings.general(), retentionDays: 1 });
    const first = rig.post({ idempotency_key: 'order-42' });
    setEventStatus(rig.db, [first.id], { status: 'sent', finishedAt: rig.clock.now() });
    rig.clock.advance(3 * 24 * 3600_000);
    await pruneOldRows(rig.db, { now: rig.clock.now(), retentionDays: 1 });
    expect(rig.post({ idempotency_key: 'order-42' })).toEqual({ id: first.id, status: 'sent', repeated: true });
    rig.clock.advance(5 * 24 * 3600_000);
    const pruned = await pruneOldRows(rig.db, { now: rig.clock.now(), retentionDays: 1 });
    expect(pruned.events).toBe(1);
  });

  it('digested events pruned while their digest waits: they stay until the digest is final', async () => {
    const rig = engine();
    for (let i = 0; i < 30; i++) rig.post({ title: `SKU-${i} low` });
    digestBacklog(rig.db, renderSettings(rig), 1, rig.clock.now());
    rig.clock.advance(30 * 24 * 3600_000);
    const pruned = await pruneOldRows(rig.db, { now: rig.clock.now(), retentionDays: 1 });
    expect(pruned.events).toBe(0);
    expect(outcomes(rig.db).pending).toBe(30);
  });

  it('an unfinished event\'s sent follow-up pruned: its messages stay together until the event is final (found by the model, seed 777)', async () => {
    const rig = engine();
    const event = rig.post({ mention: 'all' });
    renderForSend(rig.db, renderSettings(rig), listDeliveries(rig.db, { eventId: event.id }, { limit: 5 })[0]!, rig.clock.now());
    const [main, followUp] = listDeliveries(rig.db, { eventId: event.id }, { limit: 5 }).sort((a, b) => a.id - b.id);
    expect(followUp?.payload).toContain('@all');
    updateDelivery(rig.db, followUp!.id, { status: 'sent', sentAt: rig.clock.now() });
    rig.clock.advance(3 * 24 * 3600_000);
    expect((await pruneOldRows(rig.db, { now: rig.clock.now(), retentionDays: 1 })).deliveries).toBe(0);
    updateDelivery(rig.db, main!.id, { status: 'sent', sentAt: rig.clock.now() });
    setEventStatus(rig.db, [event.id], { status: 'sent', finishedAt: rig.clock.now() });
    expect((await pruneOldRows(rig.db, { now: rig.clock.now(), retentionDays: 1 })).deliveries).toBe(2);
  });

  it('a message created long ago but sent just now pruned: it stays, so a restart still counts its call (found by the model, seed 1745097103)', async () => {
    const rig = engine();
    const event = rig.post({ title: 'till 3 offline' });
    const [row] = listDeliveries(rig.db, { eventId: event.id }, { limit: 5 });
    rig.clock.advance(2 * 24 * 3600_000);
    const sentAt = rig.clock.now();
    updateDelivery(rig.db, row!.id, { status: 'sent', sentAt, lastAttemptAt: sentAt, attempts: 1 });
    setEventStatus(rig.db, [event.id], { status: 'sent', finishedAt: sentAt });
    expect((await pruneOldRows(rig.db, { now: sentAt, retentionDays: 1 })).deliveries).toBe(0);
    expect(recentAttemptTimes(rig.db, sentAt - 60_000)).toEqual([sentAt]);
    rig.clock.advance(24 * 3600_000 + 1);
    expect((await pruneOldRows(rig.db, { now: rig.clock.now(), retentionDays: 1 })).deliveries).toBe(1);
  });

  it("a digest's mention follow-up stays while its digest does, though a backward clock step made its times older (found by the model, seed 4242)", async () => {
    const rig = engine();
    for (let i = 0; i < 10; i++) rig.post({ title: `parcel ${i} late`, mention: i === 0 ? 'all' : undefined });
    expect(digestBacklog(rig.db, renderSettings(rig), 1, rig.clock.now()).digests).toBe(1);
    const digest = listDeliveries(rig.db, { kind: 'digest' }, { limit: 1 })[0]!;
    const day = 24 * 3600_000;
    rig.clock.advance(2 * day);
    // The digest went out and its follow-up was queued; the wall clock then stepped back 10 minutes
    // before the follow-up went out, so the follow-up reads as tried before its digest.
    const sentAt = rig.clock.now();
    updateDelivery(rig.db, digest.id, { status: 'sent', sentAt, lastAttemptAt: sentAt, attempts: 1 });
    finishDigestEvents(rig.db, { digestId: digest.id, status: 'digested', at: sentAt, afterId: 0 }, 100);
    const followUp = enqueueMessage(
      rig.db,
      { createdAt: sentAt - 600_000, kind: 'mention', category: digest.category, severity: digest.severity, priority: PRIORITY.critical, title: `${digest.title} · @`, queuedAt: sentAt - 600_000, nextAttemptAt: sentAt - 600_000, mergedInto: digest.id },
      textMessage(`↑ ${digest.title}`, { mentionedList: ['@all'] }),
    );
    updateDelivery(rig.db, followUp, { status: 'sent', sentAt: sentAt - 600_000, lastAttemptAt: sentAt - 600_000, attempts: 1 });

    // A day on, the cutoff falls between the two: the digest is kept (tried after it), and so is its follow-up.
    rig.clock.advance(day - 300_000);
    await pruneOldRows(rig.db, { now: rig.clock.now(), retentionDays: 1 });
    expect(getDelivery(rig.db, digest.id)?.status).toBe('sent');
    expect(getDelivery(rig.db, followUp)?.status).toBe('sent');
    // Once the digest goes, the follow-up follows it at the next run.
    rig.clock.advance(day);
    await pruneOldRows(rig.db, { now: rig.clock.now(), retentionDays: 1 });
    await pruneOldRows(rig.db, { now: rig.clock.now(), retentionDays: 1 });
    expect(getDelivery(rig.db, digest.id)).toBeUndefined();
    expect(getDelivery(rig.db, followUp)).toBeUndefined();
  });

  it('quiet-hours flushHeld in chunks: 600 held events are released a chunk at a time into one digest', () => {
    const rig = engine();
    const quiet = { enabled: true, start: '00:00', end: '23:59', timeZone: 'UTC' };
    rig.settings.setRules({ ...rig.settings.rules(), quietHours: quiet });
    for (let i = 0; i < 600; i++) rig.post({ title: `SKU-${i} low` });
    rig.settings.setRules({ ...rig.settings.rules(), quietHours: { ...quiet, enabled: false } });
    const s = renderSettings(rig);
    const chunks: Array<{ events: number; more: boolean }> = [];
    do chunks.push(flushHeld(rig.db, s, rig.clock.now()));
    while (chunks.at(-1)!.more && chunks.length < 100);
    expect(RELEASE_CHUNK).toBeLessThan(600);
    expect(chunks.filter((c) => c.events > 0)).toHaveLength(Math.ceil(600 / RELEASE_CHUNK));
    expect(chunks.every((c) => c.events <= RELEASE_CHUNK)).toBe(true);
    expect(chunks.reduce((n, c) => n + c.events, 0)).toBe(600);
    const digests = listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 });
    expect(digests).toHaveLength(1);
    expect(digests[0]!.title).toMatch(/^600 ×/);
  });

  it('a storm digest still waiting when quiet hours end (WeCom was down overnight): the 3 held alerts go out in a quiet-hours digest of their own, and the storm digest does not say all 33 were held during quiet hours', async () => {
    const rig = await rigs.worker();
    const quiet = { enabled: true, start: '00:00', end: '23:59', timeZone: 'UTC' };
    const content = (body: Record<string, unknown>) => (body as { markdown: { content: string } }).markdown.content;
    // 21:59 the evening before: a storm, folded into a digest that WeCom does not take (an outage).
    for (let i = 0; i < 30; i++) rig.post({ title: `SKU-${i} low stock`, store: `store-${i}` });
    expect(digestBacklog(rig.db, renderSettings(rig), 5, rig.clock.now()).digests).toBe(1);
    // Quiet hours: three alerts held; then they end and the outage is over.
    rig.settings.setRules({ ...rig.settings.rules(), quietHours: quiet });
    rig.clock.advance(3600_000);
    for (let i = 0; i < 3; i++) rig.post({ title: `night SKU-${i} low stock`, store: `store-${i}` });
    rig.clock.advance(8 * 3600_000);
    rig.settings.setRules({ ...rig.settings.rules(), quietHours: { ...quiet, enabled: false } });
    rig.worker.start();
    expect(await waitFor(() => rig.fake.receivedFor(RIG_KEY).length >= 1 && rig.worker.idle(), 5_000)).toBe(true);
    const got = rig.fake.receivedFor(RIG_KEY).map((m) => content(m.body).split('\n')[0]);
    expect(got, 'the storm digest was relabelled as held during quiet hours').toEqual([expect.stringMatching(/^### 30 inventory alerts in /), '### 3 inventory notifications held during quiet hours']);
  });
});
