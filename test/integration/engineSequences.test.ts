// The delivery engine's promises through sequences the model does not generate (real engine, SQLite
// file, fake clock, the fake WeCom on 127.0.0.1): a bot replaced under a waiting digest, a restart with
// a digest waiting for its retry, settings switched mid-storm, an escalation of a folded alert.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getChannel, saveConnectedChannel } from '../../db/queries/channel.ts';
import { listDeliveries } from '../../db/queries/deliveries.ts';
import { getEvent, retryDelivery } from '../../server/delivery/store.ts';
import type { FakeWecom } from '../fakeWecom.ts';
import { waitFor } from '../helpers/api.ts';
import { fakeClock, RIG_KEY, rigsClosedAfterEach, type WorkerRig } from '../helpers/engineRig.ts';

const rigs = rigsClosedAfterEach();
const workerRig = (opts: Parameters<typeof rigs.worker>[0] = {}): Promise<WorkerRig> => rigs.worker(opts);
const bodies = (fake: FakeWecom, key = RIG_KEY) => fake.receivedFor(key).map((m) => m.body);
const mentionsAll = (body: Record<string, unknown>) => JSON.stringify(body).includes('"@all"');
const NEW_KEY = '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const dump = (rig: WorkerRig) =>
  JSON.stringify(listDeliveries(rig.db, {}, { limit: 80 }).map((d) => ({ id: d.id, kind: d.kind, status: d.status, title: d.title.slice(0, 40), errcode: d.errcode, att: d.attempts, at: d.lastAttemptAt, mi: d.mergedInto, sf: d.splitFrom })));

async function drain(rig: WorkerRig, rounds = 4) {
  for (let i = 0; i < rounds; i++) {
    await waitFor(() => rig.worker.idle(), 1_500);
    rig.clock.advance(61_000);
    rig.worker.wake();
  }
  return waitFor(() => rig.worker.idle(), 3_000);
}

describe('93000 while a digest with @all waits, then Replace URL', () => {
  it('the digest and one @all reach the new bot; every member ends digested', async () => {
    const rig = await workerRig();
    for (let i = 0; i < 17; i++) rig.limiter.record(rig.clock.now());
    const ids = Array.from({ length: 6 }, (_, i) => rig.post({ severity: 'critical', title: `till ${i} offline`, store: `store-${i}`, mention: 'all' }).id);
    rig.fake.removeKey(RIG_KEY);
    rig.worker.start();
    expect(await waitFor(() => getChannel(rig.db)?.status === 'invalid', 5_000)).toBe(true);
    rig.clock.advance(5_000);
    rig.fake.addKey(NEW_KEY);
    rig.key.current = NEW_KEY;
    saveConnectedChannel(rig.db, { keyCiphertext: 'sealed2', keyLast4: NEW_KEY.slice(-4), now: rig.clock.now() });
    rig.worker.wake();
    await drain(rig);
    expect(ids.map((id) => getEvent(rig.db, id)?.status), dump(rig)).toEqual(ids.map(() => 'digested'));
    expect(bodies(rig.fake, NEW_KEY).filter(mentionsAll), dump(rig)).toHaveLength(1);
  });
});

describe('restart with a rendered digest waiting for its retry, language switched', () => {
  it('after the restart the digest goes out once and @all once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'r4eng-'));
    const clock = fakeClock();
    const rig = await startRigTracked({ dir, clock });
    for (let i = 0; i < 17; i++) rig.limiter.record(rig.clock.now());
    const ids = Array.from({ length: 6 }, (_, i) => rig.post({ severity: 'critical', title: `till ${i} offline`, store: `store-${i}`, mention: 'all' }).id);
    rig.fake.setFailure('http500', { times: 1 });
    rig.worker.start();
    expect(await waitFor(() => listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 }).some((d) => d.attempts === 1 && d.status === 'queued'), 5_000)).toBe(true);
    rig.settings.setDelivery({ ...rig.settings.delivery(), language: 'zh', format: 'text' });
    await rig.close();
    clock.advance(61_000);
    const again = await startRigTracked({ dir, clock });
    again.worker.start();
    await drain(again);
    expect(ids.map((id) => getEvent(again.db, id)?.status), dump(again)).toEqual(ids.map(() => 'digested'));
    expect(bodies(again.fake).filter(mentionsAll), dump(again)).toHaveLength(1);
  });
});

async function startRigTracked(opts: { dir: string; clock: ReturnType<typeof fakeClock> }) {
  const { startWorkerRig } = await import('../helpers/engineRig.ts');
  return startWorkerRig(opts);
}

describe('the send log is true', () => {
  it('every sent row holds byte for byte what the fake WeCom received, through a storm with a format and language switch', async () => {
    const rig = await workerRig();
    for (let i = 0; i < 10; i++) rig.post({ severity: i % 3 === 0 ? 'critical' : 'warning', category: i % 2 ? 'orders' : 'inventory', title: `t${i}`, store: `s${i}`, mention: i % 4 === 0 ? 'all' : ['13800000000'] });
    rig.fake.setFailure('http500', { times: 2 });
    rig.worker.start();
    await waitFor(() => rig.fake.calls.length >= 3, 3_000);
    rig.settings.setDelivery({ ...rig.settings.delivery(), language: 'zh', format: 'text' });
    for (let i = 0; i < 10; i++) rig.post({ severity: 'warning', category: 'inventory', title: `t${i}`, store: `s${i}` });
    await drain(rig);
    const sent = listDeliveries(rig.db, { status: 'sent' }, { limit: 100 });
    const received = rig.fake.received.map((m) => JSON.stringify(m.body));
    for (const d of sent) expect(received, `row ${d.id} ${d.title}`).toContain(JSON.stringify(JSON.parse(d.payload)));
    expect(sent.length).toBe(rig.fake.received.length);
  });
});

