// Review round 6: connecting the bot and diagnosing "connected, but nothing arrives".
// Each test fails on the current code for the one reason its name gives.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getChannel } from '../../db/queries/channel.ts';
import { listDeliveries } from '../../db/queries/deliveries.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom, type FakeWecomOptions } from '../fakeWecom.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const PASSWORD = 'review-channel-pass-6';
const KEY_A = '3f2a9c4e-1b7d-4e8a-9c0f-5d6e7f8a1b2c';
const KEY_B = '0d4b6e1a-92c3-4f5e-8a7b-c6d5e4f3a2b1';

const verdicts = (html: string) => [...html.matchAll(/id="check-([\w-]+)" data-verdict="(\w+)"/g)].map((m) => `${m[1]}=${m[2]}`);
const checkText = (html: string, id: string) => {
  const m = new RegExp(`id="check-${id}"[\\s\\S]*?<p>([\\s\\S]*?)</p>`).exec(html);
  return m ? textOf(m[1]!) : '';
};
const bannerText = (html: string) => {
  const m = /<main>/.exec(html);
  // The banner sits between the header and <main>.
  const head = m ? html.slice(0, m.index) : html;
  const start = head.lastIndexOf('</header>');
  return textOf(start >= 0 ? head.slice(start) : head);
};

let fake: FakeWecom | undefined;
let app: TestAppliance | undefined;
const cleanups: Array<() => void> = [];

afterEach(async () => {
  await app?.stop();
  await fake?.close();
  app = undefined;
  fake = undefined;
  for (const c of cleanups.splice(0)) c();
});

async function start(opts: { keys: string[]; clock?: { now: () => number }; wecomTimeoutMs?: number; onMessage?: FakeWecomOptions['onMessage'] }) {
  fake = await startFakeWecom({ keys: opts.keys, onMessage: opts.onMessage });
  app = await startTestAppliance({
    wecomOrigin: fake.origin,
    env: { ADMIN_PASSWORD: PASSWORD },
    clock: opts.clock,
    wecomTimeoutMs: opts.wecomTimeoutMs ?? 1500,
    retryBaseMs: 50,
    reportTimers: false,
  });
  const client = new ConsoleClient(app.url);
  await client.signIn(PASSWORD);
  return { fake, app, client };
}

describe('the connect test and the test notification answered errcode -1 (system busy)', () => {
  it('do not promise that the message "will be sent again shortly": connect and test messages are tried once', async () => {
    const { fake, client } = await start({ keys: [KEY_A] });

    fake.setFailure('errcode', { errcode: -1, times: 1 });
    const connect = await client.submit('/channels/wecom/connect', { url: KEY_A });
    const connectText = textOf(connect.body);
    expect(connectText).toContain('Not connected');
    expect(getChannel(app!.deps.db)).toBeUndefined();
    // Nothing is ever sent again for it: the appliance made exactly one call.
    await new Promise((r) => setTimeout(r, 500));
    expect(fake.calls).toHaveLength(1);
    // The send log itself says so for this very row ("a connect or test message is tried only once").
    const row = listDeliveries(app!.deps.db, { kind: 'test' }, { limit: 1 })[0]!;
    const detail = textOf((await client.get(`/send-log/${row.id}`)).body);
    expect(detail).toContain('tried only once');
    // ...but the card told the admin the opposite.
    expect(connectText).not.toContain('will be sent again');

    expect((await client.postForm('/channels/wecom/connect', { url: KEY_A })).status).toBe(303);
    fake.setFailure('errcode', { errcode: -1, times: 1 });
    const test = await client.submit('/channels/wecom/test');
    expect(textOf(test.body)).toContain('The test notification failed');
    expect(textOf(test.body)).not.toContain('will be sent again');

    fake.setFailure('errcode', { errcode: -1, times: 1 });
    const trouble = await client.postForm('/troubleshooting/test');
    expect(trouble.status).toBe(502);
    expect(textOf(trouble.body)).not.toContain('will be sent again');
  });
});

