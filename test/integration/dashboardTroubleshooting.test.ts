import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getChannel } from '../../db/queries/channel.ts';
import { listDeliveries } from '../../db/queries/deliveries.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { outcomes } from '../helpers/accounting.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const PASSWORD = 'dashboard-pass-1';

const verdictOf = (html: string, id: string) => new RegExp(`id="check-${id}" data-verdict="(\\w+)"`).exec(html)?.[1];

describe('dashboard and troubleshooting over real HTTP', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let console: ConsoleClient;
  let token: string;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD }, retryBaseMs: 50 });
    console = new ConsoleClient(app.url);
    await console.signIn(PASSWORD);
    token = issueApiToken(app.deps, { name: 'dash', requireSignature: false, now: Date.now() }).token;
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('without a bot: the dashboard says so and troubleshooting has one failing check', async () => {
    const page = await console.get('/');
    expect(textOf(page.body)).toContain('No bot is connected yet');
    const trouble = await console.get('/troubleshooting');
    expect(verdictOf(trouble.body, 'connected')).toBe('bad');
    expect(trouble.body).not.toContain('/troubleshooting/test');
  });

  it('connected, nothing sent yet: the FAQ check says no notification was triggered', async () => {
    expect((await console.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
    const trouble = await console.get('/troubleshooting');
    expect(verdictOf(trouble.body, 'connected')).toBe('ok');
    expect(verdictOf(trouble.body, 'nothing-sent')).toBe('warn');
    expect(textOf(trouble.body)).toContain('No notification has been triggered yet');
    expect(textOf(trouble.body)).toContain('4c5d');
  });

  it('after events: today counts, queue, rate use, charts and the panel fragment', async () => {
    app.deps.settings.setRules({ ...app.deps.settings.rules(), categories: { ...app.deps.settings.rules().categories, ads: false } });
    for (let i = 0; i < 3; i++) expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', title: `dash ${i}` })).status).toBe(202);
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'ads', title: 'off' })).json.status).toBe('suppressed');
    expect(await waitFor(() => outcomes(app.deps.db).pending === 0)).toBe(true);
    const page = await console.get('/');
    const text = textOf(page.body);
    expect(page.body).toContain('<svg');
    expect(page.body).toContain('Events per hour, last 24 hours, by outcome');
    expect(text).toMatch(/sent\s+3/);
    expect(text).toMatch(/suppressed\s+1/);
    expect(text).toContain('dash 2');
    const panel = await console.get('/dashboard/panel', { 'hx-request': 'true' });
    expect(panel.body.startsWith('<div id="dashboard-panel"')).toBe(true);
    expect(panel.body).toContain('hx-trigger="every 10s"');
    const zh = await console.get('/', { 'accept-language': 'zh-CN' });
    expect(textOf(zh.body)).toContain('最近 24 小时每小时事件数');
    const trouble = await console.get('/troubleshooting');
    expect(verdictOf(trouble.body, 'nothing-sent')).toBe('ok');
  });

  it('after WeCom answers 93000: bot removed / recreated checks fail and say what to do, in EN and ZH', async () => {
    fake.removeKey(KEY);
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', title: 'into the void' })).status).toBe(202);
    expect(await waitFor(() => getChannel(app.deps.db)?.status === 'invalid')).toBe(true);
    const trouble = await console.get('/troubleshooting');
    expect(verdictOf(trouble.body, 'invalid')).toBe('bad');
    expect(verdictOf(trouble.body, 'recreated')).toBe('bad');
    expect(verdictOf(trouble.body, 'queue')).toBe('warn');
    expect(textOf(trouble.body)).toContain('Replace URL');
    const zh = await console.get('/troubleshooting', { 'accept-language': 'zh-CN' });
    expect(textOf(zh.body)).toContain('替换地址');
    const test = await console.postForm('/troubleshooting/test');
    expect(test.status).toBe(502);
    expect(textOf(test.body)).toContain('no longer exists');
    fake.addKey(KEY);
    const again = await console.postForm('/troubleshooting/test');
    expect(again.status).toBe(200);
    expect(textOf(again.body)).toContain('Test notification sent');
    expect(verdictOf(again.body, 'invalid')).toBe('ok');
    expect(await waitFor(() => outcomes(app.deps.db).pending === 0)).toBe(true);
  });

  it('a failure without an answer from WeCom reads in words on Troubleshooting and the channel card, in EN and ZH', async () => {
    fake.setFailure('reset', { times: 1 });
    expect((await console.postForm('/troubleshooting/test')).status).toBe(502);
    const zh = textOf((await console.get('/troubleshooting', { 'accept-language': 'zh-CN' })).body);
    expect(zh).toContain('暂时失败');
    expect(zh).not.toContain('transient');
    const card = textOf((await console.get('/channels', { 'accept-language': 'zh-CN' })).body);
    expect(card).toContain('(暂时失败)');
    expect(card).not.toContain('transient');
    expect(textOf((await console.get('/troubleshooting', { 'accept-language': 'en' })).body)).toContain('(Temporary failure)');
    expect((await console.postForm('/troubleshooting/test')).status).toBe(200);
  });

  it('counts 45009 answers in the rate-limit check', async () => {
    fake.setFailure('errcode', { errcode: 45009, times: 1 });
    const res = await console.postForm('/troubleshooting/test');
    expect(res.status).toBe(502);
    const trouble = await console.get('/troubleshooting');
    expect(verdictOf(trouble.body, 'rate')).toBe('warn');
    expect(textOf(trouble.body)).toMatch(/45009 \(rate limited\) 1 time in/);
  });
});

