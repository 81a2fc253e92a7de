// An event's message is rendered when the worker is about to send it, not at intake (issue 21):
// what is sent is what intake used to queue, a storm's folded alerts are never rendered, and an
// event's parts go out together.
import { describe, expect, it } from 'vitest';
import { listDeliveries } from '../../db/queries/deliveries.ts';
import { digestBacklog } from '../../server/delivery/folds.ts';
import { enqueueMessages, isUnrendered } from '../../server/delivery/outbox.ts';
import { PRIORITY } from '../../server/delivery/policy/priority.ts';
import { getDelivery, getEvent, insertEvent } from '../../server/delivery/store.ts';
import { currentRenderSettings, renderEventForDelivery } from '../../server/render/eventMessages.ts';
import { textMessage } from '../../server/wecom/messages.ts';
import { insertApiToken } from '../../db/queries/tokens.ts';
import { sha256 } from '../../server/security/tokens.ts';
import { startFakeWecom } from '../fakeWecom.ts';
import { waitFor } from '../helpers/api.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance } from '../helpers/testAppliance.ts';
import { event, RIG_KEY, rigsClosedAfterEach, type WorkerRig } from '../helpers/engineRig.ts';

const rigs = rigsClosedAfterEach();
const engine = () => rigs.engine();
const workerRig = () => rigs.worker();
const bodies = (rig: WorkerRig) => rig.fake.receivedFor(RIG_KEY).map((m) => m.body);
const contentOf = (body: Record<string, unknown>) => JSON.stringify(body);

describe('intake queues the decision, not the text', () => {
  it("an accepted alert's row holds no payload, only its title and the mention decided at intake", () => {
    const rig = engine();
    rig.settings.setRules({ ...rig.settings.rules(), criticalMention: { mode: 'all', targets: [] } });
    const accepted = rig.post({ severity: 'critical', title: 'till 3 offline' });
    const [row] = listDeliveries(rig.db, { eventId: accepted.id }, { limit: 5 });
    expect(row).toMatchObject({ status: 'queued', title: 'till 3 offline', payload: '', bytes: 0, msgtype: '', mentions: '"all"', priority: PRIORITY.critical });
    expect(isUnrendered(row!)).toBe(true);
  });

  it('what the worker sends is the event rendered as intake used to render it, with its repeat count', async () => {
    const rig = await workerRig();
    const first = rig.post({ title: 'SKU-9 out of stock', fields: { sku: 'A-9', qty: 0 } });
    rig.post({ title: 'SKU-9 out of stock', fields: { sku: 'A-9', qty: 0 } });
    rig.worker.start();
    expect(await waitFor(() => bodies(rig).length === 1 && rig.worker.idle(), 5_000)).toBe(true);
    const stored = getEvent(rig.db, first.id)!;
    const expected = renderEventForDelivery(event({ title: 'SKU-9 out of stock', fields: { sku: 'A-9', qty: 0 } }), currentRenderSettings(rig.settings, undefined), {
      receivedAt: stored.receivedAt,
      repeatCount: 2,
      eventId: first.id,
      mention: 'none',
    }).messages;
    expect(bodies(rig)).toEqual(expected);
    expect(contentOf(bodies(rig)[0]!)).toMatch(/×\s?2/);
    const [row] = listDeliveries(rig.db, { eventId: first.id }, { limit: 5 });
    expect(row).toMatchObject({ status: 'sent', payload: JSON.stringify(expected[0]), msgtype: expected[0]!.msgtype });
    expect(row!.bytes).toBe(Buffer.byteLength(row!.payload));
  });

  it('the mention stays as intake decided it; the text follows the settings of the moment it is sent', async () => {
    const rig = await workerRig();
    rig.settings.setRules({ ...rig.settings.rules(), criticalMention: { mode: 'all', targets: [] } });
    rig.post({ severity: 'critical', title: 'till 3 offline' });
    rig.settings.setRules({ ...rig.settings.rules(), criticalMention: { mode: 'none', targets: [] } });
    rig.settings.setDelivery({ ...rig.settings.delivery(), language: 'zh', format: 'text' });
    rig.worker.start();
    expect(await waitFor(() => bodies(rig).length === 1 && rig.worker.idle(), 5_000)).toBe(true);
    const [body] = bodies(rig) as Array<{ msgtype: string; text: { content: string; mentioned_list?: string[] } }>;
    expect(body!.msgtype).toBe('text');
    expect(body!.text.mentioned_list).toEqual(['@all']);
    expect(body!.text.content).toMatch(/严重/);
  });
});

