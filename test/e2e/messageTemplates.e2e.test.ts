import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { listMessageTemplates } from '../../db/queries/messageTemplates.ts';
import { ARTIFACTS, type BrowserPage } from '../helpers/browser.ts';
import { consoleInBrowser, type ConsoleInBrowser } from '../helpers/consoleInBrowser.ts';
import type { TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f';
const PASSWORD = 'templates-e2e-pass';

/** A person edits a message template: the preview follows the typing, a mistake is refused, save and restore. */
describe('message templates in the browser', () => {
  let app: TestAppliance;
  let browser: BrowserPage;
  let page: Page;

  let session: ConsoleInBrowser | undefined;

  beforeAll(async () => {
    session = await consoleInBrowser({ key: KEY, password: PASSWORD, context: { locale: 'en-US', viewport: { width: 1100, height: 900 } } });
    ({ app, browser, page } = session);
  });
  afterAll(() => session?.close());

  it('from the Notifications page to the editor; the preview updates while typing; save; restore', async () => {
    await page.goto(`${app.url}/notifications`);
    await page.locator('#templates').getByRole('link', { name: 'Edit message templates' }).click();
    await page.locator('#t-kind').selectOption('alert');
    await page.locator('#t-category').selectOption('inventory');
    await page.locator('#t-lang').selectOption('en');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.waitForURL(/kind=alert&category=inventory&lang=en/);

    const body = page.getByLabel('Template', { exact: true });
    expect(await body.inputValue()).toContain('{{badge}} · {{category}} · {{kind}}');
    const bubble = page.locator('#template-preview .wx-bubble').first();
    await bubble.waitFor();

    // Typing: the preview is re-rendered by the server (htmx), with WeCom's orange for warning.
    await body.fill('<font color="{{severity.colour}}">{{severity}}</font> {{title}} · {{fields.sku}}');
    await expect.poll(() => bubble.textContent(), { timeout: 5_000 }).toBe('Critical Low stock: Ceramic pour-over kettle (SKU KT-1024) · KT-1024');
    expect(await page.locator('#template-preview .wx-font-warning').first().evaluate((el) => getComputedStyle(el).color)).toBe('rgb(240, 113, 44)');
    const bytes = Buffer.byteLength('<font color="warning">Critical</font> Low stock: Ceramic pour-over kettle (SKU KT-1024) · KT-1024');
    expect(await page.locator('#template-preview .badge').first().textContent()).toBe(`${bytes} / 4096 bytes`);

    // A mistake shows in the preview at once, and saving it is refused with the reason.
    await body.fill('{{title}} {{sku}}');
    await expect.poll(() => page.locator('#template-preview').textContent(), { timeout: 5_000 }).toContain('{{sku}} is not a placeholder of this message');
    await page.getByRole('button', { name: 'Save template' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('#t-body-error').textContent()).toContain('{{sku}} is not a placeholder of this message');
    expect(listMessageTemplates(app.deps.db)).toEqual([]);

    await page.getByLabel('Template', { exact: true }).fill('{{severity.emoji}} {{title}} ({{store}})');
    await page.getByRole('button', { name: 'Save template' }).click();
    await page.waitForURL(/kind=alert&category=inventory&lang=en/);
    expect(await page.locator('.notice.ok').textContent()).toContain('Template saved: Alert · Inventory · English.');
    expect(listMessageTemplates(app.deps.db).map((r) => [r.kind, r.category, r.lang, r.body])).toEqual([['alert', 'inventory', 'en', '{{severity.emoji}} {{title}} ({{store}})']]);
    expect(await page.locator('#template-list').textContent()).toContain('Inventory');
    await page.screenshot({ path: `${ARTIFACTS}/message-template-editor.png`, fullPage: true });

    await page.getByRole('button', { name: 'Restore the built-in template for Alert · Inventory · English' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('.notice.ok').textContent()).toContain('The built-in template is back');
    expect(await page.getByLabel('Template', { exact: true }).inputValue()).toContain('{{badge}}');
    expect(listMessageTemplates(app.deps.db)).toEqual([]);
    expect(browser.errors).toEqual([]);
  });
});
