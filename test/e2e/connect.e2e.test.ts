import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeWecom } from '../fakeWecom.ts';
import { ARTIFACTS, type BrowserPage } from '../helpers/browser.ts';
import { consoleInBrowser, type ConsoleInBrowser } from '../helpers/consoleInBrowser.ts';
import type { TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '6a1c2d3e-4f50-4a6b-8c7d-9e0fa1b2c3d4';

describe('browser: first run, sign in, connect the bot', () => {
  let session: ConsoleInBrowser;
  let fake: FakeWecom;
  let app: TestAppliance;
  let browser: BrowserPage;

  beforeAll(async () => {
    session = await consoleInBrowser({ key: KEY, context: { locale: 'en-US' } });
    ({ fake, app, browser } = session);
  });
  afterAll(async () => {
    await session?.close();
  });

  it('creates the password, connects with a bad URL then a good one, and the fake receives the test', async () => {
    const { page, errors } = browser;
    // 4xx answers to form posts are expected (422 for a bad URL), a 404 is not.
    page.on('response', (r) => r.status() === 404 && errors.push(`404 ${r.url()}`));

    await page.goto(app.url + '/');
    await expect.poll(() => page.url()).toContain('/setup');
    await page.getByLabel('Setup code').fill(app.deps.setupCode!.display);
    await page.getByLabel('Password', { exact: true }).fill('browser-pass-123');
    await page.getByLabel('Confirm password').fill('browser-pass-123');
    await page.getByRole('button', { name: 'Create password and sign in' }).click();
    await page.waitForURL('**/channels');

    await page.getByRole('link', { name: 'Add' }).click();
    const url = page.getByLabel('Webhook URL');
    await url.fill('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=6a1c2d3e-4f50');
    await page.getByRole('button', { name: 'Connect WeCom Bot' }).click();
    await expect.poll(() => page.locator('#wecom-card [role=alert]').textContent()).toMatch(/cut off/i);
    await page.screenshot({ path: `${ARTIFACTS}/channels-bad-url.png`, fullPage: true });
    expect(fake.received).toHaveLength(0);

    await page.getByLabel('Webhook URL').fill(`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`);
    await page.getByRole('button', { name: 'Connect WeCom Bot' }).click();
    await expect.poll(() => page.locator('#wecom-card').textContent()).toContain('Connected: the test message was sent to the group.');
    await expect.poll(() => page.locator('#wecom-card code').textContent()).toContain('key=****c3d4');
    expect(fake.receivedFor(KEY)).toHaveLength(1);
    expect(fake.receivedFor(KEY)[0]?.msgtype).toBe('markdown');

    await page.getByRole('button', { name: 'Send test notification' }).click();
    await expect.poll(() => page.locator('#wecom-card').textContent()).toContain('Test notification sent to the group.');
    expect(fake.receivedFor(KEY)).toHaveLength(2);
    await page.screenshot({ path: `${ARTIFACTS}/channels-connected.png`, fullPage: true });

    expect(await page.content()).not.toContain(KEY);
    expect(errors, errors.join("\n")).toEqual([]);
  });
});