describe('troubleshooting when WeCom refuses the notifications', () => {
  const REFUSED_KEY = '8d2e3f4a-5b6c-4d7e-8f9a-1b2c3d4e5f6a';
  let fake: FakeWecom;
  let app: TestAppliance;
  let console: ConsoleClient;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [REFUSED_KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD }, retryBaseMs: 50 });
    console = new ConsoleClient(app.url);
    await console.signIn(PASSWORD);
    expect((await console.postForm('/channels/wecom/connect', { url: REFUSED_KEY })).status).toBe(303);
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('does not tell the admin that no notification was triggered when WeCom refused it, and names the errcode, in EN and ZH', async () => {
    const token = issueApiToken(app.deps, { name: 'refused', requireSignature: false, now: Date.now() }).token;
    fake.setFailure('errcode', { errcode: 40008 });
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: 'refused by WeCom' })).status).toBe(202);
    expect(await waitFor(() => listDeliveries(app.deps.db, {}, { limit: 10 }).some((d) => d.kind !== 'test' && d.errcode === 40008 && d.status !== 'queued'))).toBe(true);

    const trouble = await console.get('/troubleshooting');
    const text = textOf(trouble.body);
    expect(text).not.toContain('No notification has been triggered yet');
    expect(text).toContain('40008');
    expect(text).toContain('WeCom rejected the message type');
    expect(verdictOf(trouble.body, 'nothing-sent')).toBe('bad');
    const zh = textOf((await console.get('/troubleshooting', { 'accept-language': 'zh-CN' })).body);
    expect(zh).not.toContain('还没有触发过任何通知');
    expect(zh).toContain('errcode 40008');
    expect(zh).toContain('企业微信不接受该消息类型');
  });
});

describe('troubleshooting rate-limit check after a retried 45009', () => {
  // The worker overwrites a message's errcode with its retry's 0: the 45009 must still be counted.
  const RATE_KEY = '7c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f';
  let fake: FakeWecom;
  let app: TestAppliance;
  let console: ConsoleClient;
  let offset = 0;
  const clock = { now: () => Date.now() + offset };

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [RATE_KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD }, clock, retryBaseMs: 50 });
    console = new ConsoleClient(app.url);
    await console.signIn(PASSWORD);
    expect((await console.postForm('/channels/wecom/connect', { url: RATE_KEY })).status).toBe(303);
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('a 45009 answered within the last 24 hours is reported even though the retry went out', async () => {
    const token = issueApiToken(app.deps, { name: 'rate', requireSignature: false, now: clock.now() }).token;
    fake.setFailure('errcode', { errcode: 45009, times: 1 });
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', title: 'rate limited once' })).status).toBe(202);
    expect(await waitFor(() => fake.calls.some((c) => c.answer === 45009))).toBe(true);
    // WeCom's window passes (moved on the appliance's clock), the worker retries and the alert goes out.
    offset += 61_000;
    app.deps.wakeWorker();
    expect(await waitFor(() => listDeliveries(app.deps.db, {}, { limit: 10 }).some((d) => d.kind !== 'test' && d.status === 'sent'), 10_000)).toBe(true);

    const trouble = await console.get('/troubleshooting');
    expect(textOf(trouble.body)).not.toContain('No 45009 answers in the last 24 hours');
    expect(verdictOf(trouble.body, 'rate')).toBe('warn');
    expect(textOf(trouble.body)).toMatch(/45009 \(rate limited\) 1 time in/);
  });
});

