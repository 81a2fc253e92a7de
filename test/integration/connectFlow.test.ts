import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getChannel } from '../../db/queries/channel.ts';
import { listAudit } from '../../db/queries/audit.ts';
import { listDeliveries } from '../../db/queries/deliveries.ts';
import { translator } from '../../server/strings/translate.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { ConsoleClient, descriptionOf, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY_A = '3f2a9c4e-1b7d-4e8a-9c0f-5d6e7f8a1b2c';
const KEY_B = '0d4b6e1a-92c3-4f5e-8a7b-c6d5e4f3a2b1';
const UNKNOWN = '11111111-2222-4333-8444-555555555555';
const url = (key: string) => `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${key}`;

describe('connecting the one WeCom bot over real HTTP', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let client: ConsoleClient;
  // Connect and test sends count against the bot's rate window: a 45009 blocks a whole window, which
  // the test passes by moving the appliance's clock.
  let offset = 0;
  const clock = { now: () => Date.now() + offset };

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY_A, KEY_B] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, wecomTimeoutMs: 500, clock });
    client = new ConsoleClient(app.url);
    await client.signIn('correct horse battery');
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });
  beforeEach(() => fake.setFailure(null));

  it('refuses a malformed URL with its own message and saves nothing', async () => {
    const res = await client.submit('/channels/wecom/connect', { url: `http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY_A}` });
    expect(res.status).toBe(422);
    expect(textOf(res.body)).toContain('https://');
    expect(getChannel(app.deps.db)).toBeUndefined();
    expect(fake.received).toHaveLength(0);
  });

  it('a refused Webhook URL: the reason is tied to the Webhook URL field (aria-describedby), as on every other console form', async () => {
    const res = await client.submit('/channels/wecom/connect', { url: url(KEY_A.slice(0, 20)) });
    expect(res.status).toBe(422);
    // A screen reader user back on the field to correct the URL hears why, not only the help line.
    expect(descriptionOf(res.body, 'webhook-url')).toMatch(/cut off/i);
    expect(res.body).toMatch(/<input[^>]*id="webhook-url"[^>]*aria-invalid="true"/);
  });

  it('says the bot no longer exists on 93000 and does not save the URL', async () => {
    const res = await client.submit('/channels/wecom/connect', { url: url(UNKNOWN) });
    expect(res.redirectedTo).toBe('/channels?form=add');
    expect(textOf(res.body)).toContain('no longer exists');
    expect(getChannel(app.deps.db)).toBeUndefined();
    const [row] = listDeliveries(app.deps.db, {}, { limit: 1 });
    expect(row).toMatchObject({ status: 'failed', errcode: 93000, kind: 'test' });
  });

  it('says WeCom is rate limiting on 45009 and could not reach WeCom on a reset', async () => {
    fake.setFailure('errcode', { errcode: 45009, times: 1 });
    const limited = await client.submit('/channels/wecom/connect', { url: url(KEY_A) });
    expect(limited.redirectedTo).toBe('/channels?form=add');
    expect(textOf(limited.body)).toMatch(/limiting/i);
    const received = fake.received.length;
    const blocked = await client.postForm('/channels/wecom/connect', { url: url(KEY_A) }, { 'hx-request': 'true' });
    expect(blocked.status).toBe(429);
    expect(fake.received.length).toBe(received);
    offset += 60_000;
    fake.setFailure('reset', { times: 1 });
    const reset = await client.submit('/channels/wecom/connect', { url: url(KEY_A) });
    expect(textOf(reset.body)).toMatch(/could not reach WeCom/i);
    fake.setFailure('hang', { times: 1 });
    const hung = await client.submit('/channels/wecom/connect', { url: url(KEY_A) });
    expect(hung.redirectedTo).toBe('/channels?form=add');
    expect(getChannel(app.deps.db)).toBeUndefined();
  });

  it('connects: the fake records the test message and the card shows the masked URL', async () => {
    const before = fake.received.length;
    const res = await client.submit('/channels/wecom/connect', { url: `  ${url(KEY_A)}\n` });
    expect(res.redirectedTo).toBe('/channels');
    const text = textOf(res.body);
    expect(text).toContain('Connected: the test message was sent to the group.');
    expect(text).toContain('key=****1b2c');
    expect(fake.receivedFor(KEY_A).length).toBe(1);
    expect(fake.received.length).toBe(before + 1);
    expect(getChannel(app.deps.db)).toMatchObject({ status: 'connected', keyLast4: '1b2c' });
    expect(listAudit(app.deps.db, { limit: 1 })[0]?.action).toBe('channel.connect');
    // Reloading the result page connects nothing again and repeats no notice.
    const reload = await client.get(res.redirectedTo!);
    expect(textOf(reload.body)).not.toContain('Connected: the test message');
    expect(fake.received.length).toBe(before + 1);
  });

  it('accepts a bare key and reports dropped extra parameters', async () => {
    const res = await client.submit('/channels/wecom/connect', { url: `${url(KEY_A)}&debug=1` });
    expect(res.status).toBe(200);
    expect(textOf(res.body)).toContain('debug');
    const bare = await client.submit('/channels/wecom/connect', { url: KEY_A });
    expect(bare.status).toBe(200);
  });

  it('sends a test notification to the stored bot', async () => {
    const before = fake.receivedFor(KEY_A).length;
    const res = await client.postForm('/channels/wecom/test', {}, { 'hx-request': 'true' });
    expect(res.status).toBe(200);
    expect(res.body).not.toContain('<html');
    expect(textOf(res.body)).toContain('Test notification sent to the group.');
    expect(fake.receivedFor(KEY_A).length).toBe(before + 1);
  });

  it('keeps the old bot when a replacement fails, and replaces it when the new one works', async () => {
    const failed = await client.submit('/channels/wecom/connect', { url: url(UNKNOWN) });
    expect(failed.redirectedTo).toBe('/channels?form=replace');
    // The old bot stays connected, and the card says so: no "Not connected" under a Connected badge.
    expect(textOf(failed.body)).toContain('The new URL was not saved, the bot stays as it was');
    expect(textOf(failed.body)).not.toContain('Not connected');
    expect(getChannel(app.deps.db)?.keyLast4).toBe('1b2c');
    const res = await client.submit('/channels/wecom/connect', { url: url(KEY_B) });
    expect(res.status).toBe(200);
    expect(getChannel(app.deps.db)?.keyLast4).toBe('a2b1');
    expect(fake.receivedFor(KEY_B).length).toBe(1);
    expect(listAudit(app.deps.db, { limit: 1 })[0]?.action).toBe('channel.replace');
  });

  it('marks the channel invalid when the test notification gets 93000, and shows a banner', async () => {
    fake.removeKey(KEY_B);
    const res = await client.submit('/channels/wecom/test');
    expect(res.redirectedTo).toBe('/channels');
    expect(getChannel(app.deps.db)?.status).toBe('invalid');
    const page = await client.get('/');
    expect(textOf(page.body)).toContain('Sending is paused');
    fake.addKey(KEY_B);
    await client.postForm('/channels/wecom/test');
    expect(getChannel(app.deps.db)?.status).toBe('connected');
  });

  it('disconnects after a confirmation page and deletes the stored key', async () => {
    const confirm = await client.get('/channels/wecom/disconnect');
    expect(textOf(confirm.body)).toContain('Yes, disconnect');
    const res = await client.submit('/channels/wecom/disconnect');
    expect(res.redirectedTo).toBe('/channels');
    expect(textOf(res.body)).toContain('Disconnected');
    expect(getChannel(app.deps.db)).toBeUndefined();
    const test = await client.postForm('/channels/wecom/test');
    expect(test.status).toBe(422);
  });

  it('shows every send in the send log and every action in the audit log', async () => {
    const log = await client.get('/send-log');
    expect(log.status).toBe(200);
    const rows = listDeliveries(app.deps.db, {}, { limit: 100 });
    expect(rows.length).toBeGreaterThanOrEqual(8);
    const detail = await client.get(`/send-log/${rows.find((r) => r.errcode === 93000)!.id}`);
    expect(textOf(detail.body)).toContain('no longer exists');
    const audit = await client.get('/audit');
    const text = textOf(audit.body);
    for (const words of ['connected the WeCom bot', 'replaced the webhook URL', 'disconnected the WeCom bot', 'created the admin password']) {
      expect(text).toContain(words);
    }
  });

  it('the audit log on a Chinese console says why a connect failed in words, not as the codes stored (wrong_scheme, invalid_channel)', async () => {
    const zh = translator('zh');
    const page = await client.get('/audit', { 'accept-language': 'zh-CN' });
    const rows = page.body.split('<tr>').map(textOf).filter((r) => r.includes(zh('audit.action.channel.connect_failed')));
    // The malformed URL (refused by the format check) and the unknown key (93000, refused by WeCom), at least.
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.join('\n')).toContain(`${zh('audit.detail.reason')}: ${zh('url.cause.wrong_scheme')}`);
    expect(rows.join('\n')).toContain(`${zh('audit.detail.failure')}: ${zh('sendLog.failure.invalid_channel')}`);
    const codes = rows.flatMap((r) => r.match(/\b(wrong_scheme|invalid_channel|rate_limited|permanent|transient)\b/g) ?? []);
    expect(codes).toEqual([]);
  });

  it('never lets the key out: not in HTML, headers, logs, the send log, or the SQLite files', async () => {
    await client.get('/channels');
    const keys = [KEY_A, KEY_B, UNKNOWN];
    const haystacks = [
      ...client.captured.map((c) => c.body + c.headers),
      ...app.logs,
      ...listDeliveries(app.deps.db, {}, { limit: 1000 }).map((r) => JSON.stringify(r)),
      ...listAudit(app.deps.db, { limit: 1000 }).map((r) => JSON.stringify(r)),
    ];
    app.deps.db.$client.pragma('wal_checkpoint(FULL)');
    for (const file of readdirSync(app.dataDir)) {
      haystacks.push(readFileSync(join(app.dataDir, file)).toString('latin1'));
    }
    expect(client.captured.length).toBeGreaterThan(10);
    for (const hay of haystacks) for (const key of keys) expect(hay.includes(key)).toBe(false);
  });
});

