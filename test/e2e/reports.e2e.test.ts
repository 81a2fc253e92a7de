import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { FakeWecom } from '../fakeWecom.ts';
import { waitFor } from '../helpers/api.ts';
import { ARTIFACTS, type BrowserPage } from '../helpers/browser.ts';
import { consoleInBrowser, type ConsoleInBrowser } from '../helpers/consoleInBrowser.ts';
import type { TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b9c';
const PASSWORD = 'reports-e2e-pass';

/** The Reports page in a real Chromium: the htmx next-runs preview, saving, Run now. */
describe('reports in the browser', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let browser: BrowserPage;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });

  let session: ConsoleInBrowser | undefined;

  beforeAll(async () => {
    session = await consoleInBrowser({ key: KEY, password: PASSWORD, context: { locale: 'en-US' } });
    ({ fake, app, browser, page } = session);
  });
  afterAll(() => session?.close());

  it('previews the next runs as the cron and time zone are typed, saves, and runs the report now', async () => {
    await page.locator('nav.main').getByRole('link', { name: 'Reports', exact: true }).click();
    await page.waitForURL('**/reports');
    await page.getByRole('link', { name: 'New report job' }).click();
    await page.getByLabel('Name').fill('Berlin weekly');
    await page.getByLabel('Report', { exact: true }).selectOption('weekly_summary');
    await page.getByLabel('Time zone').fill('Europe/Berlin');
    await page.getByLabel('Schedule (cron)').fill('0 9 * * 1');
    const preview = page.locator('#cron-preview');
    await expect.poll(() => preview.textContent(), { timeout: 5_000 }).toMatch(/09:00 Mon \(GMT\+[12]\)/);
    expect(await preview.locator('li').count()).toBe(3);
    await page.getByLabel('Schedule (cron)').fill('0 9 * *');
    await expect.poll(() => preview.textContent(), { timeout: 5_000 }).toContain('but this one has 4');
    await shot('reports-cron-error');
    await page.getByLabel('Schedule (cron)').fill('0 9 * * 1');
    await expect.poll(() => preview.locator('li').count(), { timeout: 5_000 }).toBe(3);
    await page.getByRole('button', { name: 'Save report job' }).click();
    await page.waitForURL(/\/reports\/\d+\?notice=created$/);
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Report job “Berlin weekly” created.');

    await page.getByRole('button', { name: 'Run now', exact: true }).click();
    // The report text, then its chart image ("Attach a chart image" is on for a new job).
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Report built and queued as 2 messages;');
    expect(await waitFor(() => fake.receivedFor(KEY).length === 0, 100)).toBe(true); // no bot yet: queued, not sent
    expect(await page.locator('#run-history tbody tr').count()).toBe(1);
    await shot('reports-job');

    await page.goto(app.url + '/reports');
    await shot('reports');
    expect(browser.errors).toEqual([]);
  });
});