describe('the invalid bot banner and Troubleshooting keep the reason WeCom refused the bot', () => {
  const DISABLED_KEY = '3f2a9c4e-1b7d-4e8a-9c0f-5d6e7f8a1b2c';
  const checkText = (html: string, id: string) => textOf(new RegExp(`id="check-${id}"[\\s\\S]*?<p>([\\s\\S]*?)</p>`).exec(html)?.[1] ?? '');
  // The banner sits between the header and <main>.
  const bannerText = (html: string) => textOf(html.slice(html.lastIndexOf('</header>', html.indexOf('<main>')), html.indexOf('<main>')));
  let fake: FakeWecom;
  let app: TestAppliance;
  let console: ConsoleClient;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [DISABLED_KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD }, retryBaseMs: 50, reportTimers: false });
    console = new ConsoleClient(app.url);
    await console.signIn(PASSWORD);
    expect((await console.postForm('/channels/wecom/connect', { url: DISABLED_KEY })).status).toBe(303);
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('after a 93004 (bot disabled) and a test notification that WeCom answered "busy" (-1)', async () => {
    const token = issueApiToken(app.deps, { name: 'disabled', requireSignature: false, now: Date.now() }).token;
    fake.setFailure('errcode', { errcode: 93004, times: 1 });
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', title: 'refused' })).status).toBe(202);
    expect(await waitFor(() => getChannel(app.deps.db)?.status === 'invalid')).toBe(true);
    expect(bannerText((await console.get('/channels')).body)).toContain('disabled in WeCom');

    // The admin tries a test notification; WeCom is busy this once.
    fake.setFailure('errcode', { errcode: -1, times: 1 });
    expect((await console.postForm('/channels/wecom/test')).status).toBe(303);
    expect(getChannel(app.deps.db)).toMatchObject({ status: 'invalid', lastErrcode: -1 });

    // The bot is still paused because WeCom disabled it (93004): say that, not "WeCom is busy" nor
    // "the bot no longer exists (93000)", which WeCom never answered.
    const banner = bannerText((await console.get('/channels')).body);
    const invalidCheck = checkText((await console.get('/troubleshooting')).body, 'invalid');
    expect({ banner, invalidCheck }).toEqual({
      banner: expect.stringContaining('disabled in WeCom'),
      invalidCheck: expect.stringContaining('93004'),
    });
    const zh = await console.get('/troubleshooting', { 'accept-language': 'zh-CN' });
    expect(bannerText(zh.body)).toContain('已在企业微信中被停用');
    expect(checkText(zh.body, 'invalid')).toContain('93004');
  });
});