describe("a storm's folded alerts are never rendered", () => {
  it('the fold merges unrendered rows; the digest stores its summary, and is written when it is sent', () => {
    const rig = engine();
    for (let i = 0; i < 30; i++) rig.post({ title: `SKU-${i} low` });
    const s = currentRenderSettings(rig.settings, undefined);
    expect(digestBacklog(rig.db, s, 5, rig.clock.now()).digests).toBe(1);
    const merged = listDeliveries(rig.db, { status: 'merged' }, { limit: 50 });
    expect(merged).toHaveLength(30);
    expect(merged.every(isUnrendered)).toBe(true);
    const [digest] = listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 });
    expect(isUnrendered(digest!)).toBe(true);
    expect(JSON.parse(digest!.digestState!)).toMatchObject({ total: 30 });
  });

  it('a folded event keeps the mention decided at intake, as its own message would', () => {
    const rig = engine();
    rig.settings.setRules({ ...rig.settings.rules(), criticalMention: { mode: 'list', targets: ['zhangsan'] } });
    for (let i = 0; i < 3; i++) rig.post({ severity: 'critical', title: `till ${i} offline` });
    // The rule changes while they wait: what intake decided for them stands; a later one follows the new rule.
    rig.settings.setRules({ ...rig.settings.rules(), criticalMention: { mode: 'list', targets: ['lisi'] } });
    rig.post({ severity: 'critical', title: 'till 9 offline' });
    const s = currentRenderSettings(rig.settings, undefined);
    expect(digestBacklog(rig.db, s, 1, rig.clock.now()).digests).toBe(1);
    const [digest] = listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 });
    expect(digest).toMatchObject({ title: '4 × inventory (digest)', priority: PRIORITY.critical });
    expect(JSON.parse(digest!.mentions!)).toEqual(['zhangsan', 'lisi']);
  });

  it('a decision of none stands too: a rule turned to @all while they wait adds no mention', () => {
    const rig = engine();
    for (let i = 0; i < 3; i++) rig.post({ severity: 'critical', title: `till ${i} offline` });
    expect(listDeliveries(rig.db, { status: 'queued' }, { limit: 5 }).map((r) => r.mentions)).toEqual(['"none"', '"none"', '"none"']);
    rig.settings.setRules({ ...rig.settings.rules(), criticalMention: { mode: 'all', targets: [] } });
    const s = currentRenderSettings(rig.settings, undefined);
    expect(digestBacklog(rig.db, s, 1, rig.clock.now()).digests).toBe(1);
    const [digest] = listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 });
    expect(digest).toMatchObject({ title: '3 × inventory (digest)', mentions: null });
    expect(digest!.payload).not.toMatch(/@all/);
  });
});

