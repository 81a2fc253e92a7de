import { afterEach, describe, expect, it } from 'vitest';
import { getChannel } from '../../db/queries/channel.ts';
import { getEvent } from '../../server/delivery/store.ts';
import { listDeliveries } from '../../db/queries/deliveries.ts';
import { CATEGORIES } from '../../server/events/schema.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { outcomes, maxInAnyWindow, pool } from '../helpers/accounting.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

// WeCom's 20-per-60 s window, shrunk to 20 per 2 s on both sides so storms finish in seconds.
const WINDOW_MS = 2_000;
const KEY = '7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e';
const KEY_NEW = '8c9d0e1f-2a3b-4c4d-9e5f-6a7b8c9d0e1f';
const PASSWORD = 'engine-test-pass';

interface Rig {
  fake: FakeWecom;
  app: TestAppliance;
  token: string;
  console: ConsoleClient;
}

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.app.stop();
    await r.fake.close();
  }
});

async function rig(opts: { clock?: { now(): number }; dedupeMinutes?: number } = {}): Promise<Rig> {
  const fake = await startFakeWecom({ keys: [KEY, KEY_NEW], windowMs: WINDOW_MS });
  const app = await startTestAppliance({
    wecomOrigin: fake.origin,
    env: { ADMIN_PASSWORD: PASSWORD, WECOM_RATE_WINDOW_MS: String(WINDOW_MS) },
    clock: opts.clock,
    retryBaseMs: 50,
    wecomTimeoutMs: 300,
  });
  app.deps.settings.setRules({ ...app.deps.settings.rules(), dedupeWindowMinutes: opts.dedupeMinutes ?? 0 });
  app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), language: 'en', digestWindowSeconds: 10 });
  const console = new ConsoleClient(app.url);
  await console.signIn(PASSWORD);
  const connected = await console.postForm('/channels/wecom/connect', { url: KEY });
  expect(connected.status).toBe(303);
  const token = issueApiToken(app.deps, { name: 'test', requireSignature: false, now: Date.now() }).token;
  const r = { fake, app, token, console };
  rigs.push(r);
  return r;
}

const titlesReceived = (fake: FakeWecom, key = KEY) => fake.receivedFor(key).map((m) => JSON.stringify(m.body));