describe('the stored webhook key cannot be decrypted (SECRET_KEY changed, or restored without secret.key)', () => {
  const UNREADABLE_KEY = '3f2a9c4e-1b7d-4e8a-9c0f-5d6e7f8a1b2c';

  it('Troubleshooting and the channel card do not say all is well while nothing can be sent', async () => {
    const fake = await startFakeWecom({ keys: [UNREADABLE_KEY] });
    const dataDir = mkdtempSync(join(tmpdir(), 'unreadable-key-'));
    let app: TestAppliance | undefined;
    try {
      const first = await startTestAppliance({ wecomOrigin: fake.origin, dataDir, env: { ADMIN_PASSWORD: PASSWORD, SECRET_KEY: 'a'.repeat(40) }, reportTimers: false });
      const before = new ConsoleClient(first.url);
      await before.signIn(PASSWORD);
      expect((await before.postForm('/channels/wecom/connect', { url: UNREADABLE_KEY })).status).toBe(303);
      await first.stop();

      app = await startTestAppliance({ wecomOrigin: fake.origin, dataDir, env: { ADMIN_PASSWORD: PASSWORD, SECRET_KEY: 'b'.repeat(40) }, reportTimers: false });
      const client = new ConsoleClient(app.url);
      await client.signIn(PASSWORD);
      const token = issueApiToken(app.deps, { name: 'unreadable', requireSignature: false, now: Date.now() }).token;
      expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', title: 'waits for the key' })).status).toBe(202);

      // The card names the cause, and answers its own "Send test notification" with it.
      const test = await client.submit('/channels/wecom/test');
      expect(test.status).toBe(422);
      const card = textOf(test.body);
      expect(card).toContain('Key unreadable');
      expect(card).toContain('paste the webhook URL again with Replace URL');
      expect(card).not.toContain('No bot is connected.');
      expect(fake.calls).toHaveLength(1); // only the connect test, before the restart

      // Troubleshooting: one failing check, which says what to do.
      const trouble = await client.get('/troubleshooting');
      const bad = [...trouble.body.matchAll(/id="check-([\w-]+)" data-verdict="bad"/g)].map((m) => m[1]);
      expect(bad).toEqual(['connected']);
      expect(textOf(trouble.body)).toContain('cannot be decrypted');
      const zh = await client.postForm('/troubleshooting/test', {}, { 'accept-language': 'zh-CN' });
      expect(zh.status).toBe(422);
      expect(textOf(zh.body)).toContain('无法解密已保存的 Webhook 密钥');
      expect(textOf(zh.body)).toContain('替换地址');

      // Replace URL with the same bot: the key is stored with this data key and the alert goes out.
      expect((await client.postForm('/channels/wecom/connect', { url: UNREADABLE_KEY })).status).toBe(303);
      expect(textOf((await client.get('/channels')).body)).not.toContain('Key unreadable');
      expect(await waitFor(() => fake.received.some((m) => JSON.stringify(m.body).includes('waits for the key')))).toBe(true);
    } finally {
      await app?.stop();
      await fake.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("Troubleshooting's reach check after an answer that broke off (HTTP 200, then the connection dropped)", () => {
  const CUT_KEY = '3f2a9c4e-1b7d-4e8a-9c0f-5d6e7f8a1b2c';
  const reachText = (html: string) => textOf(/id="check-reach"[\s\S]*?<p>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '');

  it('does not say WeCom gave no answer and send the admin to check DNS and the firewall', async () => {
    const fake = await startFakeWecom({ keys: [CUT_KEY] });
    const app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD }, reportTimers: false });
    try {
      const console = new ConsoleClient(app.url);
      await console.signIn(PASSWORD);
      expect((await console.postForm('/channels/wecom/connect', { url: CUT_KEY })).status).toBe(303);
      fake.setFailure('cut', { times: 1 });
      const test = await console.postForm('/troubleshooting/test');
      expect(test.status).toBe(502);
      // WeCom took the message (the group has it) and answered HTTP 200; the card says so.
      expect(fake.received).toHaveLength(2);
      expect(textOf(test.body)).toContain('The connection broke while WeCom answered (HTTP 200)');
      const trouble = await console.get('/troubleshooting');
      expect(verdictOf(trouble.body, 'reach')).toBe('warn');
      const reach = reachText(trouble.body);
      expect(reach).not.toContain('without an answer from WeCom');
      expect(reach).toContain('WeCom answers, but the last attempt failed (Temporary failure)');
      expect(reach).toContain('The connection broke while WeCom answered (HTTP 200)');
      const zh = reachText((await console.get('/troubleshooting', { 'accept-language': 'zh-CN' })).body);
      expect(zh).toContain('企业微信有应答，但最近一次尝试失败（暂时失败）');
      expect(zh).toContain('企业微信响应时连接中断（HTTP 200）');
    } finally {
      await app.stop();
      await fake.close();
    }
  });
});

/** "connected, but nothing arrives": each real cause set up against one appliance and the fake WeCom, in order. */
describe('Troubleshooting names the real cause of "connected, but nothing arrives"', () => {
  const CAUSE_KEY = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';
  let fake: FakeWecom;
  let app: TestAppliance;
  let console: ConsoleClient;
  let token: string;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [CAUSE_KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD }, retryBaseMs: 50 });
    console = new ConsoleClient(app.url);
    await console.signIn(PASSWORD);
    expect((await console.postForm('/channels/wecom/connect', { url: CAUSE_KEY })).status).toBe(303);
    token = issueApiToken(app.deps, { name: 'causes', requireSignature: false, now: Date.now() }).token;
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('markdown format (the default): the page tells that the WeChat plugin shows "unsupported message type" and to switch to Plain text, in EN and ZH', async () => {
    expect(app.deps.settings.delivery().format).toBe('markdown');
    const page = await console.get('/troubleshooting', { 'accept-language': 'en' });
    expect(verdictOf(page.body, 'format')).toBe('info');
    const en = textOf(page.body);
    expect(en).toContain('unsupported message type');
    expect(en).toContain('Notifications → Message format → Plain text');
    const zh = textOf((await console.get('/troubleshooting', { 'accept-language': 'zh-CN' })).body);
    expect(zh).toContain('“通知规则”→“消息格式”→“纯文本”');
    app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), format: 'text' });
    try {
      expect(verdictOf((await console.get('/troubleshooting')).body, 'format')).toBeUndefined();
    } finally {
      app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), format: 'markdown' });
    }
  });

  it('events suppressed by a category switched off: the page does not say "no notification has been triggered, send an event from StoreClaw"; it names the switched-off category', async () => {
    const rules = app.deps.settings.rules();
    app.deps.settings.setRules({ ...rules, categories: { ...rules.categories, orders: false } });
    try {
      for (let i = 0; i < 2; i++) {
        const res = await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: `orders off ${i}` });
        expect(res.json.status).toBe('suppressed');
      }
      const page = await console.get('/troubleshooting', { 'accept-language': 'en' });
      expect(verdictOf(page.body, 'nothing-sent')).toBe('warn');
      const en = textOf(page.body);
      // Events DID arrive from StoreClaw: telling the admin to "send an event from StoreClaw or check its webhook settings" sends them the wrong way.
      expect(en).not.toContain('No notification has been triggered yet');
      expect(en).toContain('a rule suppressed 2 events');
      expect(en).toContain('its category is turned off');
      expect(en).toContain('Inbound API → Recent events');
      const zh = textOf((await console.get('/troubleshooting', { 'accept-language': 'zh-CN' })).body);
      expect(zh).not.toContain('还没有触发过任何通知');
      expect(zh).toContain('该类别已关闭');
    } finally {
      app.deps.settings.setRules(rules);
    }
  });

  it('events held by quiet hours: the page does not say "Nothing is waiting" with every check passing; it names the quiet hours and when they end', async () => {
    // Let one notification go out first, so the "nothing sent" check is not what speaks.
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: 'before quiet hours' })).status).toBe(202);
    expect(await waitFor(() => outcomes(app.deps.db).pending === 0)).toBe(true);
    const rules = app.deps.settings.rules();
    const h = new Date().getUTCHours();
    const hh = (n: number) => `${String((n + 24) % 24).padStart(2, '0')}:00`;
    app.deps.settings.setRules({ ...rules, quietHours: { enabled: true, start: hh(h - 1), end: hh(h + 2), timeZone: 'UTC' } });
    try {
      const held = await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: 'held by quiet hours' });
      expect(held.json.status).toBe('held');
      const page = await console.get('/troubleshooting', { 'accept-language': 'en' });
      expect(verdictOf(page.body, 'held')).toBe('info');
      const en = textOf(page.body);
      expect(en).not.toContain('Nothing is waiting.');
      expect(en).toMatch(/1 event is held by quiet hours \(or a non-workday\) until [^;]+; they go out as one digest then/);
      const zh = textOf((await console.get('/troubleshooting', { 'accept-language': 'zh-CN' })).body);
      expect(zh).toContain('1 个事件因免打扰时段（或非工作日）暂缓发送');
    } finally {
      app.deps.settings.setRules(rules);
    }
  });

  it('a dead message waiting for a hand retry is named on the page once a later notification went out', async () => {
    expect(verdictOf((await console.get('/troubleshooting')).body, 'dead')).toBe('ok');
    fake.setFailure('errcode', { errcode: 40008, times: 1 });
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: 'dead one' })).status).toBe(202);
    expect(await waitFor(() => listDeliveries(app.deps.db, {}, { limit: 20 }).some((d) => d.kind !== 'test' && d.status === 'dead'))).toBe(true);
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: 'later one' })).status).toBe(202);
    expect(await waitFor(() => outcomes(app.deps.db).pending === 0)).toBe(true);
    expect(listDeliveries(app.deps.db, {}, { limit: 20 }).filter((d) => d.status === 'dead').length).toBe(1);
    const page = await console.get('/troubleshooting', { 'accept-language': 'en' });
    // The "dead one" never reached the group and waits in the send log for Retry: the page must say so.
    expect(verdictOf(page.body, 'dead')).toBe('warn');
    expect(textOf(page.body)).toMatch(/1 message never reached the group and is dead in the send log, even though later ones went out; the latest at [^:]+:\d\d:\d\d[^:]*: Cannot be sent: /);
    expect(page.body).toContain('href="/send-log?status=dead"');
    const zh = textOf((await console.get('/troubleshooting', { 'accept-language': 'zh-CN' })).body);
    expect(zh).toContain('1 条消息没有送达群里');
    // Counted on the status index, never by reading every message.
    const plan = app.deps.db.$client.prepare(`EXPLAIN QUERY PLAN SELECT count(*) FROM deliveries WHERE status = 'dead' AND kind <> 'test'`).all() as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toContain('USING INDEX deliveries_queue_idx (status=?)');
  });
});