describe('a test notification answered after the webhook URL was replaced', () => {
  it("does not record the old key's 93000 as the new bot's last error", async () => {
    const { fake, app, client } = await start({ keys: [KEY_A, KEY_B], wecomTimeoutMs: 4000 });
    expect((await client.postForm('/channels/wecom/connect', { url: KEY_A })).status).toBe(303);

    // The test notification with bot A is slow to be answered; meanwhile bot A is deleted in WeCom
    // and the admin replaces the URL with bot B (in another tab).
    fake.setFailure('slow', { times: 1, delayMs: 1500 });
    const pending = client.postForm('/channels/wecom/test');
    expect(await waitFor(() => !fake.failureArmed())).toBe(true);
    fake.removeKey(KEY_A);
    // (a second tab of the same session)
    const second = new ConsoleClient(app.url);
    second.cookies = new Map(client.cookies);
    second.csrf = client.csrf;
    const res = await second.postForm('/channels/wecom/connect', { url: KEY_B });
    expect(res.status).toBe(303);
    expect(getChannel(app.deps.db)?.keyLast4).toBe(KEY_B.slice(-4));
    expect(getChannel(app.deps.db)?.lastErrcode).toBeNull();

    await pending; // WeCom answers the old key's test: 93000
    expect(fake.calls.some((c) => c.key === KEY_A && c.answer === 93000)).toBe(true);

    const channel = getChannel(app.deps.db)!;
    const card = textOf((await client.get('/channels')).body);
    expect(channel.keyLast4).toBe(KEY_B.slice(-4));
    // Bot B was never refused: the 93000 belongs to the replaced key.
    expect({ lastErrcode: channel.lastErrcode, card }).toEqual({ lastErrcode: null, card: expect.not.stringContaining('errcode 93000') });
  });

  it('does not mark the new bot, which WeCom has just refused, as connected again when the old key answers ok', async () => {
    const { fake, app, client } = await start({ keys: [KEY_A, KEY_B], wecomTimeoutMs: 6000 });
    expect((await client.postForm('/channels/wecom/connect', { url: KEY_A })).status).toBe(303);
    const { token } = issueApiToken(app.deps, { name: 'rv6', requireSignature: false, now: Date.now() });

    fake.setFailure('slow', { times: 1, delayMs: 2500 });
    const pending = client.postForm('/channels/wecom/test');
    expect(await waitFor(() => !fake.failureArmed())).toBe(true);
    const second = new ConsoleClient(app.url);
    second.cookies = new Map(client.cookies);
    second.csrf = client.csrf;
    expect((await second.postForm('/channels/wecom/connect', { url: KEY_B })).status).toBe(303);
    // Bot B is removed from the group; the next notification gets 93000 and the channel is invalid.
    fake.removeKey(KEY_B);
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', title: 'to bot B' })).status).toBe(202);
    expect(await waitFor(() => getChannel(app.deps.db)?.status === 'invalid', 2000)).toBe(true);
    expect(fake.inFlight()).toBe(1); // the old key's test is still unanswered

    await pending; // WeCom answers the old key (bot A, still fine): errcode 0
    await new Promise((r) => setTimeout(r, 1000));
    const refusedByB = fake.calls.filter((c) => c.key === KEY_B && c.answer === 93000).length;
    // Only an answer for the current key may change the channel: bot B stays invalid, and nothing is
    // sent to it again until the URL is replaced.
    expect(refusedByB, 'calls WeCom answered 93000 for bot B (the worker resumed sending to the refused bot)').toBe(1);
  });
});

describe('a bot that comes back after a long invalid spell (re-enabled in WeCom, test notification ok)', () => {
  it('gives the messages that waited for it their full maximum age: a first HTTP 500 does not kill them', async () => {
    let offset = 0;
    const clock = { now: () => Date.now() + offset };
    let armed = false;
    const { fake, app, client } = await start({
      keys: [KEY_A],
      clock,
      // The first message WeCom receives once armed (the test notification) is followed by one HTTP 500.
      onMessage: () => {
        if (!armed) return;
        armed = false;
        fake!.setFailure('http500', { times: 1 });
      },
    });
    expect((await client.postForm('/channels/wecom/connect', { url: KEY_A })).status).toBe(303);
    const { token } = issueApiToken(app.deps, { name: 'rv6', requireSignature: false, now: clock.now() });

    // The bot is disabled in WeCom (93004): the alert waits, the channel is invalid.
    fake.setFailure('errcode', { errcode: 93004, times: 1 });
    const posted = await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: 'waits for the bot' });
    expect(posted.status).toBe(202);
    expect(await waitFor(() => getChannel(app.deps.db)?.status === 'invalid')).toBe(true);
    const alert = () => listDeliveries(app.deps.db, { kind: 'alert' }, { limit: 5 })[0]!;
    expect(alert().status).toBe('queued');

    // A day and more later the admin re-enables the bot, as the card told them, and sends a test.
    offset += 25 * 3600_000;
    await client.signIn(PASSWORD); // the console session of a day ago has expired
    armed = true;
    const test = await client.submit('/channels/wecom/test');
    expect(textOf(test.body)).toContain('Test notification sent');
    expect(getChannel(app.deps.db)?.status).toBe('connected');

    // The held alert goes out now; WeCom answers its first try with an HTTP 500.
    expect(await waitFor(() => alert().failure === 'transient')).toBe(true);
    // A transient failure is retried with backoff "up to a configurable age": this alert has waited
    // for the bot, not been tried for a day; it must be retried, not dead on its first 500.
    expect(alert().status).toBe('queued');
  });
});

