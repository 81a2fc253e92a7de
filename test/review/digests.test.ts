// Review round: what the WeCom group reads in storm and quiet-hours digests, through the real
// engine (SQLite file, fake clock, the real worker sending to the fake WeCom).
import { describe, expect, it } from 'vitest';
import { listDeliveries } from '../../db/queries/deliveries.ts';
import { digestBacklog } from '../../server/delivery/folds.ts';
import type { RenderSettings } from '../../server/render/eventMessages.ts';
import { waitFor } from '../helpers/api.ts';
import { RIG_KEY, rigsClosedAfterEach, type EngineRig } from '../helpers/engineRig.ts';

const rigs = rigsClosedAfterEach();
const renderSettings = (rig: EngineRig): RenderSettings => ({
  rules: rig.settings.rules(),
  delivery: rig.settings.delivery(),
  timeZone: 'Asia/Shanghai',
  templates: rig.settings.templates(),
});
const contentOf = (body: Record<string, unknown>): string => {
  const m = body as { msgtype: string } & Record<string, { content?: string }>;
  return m[m.msgtype]?.content ?? '';
};

describe('a digest waiting in the queue is rendered with the settings of its send', () => {
  it('the notification language switched to Chinese while a storm digest waits for the rate window: the digest reaches the group in Chinese', async () => {
    const rig = await rigs.worker();
    // The window is full: the storm is folded, and the digest waits for the next window.
    for (let i = 0; i < 20; i++) rig.limiter.record(rig.clock.now());
    for (let i = 0; i < 30; i++) rig.post({ category: 'orders', title: `order ${i} unpaid`, store: `store-${i}` });
    rig.worker.start();
    expect(await waitFor(() => listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 }).length === 1, 5_000)).toBe(true);
    rig.settings.setDelivery({ ...rig.settings.delivery(), language: 'zh' });
    rig.clock.advance(61_000);
    rig.worker.wake();
    expect(await waitFor(() => rig.fake.receivedFor(RIG_KEY).length >= 1 && rig.worker.idle(), 5_000)).toBe(true);
    const digest = contentOf(rig.fake.receivedFor(RIG_KEY)[0]!.body);
    expect(digest, 'the digest went out in the language of when it was folded').toContain('30 条订单告警');
    expect(digest).not.toContain('unpaid orders');
  });

  it('the format switched to text (for the WeChat plugin) while a storm digest waits: the digest goes out as text', async () => {
    const rig = await rigs.worker();
    for (let i = 0; i < 20; i++) rig.limiter.record(rig.clock.now());
    for (let i = 0; i < 30; i++) rig.post({ category: 'orders', title: `order ${i} unpaid`, store: `store-${i}` });
    rig.worker.start();
    expect(await waitFor(() => listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 }).length === 1, 5_000)).toBe(true);
    rig.settings.setDelivery({ ...rig.settings.delivery(), format: 'text' });
    rig.clock.advance(61_000);
    rig.worker.wake();
    expect(await waitFor(() => rig.fake.receivedFor(RIG_KEY).length >= 1 && rig.worker.idle(), 5_000)).toBe(true);
    expect(rig.fake.receivedFor(RIG_KEY).map((m) => m.msgtype), 'the digest went out as markdown after the format was set to text').toEqual(['text']);
  });
});

const QUIET = { enabled: true, start: '00:00', end: '23:59', timeZone: 'UTC' };
const quietOn = (rig: EngineRig) => rig.settings.setRules({ ...rig.settings.rules(), quietHours: QUIET });
const quietOff = (rig: EngineRig) => rig.settings.setRules({ ...rig.settings.rules(), quietHours: { ...QUIET, enabled: false } });