describe('a digest waiting in the queue is written with the settings of its send', () => {
  /** A storm folded while the window is full: its digest waits for the next window. */
  async function waitingStormDigest(): Promise<WorkerRig> {
    const rig = await workerRig();
    for (let i = 0; i < 20; i++) rig.limiter.record(rig.clock.now());
    for (let i = 0; i < 30; i++) rig.post({ category: 'orders', title: `order ${i} unpaid`, store: `store-${i}` });
    rig.worker.start();
    expect(await waitFor(() => listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 }).length === 1, 5_000)).toBe(true);
    return rig;
  }
  async function sentAfterTheWindow(rig: WorkerRig): Promise<Array<Record<string, unknown>>> {
    rig.clock.advance(61_000);
    rig.worker.wake();
    expect(await waitFor(() => bodies(rig).length >= 1 && rig.worker.idle(), 5_000)).toBe(true);
    return bodies(rig);
  }

  it('the notification language switched to Chinese while a storm digest waits for the rate window: the digest reaches the group in Chinese', async () => {
    const rig = await waitingStormDigest();
    rig.settings.setDelivery({ ...rig.settings.delivery(), language: 'zh' });
    const [digest] = await sentAfterTheWindow(rig);
    expect(contentOf(digest!), 'the digest went out in the language of when it was folded').toContain('30 条订单告警');
    expect(contentOf(digest!)).not.toContain('30 order alerts');
  });

  it('the format switched to text (for the WeChat plugin) while a storm digest waits: the digest goes out as text', async () => {
    const rig = await waitingStormDigest();
    rig.settings.setDelivery({ ...rig.settings.delivery(), format: 'text' });
    const sent = await sentAfterTheWindow(rig);
    expect(sent.map((m) => m.msgtype), 'the digest went out as markdown after the format was set to text').toEqual(['text']);
  });
});

describe('repeats counted on an event a digest carries', () => {
  const content = (body: Record<string, unknown>) => (body as { markdown: { content: string } }).markdown.content;
  const lineOf = (digest: string, title: string) => digest.split('\n').find((l) => l.includes(title))!;

  it('an alert repeated 3 times in quiet hours: released alone it reads ×3, and in the quiet-hours digest its line says ×3 too', async () => {
    const rig = await workerRig();
    const quiet = { enabled: true, start: '00:00', end: '23:59', timeZone: 'UTC' };
    rig.settings.setRules({ ...rig.settings.rules(), quietHours: quiet });
    // Control: a category that held one alert releases it as its own message, with its repeats.
    for (let i = 0; i < 3; i++) rig.post({ category: 'ads', title: 'Campaign 7 budget spent', store: 'Tmall' });
    // The same in a category that held two alerts: they go out as one digest.
    for (let i = 0; i < 3; i++) rig.post({ category: 'inventory', title: 'SKU-7 low stock', store: 'Tmall' });
    rig.post({ category: 'inventory', title: 'SKU-8 low stock', store: 'Tmall' });
    rig.settings.setRules({ ...rig.settings.rules(), quietHours: { ...quiet, enabled: false } });
    rig.worker.start();
    expect(await waitFor(() => bodies(rig).length >= 2 && rig.worker.idle(), 5_000)).toBe(true);
    const got = bodies(rig).map(content);
    expect(got.find((c) => c.includes('Campaign 7'))).toContain('×3');
    const digest = got.find((c) => c.includes('held during quiet hours'))!;
    expect(lineOf(digest, 'SKU-7 low stock'), 'the digest dropped the repeat count its member carries').toContain('×3');
    expect(lineOf(digest, 'SKU-8 low stock')).not.toContain('×');
  });

  it('a storm digest: 5 of its alerts each arrived 4 times (the first counted, 3 repeats), and its lines say ×4', async () => {
    const rig = await workerRig();
    for (let i = 0; i < 20; i++) rig.limiter.record(rig.clock.now());
    for (let r = 0; r < 4; r++) for (let i = 0; i < 5; i++) rig.post({ category: 'orders', title: `order ${i} unpaid`, store: 'Tmall' });
    for (let i = 5; i < 30; i++) rig.post({ category: 'orders', title: `order ${i} unpaid`, store: 'Tmall' });
    rig.worker.start();
    expect(await waitFor(() => listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 }).length === 1, 5_000)).toBe(true);
    rig.clock.advance(61_000);
    rig.worker.wake();
    expect(await waitFor(() => bodies(rig).length >= 1 && rig.worker.idle(), 5_000)).toBe(true);
    const digest = content(bodies(rig)[0]!);
    expect(lineOf(digest, 'order 0 unpaid'), 'the digest dropped the repeat count its member carries').toContain('×4');
    expect(lineOf(digest, 'order 5 unpaid')).not.toContain('×');
  });

  it('a repeat counted on a member while its storm digest waits for the rate window shows when the digest is sent', async () => {
    const rig = await workerRig();
    for (let i = 0; i < 20; i++) rig.limiter.record(rig.clock.now());
    for (let i = 0; i < 30; i++) rig.post({ category: 'orders', title: `order ${i} unpaid`, store: 'Tmall' });
    rig.worker.start();
    expect(await waitFor(() => listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 }).length === 1, 5_000)).toBe(true);
    const original = listDeliveries(rig.db, { kind: 'alert' }, { limit: 50 }).find((d) => d.title === 'order 0 unpaid')!;
    for (let r = 0; r < 2; r++) rig.post({ category: 'orders', title: 'order 0 unpaid', store: 'Tmall' });
    expect(getEvent(rig.db, original.eventId!)).toMatchObject({ status: 'digested', repeatCount: 3 });
    rig.clock.advance(61_000);
    rig.worker.wake();
    expect(await waitFor(() => bodies(rig).length >= 1 && rig.worker.idle(), 5_000)).toBe(true);
    expect(bodies(rig)).toHaveLength(1);
    expect(lineOf(content(bodies(rig)[0]!), 'order 0 unpaid'), 'the repeat counted while the digest waited is missing').toContain('×3');
  });
});

