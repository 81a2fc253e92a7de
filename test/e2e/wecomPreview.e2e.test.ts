import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { getDelivery } from '../../server/delivery/store.ts';
import { listReportJobs, listReportRuns, runDeliveryIds } from '../../db/queries/reports.ts';
import { dailyPeriods } from '../../server/time/periods.ts';
import type { FakeWecom } from '../fakeWecom.ts';
import { waitFor } from '../helpers/api.ts';
import { ARTIFACTS, type BrowserPage } from '../helpers/browser.ts';
import { consoleInBrowser, type ConsoleInBrowser } from '../helpers/consoleInBrowser.ts';
import { seedEvent } from '../helpers/reportData.ts';
import type { TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e';
const PASSWORD = 'preview-e2e-pass';
const TZ = 'Asia/Shanghai';

/** What a person sees: the chart in the report preview and the send log, the WeCom-look previews in EN and 简体中文. */
describe('WeCom-look previews and chart images in the browser', () => {
  let session: ConsoleInBrowser;
  let fake: FakeWecom;
  let app: TestAppliance;
  let browser: BrowserPage;
  let page: Page;
  let dailyId: number;
  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
  /** Width of a loaded image; 0 while broken or blocked (a CSP refusal included). */
  const loadedWidth = (selector: string) => page.locator(selector).evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0));

  beforeAll(async () => {
    session = await consoleInBrowser({
      key: KEY,
      password: PASSWORD,
      prepare: (app) => {
        const { current, previous } = dailyPeriods(Date.now(), TZ);
        for (const [store, value, before] of [
          ['杭州旗舰店', 1234, 1100],
          ['上海徐汇店', 860, 910],
        ] as const) {
          seedEvent(app.deps.db, { kind: 'metric', name: '订单数', store, value, at: current.start + 3600_000 });
          seedEvent(app.deps.db, { kind: 'metric', name: '订单数', store, value: before, at: previous.start + 3600_000 });
        }
        for (const category of ['orders', 'inventory', 'inventory', 'ads']) seedEvent(app.deps.db, { kind: 'alert', category, severity: 'warning', at: current.start + 7200_000 });
      },
      // Console errors are collected: a CSP refusal is reported there, and any would fail the last test.
      context: { locale: 'en-US', viewport: { width: 1100, height: 900 } },
    });
    ({ fake, app, browser, page } = session);
    await page.goto(app.url + '/channels?form=add');
    await page.getByLabel('Webhook URL').fill(KEY);
    await page.getByRole('button', { name: 'Connect WeCom Bot' }).click();
    await page.locator('#wecom-card .badge.ok').waitFor();
    dailyId = listReportJobs(app.deps.db).find((j) => j.type === 'daily_summary')!.id;
  });
  afterAll(async () => {
    await session?.close();
  });

  it('daily report preview: the markdown as WeCom shows it, then the chart PNG with its size', async () => {
    await page.goto(`${app.url}/reports/${dailyId}/preview`);
    const chart = page.locator('#report-preview-chart');
    await expect.poll(() => loadedWidth('#report-preview-chart img'), { timeout: 5_000 }).toBe(960);
    expect(await chart.textContent()).toMatch(/\d+ bytes of PNG \(WeCom accepts up to 2097152\)/);
    // The report's severity colour is WeCom's orange, not raw <font> markup.
    expect(await page.locator('#report-preview .wx-bubble').first().textContent()).not.toContain('<font');
    await shot('report-preview-chart');
  });

  it('send-log detail of a sent image: the picture from the authenticated route, the raw payload one click away', async () => {
    await page.goto(`${app.url}/reports/${dailyId}`);
    await page.getByRole('button', { name: 'Run now', exact: true }).click();
    await page.waitForLoadState('load');
    const ids = runDeliveryIds(listReportRuns(app.deps.db, dailyId, { limit: 1 })[0]!);
    const imageId = ids.find((id) => getDelivery(app.deps.db, id)!.msgtype === 'image')!;
    await waitFor(() => getDelivery(app.deps.db, imageId)!.status === 'sent', 10_000);
    await page.goto(`${app.url}/send-log/${imageId}`);
    await expect.poll(() => loadedWidth('.wx-image img'), { timeout: 5_000 }).toBe(960);
    expect(await page.locator('.wx-image img').getAttribute('src')).toBe(`/send-log/${imageId}/image`);
    const raw = page.locator('details.wx-raw pre');
    expect(await raw.isVisible()).toBe(false);
    await page.locator('details.wx-raw summary').click();
    expect(await raw.isVisible()).toBe(true);
    expect(await raw.textContent()).toContain('"msgtype": "image"');
    await page.locator('details.wx-raw summary').click();
    await shot('send-log-image');
  });

  it('Notifications preview in English and 简体中文: WeCom colours, mentions, no raw markup', async () => {
    for (const [lang, heading] of [
      ['en', 'Preview'],
      ['zh', '预览'],
    ] as const) {
      // The console's language switch, as a person would use it.
      await page.goto(`${app.url}/lang/${lang}?next=/notifications`);
      const preview = page.locator('#notifications-preview');
      expect(await preview.locator('h2').textContent()).toContain(heading);
      const warning = preview.locator('.wx-font-warning').first();
      expect(await warning.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(240, 113, 44)');
      expect(await preview.locator('.wx-bubble').first().textContent()).not.toMatch(/<font|\*\*/);
      await preview.screenshot({ path: `${ARTIFACTS}/notifications-preview-${lang}.png` });
    }
    expect(browser.errors).toEqual([]);
  });
});