describe('escalation of a folded alert', () => {
  it('a warning folded into a waiting storm digest, then the same alert critical: the critical goes first with @all, once', async () => {
    const rig = await workerRig();
    rig.settings.setRules({ ...rig.settings.rules(), criticalMention: { mode: 'all', targets: [] } });
    for (let i = 0; i < 20; i++) rig.limiter.record(rig.clock.now());
    const warn = Array.from({ length: 5 }, (_, i) => rig.post({ severity: 'warning', title: `SKU-${i} low`, store: 'A' }).id);
    rig.worker.start();
    expect(await waitFor(() => getEvent(rig.db, warn[0]!)?.status === 'digested', 3_000)).toBe(true);
    const crit = rig.post({ severity: 'critical', title: 'SKU-0 low', store: 'A' });
    expect(crit.status).toBe('queued');
    await drain(rig);
    const texts = bodies(rig.fake).map((b) => JSON.stringify(b));
    expect(texts.filter((t) => t.includes('@all')), dump(rig)).toHaveLength(1);
    expect(getEvent(rig.db, crit.id)?.status, dump(rig)).toBe('sent');
    expect(texts[0], dump(rig)).toContain('SKU-0');
  });
});

describe('rate limit lowered from 20 to 5 mid-storm', () => {
  it('no rolling 60 s from the change on holds more than 5 calls', async () => {
    const rig = await workerRig();
    const times: number[] = [];
    const send = rig.wecom.send.bind(rig.wecom);
    rig.wecom.send = (key, message) => (times.push(rig.clock.now()), send(key, message));
    for (let i = 0; i < 8; i++) rig.post({ severity: 'critical', category: 'orders', title: `till ${i}`, store: `s${i}` });
    rig.worker.start();
    await waitFor(() => times.length >= 8 && rig.worker.idle(), 3_000);
    rig.clock.advance(20_000);
    const changedAt = rig.clock.now();
    rig.settings.setDelivery({ ...rig.settings.delivery(), rateLimit: 5 });
    rig.limiter.setLimit(5);
    for (let i = 0; i < 12; i++) rig.post({ severity: 'critical', category: ['orders', 'store', 'ads', 'products'][i % 4], title: `till b${i}`, store: `s${i}`, mention: i % 2 ? 'all' : 'none' });
    rig.worker.wake();
    for (let i = 0; i < 40; i++) {
      await waitFor(() => rig.worker.idle(), 60);
      rig.clock.advance(5_000);
      rig.worker.wake();
    }
    await waitFor(() => rig.worker.idle(), 2_000);
    const worst = Math.max(...times.filter((t) => t >= changedAt).map((t) => times.filter((u) => u >= t && u < t + 60_000).length));
    expect(worst, JSON.stringify(times.map((t) => (t - changedAt) / 1000))).toBeLessThanOrEqual(5);
    expect(rig.worker.idle(), dump(rig)).toBe(true);
  });
});

describe('a dead alert and its @all follow-up', () => {
  it('the follow-up dies with the alert (no @all about an alert the group never got); retried by hand, the alert goes, then the @all, once', async () => {
    const rig = await workerRig();
    const accepted = rig.post({ severity: 'critical', title: 'till 3 offline', mention: 'all' });
    // WeCom refuses the alert's markdown for good: its @all follow-up text dies with it, unsent.
    rig.fake.setFailure('errcode', { errcode: 40008, errmsg: 'invalid message type', times: 1 });
    rig.worker.start();
    await drain(rig, 2);
    const rows = () => listDeliveries(rig.db, { eventId: accepted.id }, { limit: 5 }).map((r) => ({ id: r.id, msgtype: r.msgtype, status: r.status, failure: r.failure }));
    expect(rows().map((r) => `${r.msgtype} ${r.status} ${r.failure}`).sort(), dump(rig)).toEqual(['markdown dead permanent', 'text dead earlier_died']);
    expect(bodies(rig.fake), 'the group was pinged @all about an alert it never received').toEqual([]);
    expect(getEvent(rig.db, accepted.id)?.status).toBe('dead');
    retryDelivery(rig.db, rows().find((r) => r.msgtype === 'markdown')!.id, rig.clock.now());
    rig.worker.wake();
    await drain(rig, 2);
    expect(rows().map((r) => `${r.msgtype} ${r.status}`).sort(), dump(rig)).toEqual(['markdown sent', 'text sent']);
    const heard = bodies(rig.fake);
    expect(heard.map((b) => b.msgtype), dump(rig)).toEqual(['markdown', 'text']);
    expect(heard.filter(mentionsAll)).toHaveLength(1);
    expect(getEvent(rig.db, accepted.id)?.status).toBe('sent');
  });
});