describe('a storm digest of task results', () => {
  it('failed, partly failed and succeeded task results folded together: each line says how its task ended, as its own message would', async () => {
    const rig = await workerRig();
    for (let i = 0; i < 20; i++) rig.limiter.record(rig.clock.now());
    const statuses = ['failed', 'partial', 'succeeded'] as const;
    // Severity as the API defaults it (failed and partial: warning; succeeded: info).
    for (let i = 0; i < 30; i++) {
      const status = statuses[i % 3]!;
      rig.post({ kind: 'task_result', category: 'task', severity: undefined, title: `price sync ${i}`, task_name: `price sync ${i}`, status, store: `store-${i}` });
    }
    rig.worker.start();
    expect(await waitFor(() => listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 }).length === 1, 5_000)).toBe(true);
    rig.clock.advance(61_000);
    rig.worker.wake();
    expect(await waitFor(() => bodies(rig).length >= 1 && rig.worker.idle(), 5_000)).toBe(true);
    const digest = (bodies(rig)[0] as { markdown: { content: string } }).markdown.content;
    const lineOf = (i: number) => digest.split('\n').find((l) => l.includes(`price sync ${i} `))!;
    // price sync 0 failed, 1 only partly succeeded: with the severity alone the group cannot tell them apart.
    expect(lineOf(0), 'a failed task reads as a bare severity').toContain('Failed');
    expect(lineOf(1), 'a partly failed task reads as a bare severity').toContain('Partially succeeded');
  });
});

describe("an event refused before its follow-up went, then folded", () => {
  it('its messages rendered at the first send are merged untried, and the digest carries its @all', async () => {
    const rig = await workerRig();
    rig.fake.setFailure('errcode', { errcode: 45009, times: 1 });
    const alert = rig.post({ title: 'SKU-7 stock report', mention: 'all' });
    for (let i = 0; i < 3; i++) rig.post({ title: `SKU-${i} low` });
    rig.worker.start();
    expect(await waitFor(() => rig.fake.calls.length === 1 && rig.fake.calls[0]!.answer === 45009, 5_000)).toBe(true);
    // The refusal blocks the window: four events wait for one call, so the next fold takes them all.
    rig.clock.advance(1_000);
    rig.worker.wake();
    expect(await waitFor(() => listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 }).length === 1, 5_000)).toBe(true);
    const rows = listDeliveries(rig.db, { eventId: alert.id }, { limit: 10 }).sort((a, b) => a.id - b.id);
    // Its two messages, and the digest that carries it (written when it is sent).
    expect(rows.map((r) => [r.kind, r.status, r.attempts, isUnrendered(r)])).toEqual([
      ['alert', 'merged', 1, false],
      ['alert', 'merged', 0, false],
      ['digest', 'queued', 0, true],
    ]);
    expect(JSON.parse(rows[1]!.payload).text.mentioned_list).toEqual(['@all']);
    const [digest] = listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 });
    expect(digest).toMatchObject({ title: '4 × inventory (digest)', mentions: '"all"' });
    rig.clock.advance(61_000);
    rig.worker.wake();
    expect(await waitFor(() => bodies(rig).length === 2 && rig.worker.idle(), 5_000)).toBe(true);
    expect(contentOf(bodies(rig)[0]!)).toContain('SKU-7 stock report');
    expect(bodies(rig)[1]).toMatchObject({ msgtype: 'text', text: { mentioned_list: ['@all'] } });
  });
});

