import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeWecom } from '../fakeWecom.ts';
import { ARTIFACTS, type BrowserPage } from '../helpers/browser.ts';
import { consoleInBrowser, type ConsoleInBrowser } from '../helpers/consoleInBrowser.ts';
import type { TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8c';

/** The core forms work with JavaScript off, and by keyboard alone. */
describe('browser without JavaScript, keyboard only', () => {
  let session: ConsoleInBrowser;
  let fake: FakeWecom;
  let app: TestAppliance;
  let browser: BrowserPage;

  beforeAll(async () => {
    session = await consoleInBrowser({ key: KEY, password: 'no-js-password', signIn: false, context: { javaScriptEnabled: false, locale: 'en-US' } });
    ({ fake, app, browser } = session);
  });
  afterAll(async () => {
    await session?.close();
  });

  it('signs in, connects the bot, and saves settings with JavaScript disabled', async () => {
    const { page } = browser;
    page.setDefaultTimeout(8_000);
    await page.goto(app.url + '/login');
    await page.getByLabel('Password').focus();
    await page.keyboard.type('no-js-password');
    await page.keyboard.press('Enter');
    await page.waitForURL(app.url + '/');

    await page.goto(app.url + '/channels');
    await page.getByRole('link', { name: 'Add' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === '/channels' && u.search === '?form=add');
    await page.getByLabel('Webhook URL').focus();
    await page.keyboard.type(`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY.slice(0, 20)}`);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#wecom-card [role=alert]').textContent()).toMatch(/cut off/i);
    await page.getByLabel('Webhook URL').fill(`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`);
    await page.getByRole('button', { name: 'Connect WeCom Bot' }).press('Enter');
    await expect.poll(() => page.locator('#wecom-card').textContent()).toContain('Connected: the test message was sent to the group.');
    expect(fake.receivedFor(KEY)).toHaveLength(1);

    await page.goto(app.url + '/settings');
    // The browser itself checks the number field; the time zone is checked by the server.
    await page.getByLabel('Time zone').fill('Mars/Olympus');
    await page.getByRole('button', { name: 'Save settings' }).press('Enter');
    await expect.poll(() => page.locator('#timeZone-error').textContent()).toContain('Not a known time zone');
    await page.getByLabel('Time zone').fill('Asia/Shanghai');
    await page.getByLabel('Keep history for (days)').fill('45');
    await page.getByRole('button', { name: 'Save settings' }).press('Enter');
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Settings saved.');
    expect(app.deps.settings.general().retentionDays).toBe(45);
    await page.screenshot({ path: `${ARTIFACTS}/settings-no-js.png`, fullPage: true });
  });
});
