import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { insertHeartbeatCheck } from '../../db/queries/heartbeats.ts';
import { saveHookMapping } from '../../db/queries/hooks.ts';
import { getMetricRule, insertMetricRule } from '../../db/queries/metricRules.ts';
import { listReportJobs } from '../../db/queries/reports.ts';
import { initialHeartbeatState } from '../../server/heartbeats/plan.ts';
import { HOOK_EXAMPLES } from '../../server/hooks/examples.ts';
import { ruleFromRow, rowFromRule } from '../../server/metricRules/ruleRows.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { ARTIFACTS } from '../helpers/browser.ts';
import { consoleInBrowser, type ConsoleInBrowser } from '../helpers/consoleInBrowser.ts';

const KEY = '5d6e7f8a-9b0c-4d1e-8f2a-3b4c5d6e7f8a';
const PASSWORD = 'layout-e2e-pass';
const WIDTHS = [390, 1280] as const;
const WHOLE_PAGE_SHOTS = new Set(['/', '/send-log', '/settings']);

/** What the page looks like from its element boxes: overflow, and the pills and column headers set on more than one line. */
interface Measure {
  overflow: number;
  widest: string[];
  broken: string[];
  navLines: number;
  /** Form fields left in the browser's default look. */
  unstyled: string[];
  /** The brand and the language switch with sign-out share the header's first row. */
  headerTopRow: boolean;
}

