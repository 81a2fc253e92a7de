import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { listApiTokens } from '../../db/queries/tokens.ts';
import { listAudit } from '../../db/queries/audit.ts';
import { listReportJobs, listReportRuns } from '../../db/queries/reports.ts';
import type { FakeWecom } from '../fakeWecom.ts';
import type { BrowserPage } from '../helpers/browser.ts';
import { consoleInBrowser, type ConsoleInBrowser } from '../helpers/consoleInBrowser.ts';
import type { TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f';
const NEW_KEY = '8d9e0f1a-2b3c-4d4e-9f5a-6b7c8d9e0f1a';
const UNKNOWN = '99999999-8888-4777-8666-555555555555';
const PASSWORD = 'first-day-browser-pass';
const url = (key: string) => `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${key}`;

// A new operator's first day in a real browser (JavaScript on, so htmx answers in place).
describe('browser: the first day', () => {
  let session: ConsoleInBrowser;
  let fake: FakeWecom;
  let app: TestAppliance;
  let browser: BrowserPage;
  let page: Page;

  beforeAll(async () => {
    session = await consoleInBrowser({
      keys: [KEY, NEW_KEY],
      password: PASSWORD,
      prepare: (app) => app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), language: 'en' }),
      // WeCom's refusals below are 502 answers, which htmx logs to the console: only script errors count.
      context: { locale: 'en-US', consoleErrors: false },
    });
    ({ fake, app, browser, page } = session);
    await page.goto(app.url + '/channels');
    await page.getByRole('link', { name: 'Add' }).click();
    await page.getByLabel('Webhook URL').fill(url(KEY));
    await page.getByRole('button', { name: 'Connect WeCom Bot' }).click();
    await page.locator('#wecom-card', { hasText: 'Connected:' }).waitFor();
  });
  afterAll(async () => {
    await session?.close();
  });

  const banner = () => page.locator('#channel-banner').textContent();
  const badge = () => page.locator('#wecom-card .badge').textContent();

  it('replace: a refusal keeps the connected bot and says so; the banner, badge and card agree through failure and recovery', async () => {
    // WeCom drops the bot: the test notification's answer marks it invalid, the banner appears in the same answer.
    fake.removeKey(KEY);
    await page.getByRole('button', { name: 'Send test notification' }).click();
    await expect.poll(banner).toContain('Sending is paused');
    expect(await badge()).toContain('Invalid');

    // Replace with a URL WeCom refuses: nothing changes, and nothing claims "Not connected".
    await page.getByRole('link', { name: 'Replace URL' }).click();
    await page.getByLabel('Webhook URL').fill(url(UNKNOWN));
    await page.getByRole('button', { name: 'Connect WeCom Bot' }).click();
    await expect.poll(() => page.locator('#wecom-card [role=alert]').textContent()).toContain('The new URL was not saved, the bot stays as it was');
    expect(await badge()).toContain('Invalid');
    expect(await banner()).toContain('Sending is paused');

    // Replace with a working URL: banner gone, badge and card connected, in the same htmx answer.
    await page.getByLabel('Webhook URL').fill(url(NEW_KEY));
    await page.getByRole('button', { name: 'Connect WeCom Bot' }).click();
    await expect.poll(() => page.locator('#wecom-card').textContent()).toContain('Connected: the test message was sent');
    expect((await banner())?.trim()).toBe('');
    expect(await badge()).toBe('Connected');
    expect(await page.locator('#wecom-card').textContent()).toContain(`key=****${NEW_KEY.slice(-4)}`);

    // Recovery of the old bot via Replace after another failure: the sequence ends consistent too.
    fake.removeKey(NEW_KEY);
    await page.getByRole('button', { name: 'Send test notification' }).click();
    await expect.poll(banner).toContain('Sending is paused');
    fake.addKey(NEW_KEY);
    await page.getByRole('button', { name: 'Send test notification' }).click();
    await expect.poll(banner).toBe('');
    expect(await badge()).toBe('Connected');
    expect(browser.errors).toEqual([]);
  });

  it('reloading each result page repeats nothing: token create and revoke, Run now, rules, settings, sample event', async () => {
    const reload = async () => {
      await page.reload();
      await page.waitForLoadState('load');
    };

    // Token create: the one-time page, then a reload that creates nothing and shows the token no more.
    await page.goto(app.url + '/inbound');
    await page.getByLabel('Token name').fill('StoreClaw production');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = await page.getByLabel('Token', { exact: true }).inputValue();
    expect(token).toMatch(/^scn_/);
    const tokens = listApiTokens(app.deps.db).length;
    await reload();
    expect(await page.content()).not.toContain(token);
    expect(await page.locator('main').textContent()).toContain('was shown once and is not kept');
    expect(listApiTokens(app.deps.db)).toHaveLength(tokens);

    // Sample event: sent once, however often the page is reloaded.
    await page.goto(app.url + '/inbound');
    await page.getByLabel('Kind').selectOption('alert');
    const received = fake.received.length;
    await page.getByRole('button', { name: 'Send a sample event' }).click();
    await expect.poll(() => page.locator('main').textContent()).toMatch(/Sample alert accepted as event #\d+/);
    await expect.poll(() => fake.received.length).toBe(received + 1);
    await reload();
    expect(await page.locator('main').textContent()).not.toMatch(/Sample alert accepted/);
    expect(JSON.stringify(fake.received.at(-1)!.body)).toContain('Low stock');

    // Revoke.
    await page.getByRole('link', { name: 'Revoke: StoreClaw production' }).click();
    await page.getByRole('button', { name: 'Yes, revoke' }).click();
    await expect.poll(() => page.locator('main').textContent()).toContain('was revoked');
    const revokes = () => listAudit(app.deps.db, { limit: 1000 }).filter((a) => a.action === 'token.revoke').length;
    expect(revokes()).toBe(1);
    await reload();
    expect(revokes()).toBe(1);
    expect(await page.locator('main').textContent()).not.toContain('was revoked');

    // Run now.
    const [job] = listReportJobs(app.deps.db);
    await page.goto(`${app.url}/reports/${job!.id}`);
    const before = fake.received.length;
    await page.getByRole('button', { name: 'Run now', exact: true }).click();
    await expect.poll(() => page.locator('main').textContent()).toContain('Report built and queued');
    // The report text and its chart image.
    await expect.poll(() => fake.received.length).toBe(before + 2);
    await reload();
    expect(listReportRuns(app.deps.db, job!.id, { limit: 10 })).toHaveLength(1);
    // The history shows the message's real state and the period it covered.
    await expect
      .poll(async () => (await page.reload(), await page.locator(`#run-${listReportRuns(app.deps.db, job!.id, { limit: 1 })[0]!.id}`).textContent()))
      .toMatch(/yesterday \(\d{4}-\d\d-\d\d, Asia\/Shanghai\)\s*sent/);
    expect(fake.received.length).toBe(before + 2);

    // Rules and settings.
    await page.goto(app.url + '/notifications');
    await page.getByRole('button', { name: 'Save notification settings' }).click();
    await expect.poll(() => page.locator('main').textContent()).toContain('Saved.');
    await page.goto(app.url + '/settings');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.locator('main').textContent()).toContain('Settings saved.');
    const audits = listAudit(app.deps.db, { limit: 1000 }).length;
    await reload();
    expect(await page.locator('main').textContent()).not.toContain('Settings saved.');
    expect(listAudit(app.deps.db, { limit: 1000 })).toHaveLength(audits);
    expect(browser.errors).toEqual([]);
  });
});