describe('the connect test and the test notification in the chosen message format', () => {
  it('are text messages when the admin chose text (the WeChat plugin shows no markdown)', async () => {
    const fake = await startFakeWecom({ keys: [KEY_A] });
    const app = await startTestAppliance({ wecomOrigin: fake.origin });
    try {
      app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), format: 'text', language: 'en' });
      const client = new ConsoleClient(app.url);
      await client.signIn('correct horse battery');
      expect((await client.submit('/channels/wecom/connect', { url: url(KEY_A) })).redirectedTo).toBe('/channels');
      expect(textOf((await client.postForm('/channels/wecom/test', {}, { 'hx-request': 'true' })).body)).toContain('Test notification sent to the group.');
      const sent = fake.receivedFor(KEY_A);
      expect(sent.map((m) => m.msgtype)).toEqual(['text', 'text']);
      const contents = sent.map((m) => (m.body.text as { content: string }).content);
      expect(contents[0]).toMatch(/^StoreClaw WeCom Notifier is connected\n/);
      expect(contents[1]).toMatch(/^Test notification from StoreClaw WeCom Notifier\n/);
      for (const content of contents) expect(content).not.toMatch(/###|<font|> /);
    } finally {
      await app.stop();
      await fake.close();
    }
  });
});

describe('the connect test and the test notification answered errcode -1 (system busy)', () => {
  it('do not promise that the message "will be sent again shortly": connect and test messages are tried once', async () => {
    const fake = await startFakeWecom({ keys: [KEY_A] });
    const app = await startTestAppliance({ wecomOrigin: fake.origin, retryBaseMs: 50, reportTimers: false });
    try {
      const client = new ConsoleClient(app.url);
      await client.signIn('correct horse battery');

      fake.setFailure('errcode', { errcode: -1, times: 1 });
      const connectText = textOf((await client.submit('/channels/wecom/connect', { url: KEY_A })).body);
      expect(connectText).toContain('Not connected');
      expect(getChannel(app.deps.db)).toBeUndefined();
      // Nothing is ever sent again for it: the appliance made exactly one call.
      await new Promise((r) => setTimeout(r, 300));
      expect(fake.calls).toHaveLength(1);
      // The send log says so for this very row, and the card says the same.
      const row = listDeliveries(app.deps.db, { kind: 'test' }, { limit: 1 })[0]!;
      expect(textOf((await client.get(`/send-log/${row.id}`)).body)).toContain('tried only once');
      expect(connectText).toContain('tried only once');
      expect(connectText).not.toContain('will be sent again');

      expect((await client.postForm('/channels/wecom/connect', { url: KEY_A })).status).toBe(303);
      fake.setFailure('errcode', { errcode: -1, times: 1 });
      const test = textOf((await client.submit('/channels/wecom/test')).body);
      expect(test).toContain('The test notification failed');
      expect(test).not.toContain('will be sent again');

      fake.setFailure('errcode', { errcode: -1, times: 1 });
      const trouble = await client.postForm('/troubleshooting/test', {}, { 'accept-language': 'zh-CN' });
      expect(trouble.status).toBe(502);
      expect(textOf(trouble.body)).toContain('只发送一次');
      expect(textOf(trouble.body)).not.toContain('稍后会重新发送');
    } finally {
      await app.stop();
      await fake.close();
    }
  });
});