/** Runs in the page. Lines are counted from the text's own boxes: a box starting below the previous line's bottom opens a new line. */
function measure(): Measure {
  const doc = document.documentElement;
  const visible = (el: Element) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const lines = (el: Element) => {
    const rects: DOMRect[] = [];
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (!n.textContent?.trim()) continue;
      const r = document.createRange();
      r.selectNodeContents(n);
      for (const rect of r.getClientRects()) if (rect.width > 0 && rect.height > 0) rects.push(rect);
    }
    rects.sort((a, b) => a.top - b.top);
    let count = 0;
    let bottom = -Infinity;
    for (const rect of rects) {
      if (rect.top >= bottom - 2) count++;
      bottom = Math.max(rect.top >= bottom - 2 ? rect.bottom : bottom, rect.bottom);
    }
    return count;
  };
  const name = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().replace(/\s+/g, '.') : ''} "${(el.textContent ?? '').trim().slice(0, 40)}"`;
  const width = doc.clientWidth;
  const widest = [...document.querySelectorAll('body *')]
    .filter((el) => visible(el) && el.getBoundingClientRect().right > width + 1 && !el.closest('pre, .wx-code'))
    .slice(0, 5)
    .map((el) => `${name(el)} right=${Math.round(el.getBoundingClientRect().right)}`);
  const broken = [...document.querySelectorAll('.badge, th')].filter((el) => visible(el) && !el.closest('.wx-bubble') && lines(el) > 1).map(name);
  const nav = document.querySelector('nav.main ul');
  const brand = document.querySelector('header.top .brand')?.getBoundingClientRect();
  const right = document.querySelector('header.top .right')?.getBoundingClientRect();
  const headerTopRow = !!brand && !!right && Math.abs(brand.top + brand.height / 2 - (right.top + right.height / 2)) < 8;
  const unstyled = [...document.querySelectorAll('input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=submit]), select, textarea')]
    .filter((el) => visible(el) && parseFloat(getComputedStyle(el).borderTopLeftRadius) < 4)
    .map(name);
  return { overflow: doc.scrollWidth - width, widest, broken, unstyled, navLines: nav ? lines(nav) : 0, headerTopRow };
}

/** Every page of the console at a phone's and a laptop's width, in English and 简体中文, with rows in its tables. */
describe('console layout at 390 px and 1280 px, EN and 简体中文', () => {
  let rig: ConsoleInBrowser;
  let page: Page;
  const pages: string[] = [];

  beforeAll(async () => {
    rig = await consoleInBrowser({ key: KEY, password: PASSWORD, context: { locale: 'en-US', viewport: { width: 1280, height: 900 } } });
    page = rig.page;
    const { app } = rig;
    await page.goto(app.url + '/channels?form=add');
    await page.getByLabel('Webhook URL').fill(KEY);
    await page.getByRole('button', { name: 'Connect WeCom Bot' }).click();
    await page.locator('#wecom-card .badge.ok').waitFor();
    await page.getByRole('button', { name: 'Send test notification' }).click();

    // Rows for every table: events of each kind with Chinese and long titles, a firing metric rule, a hook, a report run.
    const now = Date.now();
    issueApiToken(app.deps, { name: '生产环境 StoreClaw', requireSignature: true, now });
    const { token } = issueApiToken(app.deps, { name: 'nightly-script', requireSignature: false, now });
    const send = (body: unknown, path?: string) => postEvent(app.url, token, body, { path });
    app.deps.settings.setRules({ ...app.deps.settings.rules(), dedupeWindowMinutes: 0 });
    const events = [
      { kind: 'alert', category: 'inventory', severity: 'warning', title: 'SKU-1024 库存低于安全库存（剩余 3 件）', store: '天猫旗舰店', fields: { SKU: 'SKU-1024', 剩余: 3 } },
      // The longest title the API takes, one word: an order-sync job's identifier.
      { kind: 'alert', category: 'orders', severity: 'warning', title: ('ORDER_SYNC_FAILED_TMALL_FLAGSHIP_STORE_' + 'SKU1024SKU1025SKU1026'.repeat(8)).slice(0, 200), store: 'Tmall' },
      { kind: 'alert', category: 'orders', severity: 'critical', title: 'Order volume dropped 62% against the same hour last week across all stores', store: 'Shopify US' },
      { kind: 'task_result', category: 'task', severity: 'warning', status: 'failed', task_name: '同步商品价格', title: '同步商品价格 失败', duration_ms: 81234 },
      { kind: 'report', category: 'other', title: '周报：广告投放', summary: '花费 ¥12,400，ROI 3.1' },
    ];
    for (const e of events) expect((await send(e)).status).toBe(202);
    const ruleId = insertMetricRule(
      app.deps.db,
      rowFromRule({ name: '订单量骤降', metric: '订单量', store: null, condition: { type: 'threshold', op: 'below', value: 50 }, hold: { kind: 'points', count: 1 }, severity: 'critical', category: 'orders', mention: 'none', title: '{{store}} 订单量骤降：{{value}}单', reminderHours: 4, enabled: true }),
      now,
    );
    app.deps.metricRules!.ruleSaved(undefined, ruleFromRow(getMetricRule(app.deps.db, ruleId)!));
    expect((await send([{ name: '订单量', value: 40, store: '京东自营店' }, { name: '订单量', value: 38, store: '拼多多专营店' }], '/api/v1/metrics')).status).toBe(202);
    saveHookMapping(app.deps.db, 'uptime-kuma', JSON.stringify(HOOK_EXAMPLES.uptime_kuma), now);
    const beat = initialHeartbeatState(now);
    const checkId = insertHeartbeatCheck(app.deps.db, { key: 'price-sync', name: '同步商品价格（每晚）', scheduleKind: 'cron', cron: '0 2 * * *', timezone: 'Asia/Shanghai', graceMinutes: 30 }, beat.status, JSON.stringify(beat), now);
    const daily = listReportJobs(app.deps.db).find((j) => j.type === 'daily_summary')!;
    await page.goto(`${app.url}/reports/${daily.id}`);
    await page.getByRole('button', { name: 'Run now', exact: true }).click();
    await page.waitForLoadState('load');
    await waitFor(() => rig.fake.receivedFor(KEY).length >= 7, 15_000);
    const lastDelivery = app.deps.db.$client.prepare('select max(id) as id from deliveries').get() as { id: number };

    pages.push(
      '/',
      '/channels',
      '/notifications',
      '/notifications/templates',
      '/inbound',
      '/api-docs',
      '/hooks',
      '/hooks/uptime-kuma',
      '/reports',
      `/reports/${daily.id}`,
      `/reports/${daily.id}/preview`,
      '/reports/new',
      '/metric-rules',
      `/metric-rules/${ruleId}/edit`,
      '/heartbeats',
      `/heartbeats/${checkId}`,
      '/heartbeats/new',
      '/calendar',
      '/send-log',
      `/send-log/${lastDelivery.id}`,
      '/troubleshooting',
      '/settings',
      '/backup',
      '/audit',
    );
  });
  afterAll(async () => {
    await rig?.close();
  });

  for (const lang of ['en', 'zh'] as const) {
    it(`${lang}: no page overflows sideways, no pill or column header is broken over lines, the navigation is one line at 1280 px`, async () => {
      await page.goto(`${rig.app.url}/lang/${lang}?next=/`);
      const problems: string[] = [];
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        for (const path of pages) {
          await page.goto(rig.app.url + path);
          const m = await page.evaluate(measure);
          const where = `${lang} ${width}px ${path}`;
          if (m.overflow > 0) problems.push(`${where}: ${m.overflow}px wider than the window (${m.widest.join('; ')})`);
          for (const b of m.broken) problems.push(`${where}: broken over lines: ${b}`);
          for (const u of m.unstyled) problems.push(`${where}: unstyled form field: ${u}`);
          if (width === 1280 && m.navLines !== 1) problems.push(`${where}: navigation on ${m.navLines} lines`);
          if (!m.headerTopRow) problems.push(`${where}: the header's first row (brand, language, sign out) is broken`);
          // Whole pages of the ones the issue names, the first screen of the rest: PNG-encoding 80 whole pages took longer than the checks.
          const name = `${ARTIFACTS}/layout-${lang}-${width}${path.replace(/[/?=]+/g, '-').replace(/-$/, '') || '-dashboard'}.png`;
          await page.screenshot({ path: name, fullPage: WHOLE_PAGE_SHOTS.has(path) });
        }
      }
      expect(problems).toEqual([]);
      expect(rig.browser.errors).toEqual([]);
    }, 180_000);
  }
});
