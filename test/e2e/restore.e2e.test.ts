import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, signInInBrowser, type BrowserPage } from '../helpers/browser.ts';
import { consoleInBrowser, type ConsoleInBrowser } from '../helpers/consoleInBrowser.ts';
import type { FakeWecom } from '../fakeWecom.ts';
import type { TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '5d6e7f80-91a2-4b3c-8d4e-5f60718293a4';
const OTHER_KEY = 'a4b3c2d1-e0f9-4a8b-9c7d-6e5f4a3b2c1d';
const PASSWORD = 'restore-e2e-pass';

/** An admin downloads a backup, changes the bot, restores the backup from the console, and the group hears the test. */
describe('restore from the console in the browser', () => {
  let session: ConsoleInBrowser | undefined;
  let app: TestAppliance;
  let fake: FakeWecom;
  let browser: BrowserPage;
  let page: Page;

  beforeAll(async () => {
    session = await consoleInBrowser({ key: KEY, password: PASSWORD, context: { locale: 'en-US', viewport: { width: 1100, height: 900 }, acceptDownloads: true } });
    ({ app, fake, browser, page } = session);
    fake.addKey(OTHER_KEY);
  });
  afterAll(() => session?.close());

  const connect = async (key: string) => {
    await page.getByLabel('Webhook URL').fill(`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${key}`);
    await page.getByRole('button', { name: 'Connect WeCom Bot' }).click();
    await expect.poll(() => page.locator('#wecom-card code').textContent()).toContain(`key=****${key.slice(-4)}`);
  };

  it('downloads a backup, replaces the bot, restores the backup, signs in and sends a test notification', async () => {
    await page.goto(`${app.url}/channels`);
    await page.getByRole('link', { name: 'Add' }).click();
    await connect(KEY);

    await page.getByRole('link', { name: 'Backup', exact: true }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download backup' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^notifier-backup-\d{8}-\d{6}\.db$/);
    const file = join(ARTIFACTS, 'restore-e2e-backup.db');
    await download.saveAs(file);

    // After the backup the admin points the appliance at another group.
    await page.goto(`${app.url}/channels`);
    await page.getByRole('link', { name: 'Replace URL' }).click();
    await connect(OTHER_KEY);

    await page.getByRole('link', { name: 'Backup', exact: true }).click();
    await page.getByLabel('Backup file').setInputFiles({ name: 'notifier-backup.db', mimeType: 'application/vnd.sqlite3', buffer: readFileSync(file) });
    await page.screenshot({ path: `${ARTIFACTS}/restore-chosen.png`, fullPage: true });
    await page.getByRole('button', { name: 'Restore this backup' }).click();
    await page.waitForURL('**/login?restored=1');
    await expect.poll(() => page.locator('[role=status]').textContent()).toContain('The backup was restored and everyone was signed out');

    await signInInBrowser(page, app.url, PASSWORD);
    await page.goto(`${app.url}/channels`);
    await expect.poll(() => page.locator('#wecom-card code').textContent()).toContain(`key=****${KEY.slice(-4)}`);
    const before = fake.receivedFor(KEY).length;
    await page.getByRole('button', { name: 'Send test notification' }).click();
    await expect.poll(() => page.locator('#wecom-card').textContent()).toContain('Test notification sent to the group.');
    expect(fake.receivedFor(KEY)).toHaveLength(before + 1);
    await page.screenshot({ path: `${ARTIFACTS}/restore-done.png`, fullPage: true });

    await page.goto(`${app.url}/audit`);
    expect(await page.locator('main').textContent()).toContain('restored a backup');
    expect(await page.content()).not.toContain(KEY);
    expect(browser.errors, browser.errors.join('\n')).toEqual([]);
  }, 90_000);
});