describe('the rate-limit answer of the connect and test flows', () => {
  it('names the limit the admin set, not always 20', async () => {
    const fake = await startFakeWecom({ keys: [KEY_A, KEY_B] });
    const app = await startTestAppliance({ wecomOrigin: fake.origin, reportTimers: false });
    try {
      const client = new ConsoleClient(app.url);
      await client.signIn('correct horse battery');
      expect((await client.postForm('/channels/wecom/connect', { url: KEY_A })).status).toBe(303);
      // Notifications → "messages per minute" set to 2 (WeCom allows 20; the admin may choose fewer).
      app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), rateLimit: 2 });
      app.deps.limiter.setLimit(2);
      expect(textOf((await client.submit('/channels/wecom/test')).body)).toContain('Test notification sent');
      const limited = textOf((await client.submit('/channels/wecom/test')).body);
      expect(limited).toMatch(/has sent its 2 messages for this minute; try again in \d+ s/);
      const replace = textOf((await client.submit('/channels/wecom/connect', { url: KEY_B })).body);
      expect(replace).toMatch(/has sent its 2 messages for this minute/);
      const zh = await client.postForm('/troubleshooting/test', {}, { 'accept-language': 'zh-CN' });
      expect(zh.status).toBe(429);
      expect(textOf(zh.body)).toContain('本分钟内该机器人已发送 2 条消息');
    } finally {
      await app.stop();
      await fake.close();
    }
  });
});
