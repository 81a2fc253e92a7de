import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { outcomes, pool } from '../helpers/accounting.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

// PUBLIC_URL is where people open the console (here behind a proxy path); messages link into its
// send log, and each link, followed on the appliance, shows what the message left out.
const WINDOW_MS = 2_000;
const KEY = '2f3a4b5c-6d7e-4f8a-9b0c-1d2e3f4a5b6c';
const PASSWORD = 'links-test-pass';
const PUBLIC_URL = 'https://notifier.example.com/ops';

describe('messages link to the console when PUBLIC_URL is set', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let admin: ConsoleClient;
  let token: string;
  /** A link from a message, followed on the appliance (the proxy's /ops prefix taken off). */
  const follow = (url: string) => admin.get(url.slice(PUBLIC_URL.length));
  const linksIn = (fragment: string) =>
    fake
      .receivedFor(KEY)
      .map((m) => JSON.stringify(m.body))
      .flatMap((s) => [...s.matchAll(/\]\((https:\/\/notifier\.example\.com\/ops\/send-log\?[^)\\]+)\)/g)].map((x) => x[1]!))
      .filter((u) => u.includes(fragment));

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY], windowMs: WINDOW_MS });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD, WECOM_RATE_WINDOW_MS: String(WINDOW_MS), PUBLIC_URL: `${PUBLIC_URL}/` } });
    app.deps.settings.setRules({ ...app.deps.settings.rules(), dedupeWindowMinutes: 0 });
    app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), language: 'en', format: 'markdown', digestWindowSeconds: 10 });
    admin = new ConsoleClient(app.url);
    await admin.signIn(PASSWORD);
    expect((await admin.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
    token = issueApiToken(app.deps, { name: 'links', requireSignature: false, now: Date.now() }).token;
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('a storm digest links to the merged messages of its category, and that page lists them', async () => {
    await pool(
      Array.from({ length: 120 }, (_, i) => i),
      16,
      async (i) => expect((await postEvent(app.url, token, { kind: 'alert', category: 'inventory', severity: 'warning', title: `link storm #${i}` })).status).toBe(202),
    );
    expect(await waitFor(() => outcomes(app.deps.db).pending === 0 && app.worker.idle(), 30_000, 100)).toBe(true);
    expect(outcomes(app.deps.db).digested).toBeGreaterThan(0);
    const [link] = linksIn('status=merged');
    expect(link).toBe(`${PUBLIC_URL}/send-log?category=inventory&status=merged`);
    const digest = fake.receivedFor(KEY).map((m) => JSON.stringify(m.body)).find((s) => s.includes(link!))!;
    expect(digest).toContain(`[See the console for all of them](${link})`);
    const page = await follow(link!);
    expect(page.status).toBe(200);
    expect(textOf(page.body)).toMatch(/link storm #\d+/);
  }, 60_000);

  it("a storm of failed task results: its digest's link lists them too (they are task results, not alerts)", async () => {
    await pool(
      Array.from({ length: 120 }, (_, i) => i),
      16,
      async (i) => expect((await postEvent(app.url, token, { kind: 'task_result', task_name: `sync store ${i}`, status: 'failed' })).status).toBe(202),
    );
    expect(await waitFor(() => outcomes(app.deps.db).pending === 0 && app.worker.idle(), 30_000, 100)).toBe(true);
    const link = linksIn('category=task&status=merged')[0];
    expect(link).toBe(`${PUBLIC_URL}/send-log?category=task&status=merged`);
    const page = await follow(link!);
    expect(page.status).toBe(200);
    expect(textOf(page.body)).toMatch(/sync store \d+/);
  }, 60_000);

  it('an alert cut to fit the 4,096 bytes links to its own event in the send log', async () => {
    const fields = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`field ${i}`, '库存'.repeat(200)]));
    const res = await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'critical', title: 'long alert for the link', summary: '订单'.repeat(900), fields });
    expect(res.status).toBe(202);
    const id = (res.json as { id: number }).id;
    expect(await waitFor(() => linksIn(`event=${id}`).length > 0, 10_000)).toBe(true);
    const [link] = linksIn(`event=${id}`);
    expect(link).toBe(`${PUBLIC_URL}/send-log?event=${id}`);
    const page = await follow(link!);
    expect(page.status).toBe(200);
    expect(textOf(page.body)).toContain('long alert for the link');
  });

  it('a link opened while signed out (a phone) leads, after sign-in, to the page it names, its query kept', async () => {
    const fields = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`field ${i}`, '库存'.repeat(200)]));
    const res = await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'critical', title: 'long alert opened on a phone', summary: '订单'.repeat(900), fields });
    expect(res.status).toBe(202);
    const id = (res.json as { id: number }).id;
    expect(await waitFor(() => linksIn(`event=${id}`).length > 0, 10_000)).toBe(true);
    const path = linksIn(`event=${id}`)[0]!.slice(PUBLIC_URL.length);
    expect(path).toBe(`/send-log?event=${id}`);
    const phone = new ConsoleClient(app.url);
    const asked = await phone.get(path);
    expect(asked.location).toBe(`/login?next=${encodeURIComponent(path)}`);
    const { next, location } = await phone.signInThrough(asked.location!, PASSWORD);
    expect(next, "the sign-in form's return path").toBe(path);
    expect(location, 'where sign-in leads').toBe(path);
    expect(textOf((await phone.get(location!)).body)).toContain('long alert opened on a phone');
  });
});
