import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { listDeliveries } from '../../db/queries/deliveries.ts';
import { deleteAllSessions } from '../../db/queries/sessions.ts';
import type { FakeWecom } from '../fakeWecom.ts';
import { postEvent } from '../helpers/api.ts';
import { ARTIFACTS, type BrowserPage } from '../helpers/browser.ts';
import { consoleInBrowser, type ConsoleInBrowser } from '../helpers/consoleInBrowser.ts';
import type { TestAppliance } from '../helpers/testAppliance.ts';

const KEY_A = '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e';
const KEY_B = '3c4d5e6f-7a8b-4c9d-8e0f-2a3b4c5d6e7f';
const PASSWORD = 'journeys-pass-42';
const url = (key: string) => `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${key}`;

/** Every console journey in a real Chromium, against the real server and the fake WeCom, in order. */
describe('browser journeys', () => {
  let session: ConsoleInBrowser;
  let fake: FakeWecom;
  let app: TestAppliance;
  let browser: BrowserPage;
  let page: Page;
  const nav = (name: string) => page.locator('nav.main').getByRole('link', { name, exact: true });
  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });

  beforeAll(async () => {
    session = await consoleInBrowser({ keys: [KEY_A, KEY_B], retryBaseMs: 50, context: { locale: 'en-US' } });
    ({ fake, app, browser, page } = session);
  });
  afterAll(async () => {
    await session?.close();
  });

  it('first-run setup, sign out, and sign in', async () => {
    await page.goto(app.url + '/');
    await page.waitForURL('**/setup');
    await shot('setup');
    // The code the appliance printed to its log at start, as an operator would copy it.
    const code = /"setupCode":"([A-Z0-9-]+)"/.exec(app.logs.join('\n'))![1]!;
    await page.getByLabel('Setup code').fill(code);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Confirm password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create password and sign in' }).click();
    await page.waitForURL('**/channels');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/login?signedOut=1');
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Wrong password.');
    await shot('login-error');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(app.url + '/');
    await shot('dashboard-empty');
  });

  it('connects with a bad URL (message shown), then a good one; sends a test; replaces; disconnects', async () => {
    await nav('Channels').click();
    await page.getByRole('link', { name: 'Add' }).click();
    await page.getByLabel('Webhook URL').fill(`http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY_A}`);
    await page.getByRole('button', { name: 'Connect WeCom Bot' }).click();
    await expect.poll(() => page.locator('#wecom-card [role=alert]').textContent()).toContain('https://');
    await page.getByLabel('Webhook URL').fill(url(KEY_A));
    await page.getByRole('button', { name: 'Connect WeCom Bot' }).click();
    await expect.poll(() => page.locator('#wecom-card').textContent()).toContain('Connected: the test message was sent to the group.');
    await page.getByRole('button', { name: 'Send test notification' }).click();
    await expect.poll(() => page.locator('#wecom-card').textContent()).toContain('Test notification sent to the group.');
    expect(fake.receivedFor(KEY_A)).toHaveLength(2);
    await shot('channels-connected');

    await page.getByRole('link', { name: 'Replace URL' }).click();
    await page.getByLabel('Webhook URL').fill(url(KEY_B));
    await page.getByRole('button', { name: 'Connect WeCom Bot' }).click();
    await expect.poll(() => page.locator('#wecom-card code').textContent()).toContain('****6e7f');
    expect(fake.receivedFor(KEY_B)).toHaveLength(1);

    await page.getByRole('link', { name: 'Disconnect' }).click();
    await page.waitForURL('**/channels/wecom/disconnect');
    await shot('disconnect-confirm');
    await page.getByRole('button', { name: 'Yes, disconnect' }).click();
    await expect.poll(() => page.locator('#wecom-card').textContent()).toContain('Disconnected');
    await page.getByRole('link', { name: 'Add' }).click();
    await page.getByLabel('Webhook URL').fill(url(KEY_A));
    await page.getByRole('button', { name: 'Connect WeCom Bot' }).click();
    await expect.poll(() => page.locator('#wecom-card').textContent()).toContain('Connected');
  });

  it('creates an inbound token, raises an event with it, and sees it on the dashboard and in the send log', async () => {
    await nav('Inbound API').click();
    await page.getByLabel('Token name').fill('StoreClaw production');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.getByLabel('Token', { exact: true }).inputValue()).trim();
    expect(token).toMatch(/^scn_/);
    await shot('inbound-token-created');
    const res = await postEvent(app.url, token, { kind: 'alert', category: 'inventory', severity: 'critical', title: 'SKU-1024 out of stock', store: 'Tmall Flagship' });
    expect(res.status).toBe(202);
    await expect.poll(() => fake.receivedFor(KEY_A).some((m) => JSON.stringify(m.body).includes('SKU-1024 out of stock')), { timeout: 10_000 }).toBe(true);
    await nav('Dashboard').click();
    await expect.poll(() => page.locator('main').textContent()).toContain('SKU-1024 out of stock');
    await shot('dashboard');
    await nav('Send log').click();
    await page.getByRole('link', { name: 'SKU-1024 out of stock' }).first().click();
    await expect.poll(() => page.locator('pre').textContent()).toContain('SKU-1024 out of stock');
    expect(await page.content()).not.toContain(KEY_A);
    await shot('send-log-detail');
    await nav('Inbound API').click();
    expect(await page.content()).not.toContain(token);
    await shot('inbound');
  });

  it('shows troubleshooting verdicts after the fake answers 93000', async () => {
    fake.removeKey(KEY_A);
    await nav('Troubleshooting').click();
    await page.getByRole('button', { name: 'Send test notification' }).click();
    await expect.poll(() => page.locator('#check-invalid').getAttribute('data-verdict')).toBe('bad');
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('Sending is paused');
    await shot('troubleshooting-invalid');
    fake.addKey(KEY_A);
  });

  it('switches to 简体中文 and the console is translated', async () => {
    await page.getByRole('link', { name: '简体中文' }).click();
    await page.waitForURL('**/troubleshooting');
    await expect.poll(() => page.locator('h1').textContent()).toBe('故障排查');
    await nav('消息渠道').click();
    await expect.poll(() => page.locator('#wecom-card h2').textContent()).toContain('企微机器人');
    await expect.poll(() => page.getByRole('button', { name: '发送测试通知' }).count()).toBe(1);
    await shot('channels-zh');
    await nav('概览').click();
    await shot('dashboard-zh');
    await page.getByRole('link', { name: 'English' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Dashboard');
  });

  it("a session ended elsewhere: the dashboard's next refresh takes the whole tab to sign-in, which leads back", async () => {
    await page.clock.install();
    await page.goto(app.url + '/');
    deleteAllSessions(app.deps.db); // "Sign out everywhere" in another tab, or the session's end
    await page.clock.fastForward(10_000); // the panel's hx-trigger="every 10s"
    await page.waitForURL('**/login?next=%2F', { timeout: 5_000 });
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(app.url + '/');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Dashboard');
  });

  it('raised no script errors on any page', () => {
    expect(browser.errors).toEqual([]);
  });
});