describe("an event's messages rendered at its send keep together", () => {
  it("an alert whose mention needs a follow-up: the follow-up goes out next, before what was queued behind it", async () => {
    const rig = await workerRig();
    const long = rig.post({ title: 'SKU-7 stock report', mention: 'all' });
    for (let i = 0; i < 3; i++) rig.post({ category: 'orders', title: `Refund ${i}` });
    rig.worker.start();
    expect(await waitFor(() => rig.worker.idle(), 5_000)).toBe(true);
    const rows = listDeliveries(rig.db, { eventId: long.id }, { limit: 10 }).sort((a, b) => a.id - b.id);
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.map((r) => r.title)).toEqual(rows.map((_, i) => (i === 0 ? 'SKU-7 stock report' : `SKU-7 stock report · ${i + 1}/${rows.length}`)));
    expect(rows.every((r) => r.status === 'sent' && r.splitFrom === null)).toBe(true);
    const sent = bodies(rig).map(contentOf);
    expect(sent).toHaveLength(rows.length + 3);
    expect(sent.slice(0, rows.length)).toEqual(rows.map((r) => r.payload));
    expect(getEvent(rig.db, long.id)?.status).toBe('sent');
  });

  it('a critical due meanwhile still goes first: only messages as urgent wait for the follow-up', async () => {
    const rig = await workerRig();
    // One call left in the window: the main message goes, its follow-up waits for the next window.
    for (let i = 0; i < 19; i++) rig.limiter.record(rig.clock.now());
    const long = rig.post({ title: 'SKU-7 stock report', mention: 'all' });
    rig.worker.start();
    expect(await waitFor(() => bodies(rig).length === 1, 5_000)).toBe(true);
    expect(listDeliveries(rig.db, { eventId: long.id, status: 'queued' }, { limit: 10 })).toHaveLength(1);
    const critical = rig.post({ severity: 'critical', title: 'till 3 offline' });
    rig.clock.advance(61_000);
    rig.worker.wake();
    expect(await waitFor(() => bodies(rig).length === 3 && rig.worker.idle(), 5_000)).toBe(true);
    expect(contentOf(bodies(rig)[1]!)).toContain('till 3 offline');
    expect(contentOf(bodies(rig)[2]!)).toContain('@all');
    expect(getEvent(rig.db, critical.id)?.status).toBe('sent');
    expect(getEvent(rig.db, long.id)?.status).toBe('sent');
  });
});

describe('rows that cannot be rendered, and rows rendered before this', () => {
  it('a row queued rendered (by an older version) is sent as it is', async () => {
    const rig = await workerRig();
    const now = rig.clock.now();
    const id = insertEvent(rig.db, { receivedAt: now, source: 'api', kind: 'alert', category: 'inventory', severity: 'warning', title: 'old row', payload: JSON.stringify(event({ title: 'old row' })), status: 'queued' });
    const message = textMessage('rendered before the upgrade');
    enqueueMessages(rig.db, { kind: 'alert', category: 'inventory', severity: 'warning', priority: PRIORITY.normal, eventId: id }, [message], () => 'old row', now);
    rig.worker.start();
    expect(await waitFor(() => bodies(rig).length === 1 && rig.worker.idle(), 5_000)).toBe(true);
    expect(bodies(rig)).toEqual([message]);
  });

  it('a row whose event is gone is dead, sends nothing, and the queue goes on', async () => {
    const rig = await workerRig();
    const gone = rig.post({ title: 'deleted by hand' });
    const kept = rig.post({ category: 'orders', title: 'Refund 1' });
    rig.db.$client.prepare('DELETE FROM events WHERE id = ?').run(gone.id);
    rig.worker.start();
    expect(await waitFor(() => bodies(rig).length === 1 && rig.worker.idle(), 5_000)).toBe(true);
    const [row] = listDeliveries(rig.db, { eventId: gone.id }, { limit: 5 });
    expect(row).toMatchObject({ status: 'dead', failure: 'permanent', errmsg: 'its event is no longer stored', payload: '' });
    expect(contentOf(bodies(rig)[0]!)).toContain('Refund 1');
    expect(getEvent(rig.db, kept.id)?.status).toBe('sent');
    expect(getDelivery(rig.db, row!.id)?.attempts).toBe(0);
  });
});

