// Review round 6: connecting the bot and diagnosing "connected, but nothing arrives".
// Each test fails on the current code for the one reason its name gives. (The round's other tests
// were moved next to their areas' tests with their fixes.)
import { afterEach, describe, expect, it } from 'vitest';
import { getChannel } from '../../db/queries/channel.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const PASSWORD = 'review-channel-pass-6';
const KEY_A = '3f2a9c4e-1b7d-4e8a-9c0f-5d6e7f8a1b2c';
const KEY_B = '0d4b6e1a-92c3-4f5e-8a7b-c6d5e4f3a2b1';

let fake: FakeWecom | undefined;
let app: TestAppliance | undefined;

afterEach(async () => {
  await app?.stop();
  await fake?.close();
  app = undefined;
  fake = undefined;
});

async function start(opts: { keys: string[]; wecomTimeoutMs?: number }) {
  fake = await startFakeWecom({ keys: opts.keys });
  app = await startTestAppliance({
    wecomOrigin: fake.origin,
    env: { ADMIN_PASSWORD: PASSWORD },
    wecomTimeoutMs: opts.wecomTimeoutMs ?? 1500,
    retryBaseMs: 50,
    reportTimers: false,
  });
  const client = new ConsoleClient(app.url);
  await client.signIn(PASSWORD);
  return { fake, app, client };
}

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