describe('repeats counted on an event a digest carries', () => {
  it('an alert repeated 3 times in quiet hours: released alone it reads ×3, and in the quiet-hours digest its line says ×3 too', async () => {
    const rig = await rigs.worker();
    quietOn(rig);
    // Control: a category that held one alert releases it as its own message, with its repeats.
    for (let i = 0; i < 3; i++) rig.post({ category: 'ads', title: 'Campaign 7 budget spent', store: 'Tmall' });
    // The same in a category that held two alerts: they go out as one digest.
    for (let i = 0; i < 3; i++) rig.post({ category: 'inventory', title: 'SKU-7 low stock', store: 'Tmall' });
    rig.post({ category: 'inventory', title: 'SKU-8 low stock', store: 'Tmall' });
    quietOff(rig);
    rig.worker.start();
    expect(await waitFor(() => rig.fake.receivedFor(RIG_KEY).length >= 2 && rig.worker.idle(), 5_000)).toBe(true);
    const got = rig.fake.receivedFor(RIG_KEY).map((m) => contentOf(m.body));
    const own = got.find((c) => c.includes('Campaign 7'))!;
    expect(own).toContain('×3');
    const digest = got.find((c) => c.includes('held during quiet hours'))!;
    const line = digest.split('\n').find((l) => l.includes('SKU-7 low stock'))!;
    expect(line, 'the digest dropped the repeat count its member carries').toContain('×3');
  });

  it('a storm digest: 5 of its alerts each arrived 4 times (the first counted, 3 repeats), and its lines say ×4', async () => {
    const rig = await rigs.worker();
    for (let i = 0; i < 20; i++) rig.limiter.record(rig.clock.now());
    for (let r = 0; r < 4; r++) for (let i = 0; i < 5; i++) rig.post({ category: 'orders', title: `order ${i} unpaid`, store: 'Tmall' });
    for (let i = 5; i < 30; i++) rig.post({ category: 'orders', title: `order ${i} unpaid`, store: 'Tmall' });
    rig.worker.start();
    expect(await waitFor(() => listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 }).length === 1, 5_000)).toBe(true);
    rig.clock.advance(61_000);
    rig.worker.wake();
    expect(await waitFor(() => rig.fake.receivedFor(RIG_KEY).length >= 1 && rig.worker.idle(), 5_000)).toBe(true);
    const digest = contentOf(rig.fake.receivedFor(RIG_KEY)[0]!.body);
    const line = digest.split('\n').find((l) => l.includes('order 0 unpaid'))!;
    expect(line, 'the digest dropped the repeat count its member carries').toContain('×4');
  });
});

describe('a digest says why it holds what it holds', () => {
  it('a storm digest still waiting when quiet hours end (WeCom was down overnight): the 3 held alerts join it, and it does not say all 33 were held during quiet hours', async () => {
    const rig = await rigs.worker();
    // 21:59 the evening before: a storm, folded into a digest that WeCom does not take (an outage).
    for (let i = 0; i < 30; i++) rig.post({ title: `SKU-${i} low stock`, store: `store-${i}` });
    expect(digestBacklog(rig.db, renderSettings(rig), 5, rig.clock.now()).digests).toBe(1);
    // Quiet hours: three alerts held; then they end and the outage is over.
    quietOn(rig);
    rig.clock.advance(3600_000);
    for (let i = 0; i < 3; i++) rig.post({ title: `night SKU-${i} low stock`, store: `store-${i}` });
    rig.clock.advance(8 * 3600_000);
    quietOff(rig);
    rig.worker.start();
    expect(await waitFor(() => rig.fake.receivedFor(RIG_KEY).length >= 1 && rig.worker.idle(), 5_000)).toBe(true);
    const got = rig.fake.receivedFor(RIG_KEY).map((m) => contentOf(m.body));
    expect(got).toHaveLength(1);
    expect(got[0], 'the storm digest was relabelled as held during quiet hours').not.toMatch(/33 inventory notifications held during quiet hours/);
  });
});

describe('a storm digest of task results', () => {
  it('failed, partly failed and succeeded task results folded together: each line says how its task ended, as its own message would', async () => {
    const rig = await rigs.worker();
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
    expect(await waitFor(() => rig.fake.receivedFor(RIG_KEY).length >= 1 && rig.worker.idle(), 5_000)).toBe(true);
    const digest = contentOf(rig.fake.receivedFor(RIG_KEY)[0]!.body);
    const lineOf = (i: number) => digest.split('\n').find((l) => l.includes(`price sync ${i} `))!;
    // price sync 0 failed, 1 only partly succeeded: the group cannot tell them apart.
    expect(lineOf(0), 'a failed task reads as a bare severity').toContain('Failed');
    expect(lineOf(1), 'a partly failed task reads as a bare severity').toContain('Partially succeeded');
  });
});