describe('send log in the browser: the first page refreshes its pager with its rows', { timeout: 90_000 }, () => {
  let session: ConsoleInBrowser | undefined;
  let app: TestAppliance;
  let page: Page;

  beforeAll(async () => {
    session = await consoleInBrowser({ password: 'journeys-pager-pass', context: { locale: 'en-US' } });
    ({ app, page } = session);
  });
  afterAll(() => session?.close());

  it('after a refresh brought new messages, "Older" continues after the last row shown', async () => {
    const { issueApiToken } = await import('../../server/security/apiTokens.ts');
    const token = issueApiToken(app.deps, { name: 'pager', requireSignature: false, now: Date.now() }).token;
    let sent = 0;
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: `order #${++sent}` })).status).toBe(202);
    };
    await send(55);
    await page.goto(app.url + '/send-log');
    await page.waitForFunction(() => 'htmx' in window);
    await send(10);
    // The refresh htmx runs every 5 s, run now: the same request, target and swap.
    await page.evaluate(() => {
      const tbody = document.querySelector('tbody[hx-get]')!;
      return (window as unknown as { htmx: { ajax(verb: string, path: string, opts: object): Promise<void> } }).htmx.ajax('GET', tbody.getAttribute('hx-get')!, { target: tbody, swap: 'innerHTML' });
    });
    const newest = Math.max(...listDeliveries(app.deps.db, {}, { limit: 1 }).map((d) => d.id));
    await page.locator(`tbody a[href="/send-log/${newest}"]`).waitFor({ timeout: 5000 });
    const shown = await page.locator('tbody a').evaluateAll((links) => links.map((a) => Number(a.getAttribute('href')!.split('/').pop())));
    expect(shown).toHaveLength(50);
    expect(await page.getByRole('link', { name: 'Older →' }).getAttribute('href')).toBe(`/send-log?before=${Math.min(...shown)}`);
    expect(await page.locator('template').count(), 'the template that carried the pager is gone').toBe(0);
  });
});