describe('the send log shows a message not rendered yet as it would read now', () => {
  it('a queued and a folded message: a preview with its size and a note saying so, in English and Chinese', async () => {
    const fake = await startFakeWecom({ keys: [] });
    const app = await startTestAppliance({ wecomOrigin: fake.origin });
    rigs.track({ close: async () => (await app.close(), await fake.close()) });
    const token = 'scn_render-at-send-test-token-000000000000';
    insertApiToken(app.deps.db, { name: 'test', tokenHash: sha256(token), prefix: token.slice(0, 8), createdAt: Date.now() });
    const post = async (title: string) => {
      const res = await fetch(`${app.url}/api/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'alert', category: 'inventory', severity: 'warning', title }),
      });
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: number }).id;
    };
    const client = new ConsoleClient(app.url);
    await client.signIn('correct horse battery');
    // No bot connected: the message waits in the queue, unrendered.
    const queued = listDeliveries(app.deps.db, { eventId: await post('SKU-5 low stock') }, { limit: 5 })[0]!;
    expect(isUnrendered(queued)).toBe(true);
    const page = await client.get(`/send-log/${queued.id}`);
    expect(page.status).toBe(200);
    const text = textOf(page.body);
    expect(text).toContain('Not written yet: an event’s message, and a digest, is written when it is sent.');
    expect(page.body).toContain('SKU-5 low stock');
    expect(text).not.toMatch(/Size\s*0 B/);
    expect(text).toMatch(/Size\s*\d{3,} B/);
    expect(getDelivery(app.deps.db, queued.id)).toEqual(queued); // showing it writes nothing

    // Folded into a digest before it was sent.
    const s = currentRenderSettings(app.deps.settings, undefined);
    for (let i = 0; i < 5; i++) await post(`SKU-${10 + i} low stock`);
    app.deps.db.$client.transaction(() => digestBacklog(app.deps.db, s, 1, Date.now()))();
    expect(getDelivery(app.deps.db, queued.id)?.status).toBe('merged');
    await client.get('/lang/zh?next=/');
    const merged = textOf((await client.get(`/send-log/${queued.id}`)).body);
    expect(merged).toContain('发送前已合并进汇总消息，没有单独生成。');
    // The digest waiting to be sent: as it would read now, in the notification language of now.
    app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), language: 'zh' });
    const [digest] = listDeliveries(app.deps.db, { kind: 'digest' }, { limit: 5 });
    expect(isUnrendered(digest!)).toBe(true);
    const digestPage = textOf((await client.get(`/send-log/${digest!.id}`)).body);
    expect(digestPage).toContain('尚未生成：事件的消息和汇总消息都在发送时才生成。');
    expect(digestPage).toContain('6 条库存告警');
    expect(digestPage).toMatch(/\d{3,} B/);

    // Its event gone (a database changed by hand): the row as stored, with no preview and no note.
    const orphan = listDeliveries(app.deps.db, { eventId: await post('SKU-99 low stock') }, { limit: 5 })[0]!;
    app.deps.db.$client.prepare('DELETE FROM events WHERE id = ?').run(orphan.eventId);
    const orphanPage = await client.get(`/send-log/${orphan.id}`);
    expect(orphanPage.status).toBe(200);
    expect(orphanPage.body).not.toContain('delivery-unrendered');
    expect(textOf(orphanPage.body)).toMatch(/0 B/);
  });
});
