import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeWecom } from '../fakeWecom.ts';
import { signInInBrowser, type BrowserPage } from '../helpers/browser.ts';
import { consoleInBrowser, type ConsoleInBrowser } from '../helpers/consoleInBrowser.ts';
import type { TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '2b3c4d5e-6f70-4a8b-9c0d-1e2f3a4b5c6d';
const UNKNOWN = '11111111-2222-4333-8444-555555555555';
const PASSWORD = 'browser-pass-456';

// The console answers 502 when WeCom refuses (93000, 45009) or cannot be reached. With JavaScript,
// htmx must still swap that card in: otherwise the admin clicks Connect and sees nothing at all.
describe('browser: WeCom refusals are shown in the card with htmx', () => {
  let session: ConsoleInBrowser;
  let fake: FakeWecom;
  let app: TestAppliance;
  let browser: BrowserPage;

  beforeAll(async () => {
    session = await consoleInBrowser({
      key: KEY,
      password: PASSWORD,
      signIn: false,
      // htmx logs the 502 answers to the console: only script errors count.
      context: { locale: 'en-US', consoleErrors: false },
    });
    ({ fake, app, browser } = session);
  });
  afterAll(async () => {
    await session?.close();
  });

  it('93000 on connect, 45009 on a test notification: the precise reason appears in place', async () => {
    const { page, errors } = browser;
    await signInInBrowser(page, app.url, PASSWORD);
    await page.goto(app.url + '/channels');
    await page.getByRole('link', { name: 'Add' }).click();
    await page.getByLabel('Webhook URL').fill(`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${UNKNOWN}`);
    await page.getByRole('button', { name: 'Connect WeCom Bot' }).click();
    await expect.poll(() => page.locator('#wecom-card [role=alert]').textContent()).toMatch(/no longer exists/);
    // Still the htmx page (no full reload), the form kept for another try.
    expect(await page.getByLabel('Webhook URL').count()).toBe(1);

    await page.getByLabel('Webhook URL').fill(KEY);
    await page.getByRole('button', { name: 'Connect WeCom Bot' }).click();
    await expect.poll(() => page.locator('#wecom-card').textContent()).toContain('Connected');
    fake.setFailure('errcode', { errcode: 45009, times: 1 });
    await page.getByRole('button', { name: 'Send test notification' }).click();
    await expect.poll(() => page.locator('#wecom-card [role=alert]').textContent()).toMatch(/limiting/i);
    expect(errors).toEqual([]);
  });
});