describe('the invalid bot banner and Troubleshooting keep the reason WeCom refused the bot', () => {
  it('after a 93004 (bot disabled) and a test notification that WeCom answered "busy" (-1)', async () => {
    const { fake, app, client } = await start({ keys: [KEY_A] });
    expect((await client.postForm('/channels/wecom/connect', { url: KEY_A })).status).toBe(303);
    const { token } = issueApiToken(app.deps, { name: 'rv6', requireSignature: false, now: Date.now() });
    fake.setFailure('errcode', { errcode: 93004, times: 1 });
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', title: 'refused' })).status).toBe(202);
    expect(await waitFor(() => getChannel(app.deps.db)?.status === 'invalid')).toBe(true);
    expect(bannerText((await client.get('/channels')).body)).toContain('disabled in WeCom');

    // The admin tries a test notification; WeCom is busy this once.
    fake.setFailure('errcode', { errcode: -1, times: 1 });
    await client.submit('/channels/wecom/test');
    expect(getChannel(app.deps.db)?.status).toBe('invalid');

    const banner = bannerText((await client.get('/channels')).body);
    const invalidCheck = checkText((await client.get('/troubleshooting')).body, 'invalid');
    // The bot is still paused because WeCom disabled it (93004): say that, not "WeCom is busy" nor
    // "the bot no longer exists (93000)", which WeCom never answered.
    expect({ banner, invalidCheck }).toEqual({
      banner: expect.stringContaining('disabled in WeCom'),
      invalidCheck: expect.stringContaining('93004'),
    });
  });
});

describe('the stored webhook key cannot be decrypted (SECRET_KEY changed, or restored without secret.key)', () => {
  it('Troubleshooting and the channel card do not say all is well while nothing can be sent', async () => {
    fake = await startFakeWecom({ keys: [KEY_A] });
    const dataDir = mkdtempSync(join(tmpdir(), 'rv6-channel-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await startTestAppliance({ wecomOrigin: fake.origin, dataDir, env: { ADMIN_PASSWORD: PASSWORD, SECRET_KEY: 'a'.repeat(40) }, reportTimers: false });
    const c1 = new ConsoleClient(first.url);
    await c1.signIn(PASSWORD);
    expect((await c1.postForm('/channels/wecom/connect', { url: KEY_A })).status).toBe(303);
    await first.stop();

    app = await startTestAppliance({ wecomOrigin: fake.origin, dataDir, env: { ADMIN_PASSWORD: PASSWORD, SECRET_KEY: 'b'.repeat(40) }, reportTimers: false });
    const client = new ConsoleClient(app.url);
    await client.signIn(PASSWORD);
    const { token } = issueApiToken(app.deps, { name: 'rv6', requireSignature: false, now: Date.now() });
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', title: 'never arrives' })).status).toBe(202);
    await new Promise((r) => setTimeout(r, 1500));
    expect(fake.calls).toHaveLength(1); // only the connect test, before the restart

    const test = await client.submit('/channels/wecom/test');
    const cardText = textOf(test.body);
    const trouble = await client.get('/troubleshooting');
    const found = verdicts(trouble.body);
    // The page that answers "connected, but nothing arrives" must name the cause (the key cannot be
    // read: paste the URL again); and the card, which shows the bot as connected, must not answer its
    // own "Send test notification" with "No bot is connected."
    expect({ problems: found.filter((v) => v.endsWith('=bad')), cardSaysConnected: cardText.includes('Connected'), testAnswer: cardText.includes('No bot is connected.') ? 'No bot is connected.' : 'other' }, `checks: ${found.join(', ')}`).toEqual({
      problems: [expect.any(String)],
      cardSaysConnected: true,
      testAnswer: 'other',
    });
  });
});

describe('the rate-limit answer of the connect and test flows', () => {
  it('names the limit the admin set, not always 20', async () => {
    const { app, client } = await start({ keys: [KEY_A] });
    expect((await client.postForm('/channels/wecom/connect', { url: KEY_A })).status).toBe(303);
    // Notifications → "messages per minute" set to 2 (WeCom allows 20; the admin may choose fewer).
    app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), rateLimit: 2 });
    app.deps.limiter.setLimit(2);
    expect(textOf((await client.submit('/channels/wecom/test')).body)).toContain('Test notification sent');
    const limited = textOf((await client.submit('/channels/wecom/test')).body);
    expect(limited).toContain('try again in');
    expect(limited).not.toMatch(/\b20 messages\b/);
  });
});

describe("Troubleshooting's reach check after an answer that broke off (HTTP 200, then the connection dropped)", () => {
  it('does not say WeCom gave no answer and send the admin to check DNS and the firewall', async () => {
    const { fake, client } = await start({ keys: [KEY_A] });
    expect((await client.postForm('/channels/wecom/connect', { url: KEY_A })).status).toBe(303);
    fake.setFailure('cut', { times: 1 });
    const test = await client.postForm('/troubleshooting/test');
    expect(test.status).toBe(502);
    // WeCom took the message (the group has it) and answered HTTP 200; the card says so.
    expect(fake.received).toHaveLength(2);
    expect(textOf(test.body)).toContain('The connection broke while WeCom answered (HTTP 200)');
    const reach = checkText((await client.get('/troubleshooting')).body, 'reach');
    expect(reach).not.toContain('without an answer from WeCom');
  });
});