describe('delivery engine against the fake WeCom', () => {
  it('storm: 2,000 alerts in a burst are all accounted for, never over the limit, never 45009', async () => {
    const { app, fake, token } = await rig();
    const bodies = Array.from({ length: 2000 }, (_, i) => ({
      kind: 'alert',
      category: CATEGORIES[i % CATEGORIES.length],
      severity: i % 100 === 0 ? 'critical' : i % 3 === 0 ? 'warning' : 'info',
      title: `storm alert #${i}`,
      store: `store-${i % 5}`,
    }));
    let accepted = 0;
    const started = Date.now();
    await pool(bodies, 32, async (body) => {
      const res = await postEvent(app.url, token, body);
      if (res.status === 202) accepted++;
    });
    const intakeMs = Date.now() - started;
    expect(accepted).toBe(2000);
    const done = await waitFor(() => outcomes(app.deps.db).pending === 0 && app.worker.idle(), 60_000, 100);
    const o = outcomes(app.deps.db);
    expect(done, JSON.stringify(o)).toBe(true);
    expect(o.sent + o.digested + o.suppressed).toBe(2000);
    expect(o.dead).toBe(0);
    expect(o.digested).toBeGreaterThan(0);
    // Critical alerts (20 of them, fewer than the window can carry) went out on their own.
    const criticals = bodies.filter((b) => b.severity === 'critical').map((b) => b.title);
    for (const title of criticals) expect(titlesReceived(fake).some((s) => s.includes(`${title}`))).toBe(true);
    expect(fake.rateLimitedCount()).toBe(0);
    expect(maxInAnyWindow(fake.receivedFor(KEY), WINDOW_MS)).toBeLessThanOrEqual(20);
    const digests = listDeliveries(app.deps.db, { kind: 'digest' }, { limit: 100 });
    expect(digests.length).toBeGreaterThan(0);
    expect(digests.every((d) => d.status === 'sent')).toBe(true);
    console.log(`storm: ${JSON.stringify(o)}; intake ${intakeMs} ms, drained ${Date.now() - started} ms, messages ${fake.receivedFor(KEY).length}, digests ${digests.length}`);
  }, 120_000);

  it('faults: 500, hang, reset, malformed, 45009 and -1 for a while, then every message arrives exactly once', async () => {
    const { app, fake, token } = await rig();
    fake.setFailure('http500', { times: 3 });
    const titles = Array.from({ length: 6 }, (_, i) => `fault #${i}`);
    for (const title of titles.slice(0, 2)) expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', title })).status).toBe(202);
    await waitFor(() => titlesReceived(fake).filter((s) => s.includes('fault #')).length === 2, 15_000);
    for (const [mode, options] of [
      ['hang', { times: 2 }],
      ['reset', { times: 2 }],
      ['malformed', { times: 2 }],
      ['errcode', { errcode: 45009, times: 1 }],
      ['errcode', { errcode: -1, times: 2 }],
    ] as const) {
      fake.setFailure(mode, options);
      const title = titles[2 + (['hang', 'reset', 'malformed', 'errcode'].indexOf(mode) % 4)]!;
      if (!titlesReceived(fake).some((s) => s.includes(title))) await postEvent(app.url, token, { kind: 'alert', category: 'orders', title: `${title} ${mode}${'errcode' in options ? options.errcode : ''}` });
    }
    const expected = 2 + 5;
    const ok = await waitFor(() => outcomes(app.deps.db).pending === 0 && app.worker.idle(), 30_000, 50);
    expect(ok, JSON.stringify(outcomes(app.deps.db))).toBe(true);
    const received = titlesReceived(fake).filter((s) => s.includes('fault #'));
    expect(received).toHaveLength(expected);
    expect(new Set(received).size).toBe(expected);
    expect(outcomes(app.deps.db).dead).toBe(0);
    const retried = listDeliveries(app.deps.db, {}, { limit: 100 }).filter((d) => d.attempts > 1);
    expect(retried.length).toBeGreaterThanOrEqual(4);
  }, 60_000);

  it('93000 pauses sending and keeps the queue; after the URL is replaced the queue drains', async () => {
    const { app, fake, token, console } = await rig();
    fake.removeKey(KEY);
    for (let i = 0; i < 3; i++) expect((await postEvent(app.url, token, { kind: 'alert', category: 'store', title: `paused #${i}` })).status).toBe(202);
    expect(await waitFor(() => getChannel(app.deps.db)?.status === 'invalid')).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(outcomes(app.deps.db).pending).toBe(3);
    const page = await console.get('/');
    expect(textOf(page.body)).toContain('Sending is paused');
    const replaced = await console.postForm('/channels/wecom/connect', { url: KEY_NEW });
    expect(replaced.status).toBe(303);
    expect(await waitFor(() => outcomes(app.deps.db).pending === 0, 10_000)).toBe(true);
    const got = titlesReceived(fake, KEY_NEW).filter((s) => s.includes('paused #'));
    expect(got).toHaveLength(3);
  }, 30_000);

  it('a permanent error makes a message dead; Retry in the send log sends it', async () => {
    const { app, fake, token, console } = await rig();
    fake.setFailure('errcode', { errcode: 40008, times: 1 });
    const res = await postEvent(app.url, token, { kind: 'alert', category: 'ads', title: 'will die once' });
    const id = res.json.id as number;
    expect(await waitFor(() => getEvent(app.deps.db, id)?.status === 'dead')).toBe(true);
    const dead = listDeliveries(app.deps.db, { status: 'dead' }, { limit: 1 })[0]!;
    expect(dead.errcode).toBe(40008);
    await console.get(`/send-log/${dead.id}`);
    const retried = await console.postForm(`/send-log/${dead.id}/retry`);
    expect(retried.status).toBeLessThan(400);
    expect(await waitFor(() => getEvent(app.deps.db, id)?.status === 'sent')).toBe(true);
    expect(titlesReceived(fake).filter((s) => s.includes('will die once'))).toHaveLength(1);
  }, 30_000);

  it('Retry on a message already retried (Back, or a second tab) answers a console page saying so, not a bare text/plain body', async () => {
    const { app, fake, token, console } = await rig();
    fake.setFailure('errcode', { errcode: 40008, times: 1 });
    const id = (await postEvent(app.url, token, { kind: 'alert', category: 'ads', title: 'Dead one' })).json.id as number;
    expect(await waitFor(() => getEvent(app.deps.db, id)?.status === 'dead')).toBe(true);
    const dead = listDeliveries(app.deps.db, { status: 'dead' }, { limit: 1 })[0]!;
    await console.get(`/send-log/${dead.id}`);
    expect((await console.postForm(`/send-log/${dead.id}/retry`)).status).toBe(303);
    // The same form again, from the page still open in a second tab.
    const again = await console.submit(`/send-log/${dead.id}/retry`);
    expect(again.redirectedTo).toBe(`/send-log/${dead.id}`);
    expect(again.headers.get('content-type')).toMatch(/text\/html/);
    expect(textOf(again.body)).toContain('Only a dead message can be retried.');
    expect(again.body.match(/<h1\b/g)).toHaveLength(1);
    // Said once: a reload of the page does not say it again.
    expect(textOf((await console.get(`/send-log/${dead.id}`)).body)).not.toContain('Only a dead message can be retried.');
  }, 30_000);

  it('a short alert answered 40058 is dead, and its send-log page does not promise a re-split and resend', async () => {
    const { app, fake, token, console } = await rig();
    fake.setFailure('errcode', { errcode: 40058, times: 1, errmsg: 'invalid parameter' });
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: 'short alert' })).status).toBe(202);
    const dead = () => listDeliveries(app.deps.db, {}, { limit: 10 }).find((d) => d.kind !== 'test' && d.errcode === 40058);
    expect(await waitFor(() => dead()?.status === 'dead')).toBe(true);
    const text = textOf((await console.get(`/send-log/${dead()!.id}`)).body);
    expect(text).toContain('40058');
    expect(text).not.toMatch(/split into smaller parts and sent again/);
    expect(text).toContain('could not be split any further, so it was not sent');
  }, 30_000);

  it('dedupe: the same category + title + store inside the window is counted on the first message', async () => {
    const { app, fake, token, console } = await rig({ dedupeMinutes: 10 });
    fake.removeKey(KEY); // hold the first message in the queue so the count lands on it
    const body = { kind: 'alert', category: 'inventory', title: 'SKU-9 out of stock', store: 'Shop A' };
    const first = await postEvent(app.url, token, body);
    await waitFor(() => getChannel(app.deps.db)?.status === 'invalid');
    const second = await postEvent(app.url, token, body);
    const third = await postEvent(app.url, token, body);
    const other = await postEvent(app.url, token, { ...body, store: 'Shop B' });
    expect(getEvent(app.deps.db, second.json.id as number)).toMatchObject({ status: 'suppressed', reason: 'duplicate', duplicateOf: first.json.id });
    expect(third.json.status).toBe('suppressed');
    expect(other.json.status).toBe('queued');
    expect(getEvent(app.deps.db, first.json.id as number)?.repeatCount).toBe(3);
    // The bot is back: a successful test notification clears the invalid state and wakes the worker.
    fake.addKey(KEY);
    expect((await console.postForm('/channels/wecom/test')).status).toBe(303);
    expect(await waitFor(() => titlesReceived(fake).some((s) => s.includes('SKU-9 out of stock')), 10_000)).toBe(true);
    await waitFor(() => titlesReceived(fake).filter((s) => s.includes('SKU-9 out of stock')).length === 2, 5_000);
    const msg = titlesReceived(fake).filter((s) => s.includes('SKU-9 out of stock'));
    expect(msg).toHaveLength(2);
    expect(msg.filter((s) => s.includes('Shop A'))[0]).toMatch(/×\s?3|3\s?×|x3/);
  }, 30_000);

  it('quiet hours hold non-critical alerts and send them as one digest when they end', async () => {
    let offset = 0;
    const clock = { now: () => Date.now() + offset };
    const { app, fake, token } = await rig({ clock });
    const hhmm = (ms: number) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hour12: false }).format(ms);
    const now = clock.now();
    app.deps.settings.setRules({ ...app.deps.settings.rules(), quietHours: { enabled: true, start: hhmm(now - 3600_000), end: hhmm(now + 3600_000), timeZone: 'Asia/Shanghai' } });
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: `night #${i}` }));
    expect(held.every((r) => r.json.status === 'held')).toBe(true);
    const critical = await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'critical', title: 'night critical' });
    expect(critical.json.status).toBe('queued');
    expect(await waitFor(() => titlesReceived(fake).some((s) => s.includes('night critical')))).toBe(true);
    expect(titlesReceived(fake).some((s) => s.includes('night #'))).toBe(false);
    offset = 2 * 3600_000;
    app.worker.wake();
    expect(await waitFor(() => outcomes(app.deps.db).pending === 0, 10_000)).toBe(true);
    // The events are final (digested) while their digest may still be on the wire: wait for it to arrive.
    expect(await waitFor(() => titlesReceived(fake).some((s) => s.includes('night #')), 10_000)).toBe(true);
    const digest = titlesReceived(fake).filter((s) => s.includes('night #'));
    expect(digest).toHaveLength(1);
    for (let i = 0; i < 3; i++) expect(digest[0]).toContain(`night #${i}`);
    for (const r of held) expect(getEvent(app.deps.db, r.json.id as number)?.status).toBe('digested');
  }, 30_000);
});
