import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { getMetricRule, listMetricRules } from '../../db/queries/metricRules.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import type { FakeWecom } from '../fakeWecom.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { ARTIFACTS, SIGN_IN_ZH, type BrowserPage } from '../helpers/browser.ts';
import { ConsoleClient } from '../helpers/consoleClient.ts';
import { consoleInBrowser, type ConsoleInBrowser } from '../helpers/consoleInBrowser.ts';
import type { TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d';
const PASSWORD = 'metric-rules-e2e-pass';

/** The Metric rules page in a real Chromium: write a rule, see its backtest (htmx), save it, see it fire. */
describe('metric rules in the browser', { timeout: 60_000 }, () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let browser: BrowserPage;
  let page: Page;

  let session: ConsoleInBrowser | undefined;

  beforeAll(async () => {
    session = await consoleInBrowser({ key: KEY, password: PASSWORD, context: { locale: 'zh-CN' }, labels: SIGN_IN_ZH });
    ({ fake, app, browser, page } = session);
  });
  afterAll(() => session?.close());

  it('creates "退款率 > 5 for 15 minutes", sees the backtest before saving, and sees the rule fire', async () => {
    // The bot is connected the way the Channels page does it (its own browser test covers that page).
    const admin = new ConsoleClient(app.url);
    await admin.signIn(PASSWORD);
    expect((await admin.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);

    const token = issueApiToken(app.deps, { name: 'e2e', requireSignature: false, now: Date.now() }).token;
    const start = Date.now() - 5 * 3600_000;
    const history = [3, 6, 6, 7, 2].map((value, i) => ({ name: '退款率', value, unit: '%', store: '旗舰店', occurred_at: new Date(start + i * 10 * 60_000).toISOString() }));
    expect((await postEvent(app.url, token, history, { path: '/api/v1/metrics' })).status).toBe(202);

    await page.locator('nav.main').getByRole('link', { name: '指标规则', exact: true }).click();
    await page.waitForURL('**/metric-rules');
    await page.getByRole('link', { name: '新建规则' }).click();
    await page.getByLabel('名称', { exact: true }).fill('退款率过高');
    await page.getByLabel('指标名称').fill('退款率');
    await page.getByLabel('阈值', { exact: true }).fill('5');
    await page.getByLabel('需持续').selectOption('duration');
    await page.getByLabel('分钟数').fill('15');
    await page.getByLabel('类别').selectOption('orders');
    await page.getByLabel('消息标题').fill('{{store}} 退款率 {{value}}{{unit}}');
    await page.getByRole('button', { name: '预览回测' }).click();
    const panel = page.locator('#mr-backtest');
    await expect.poll(() => panel.textContent(), { timeout: 5_000 }).toContain('将告警 1 次');
    expect(page.url()).toContain('/metric-rules/new'); // htmx swapped the panel in place
    await page.screenshot({ path: `${ARTIFACTS}/metric-rules-backtest.png`, fullPage: true });

    await page.getByRole('button', { name: '保存规则' }).click();
    await page.waitForURL('**/metric-rules?notice=saved');
    expect(await page.getByRole('status').first().textContent()).toContain('规则已保存');

    const now = Date.now();
    const live = [8, 9].map((value, i) => ({ name: '退款率', value, unit: '%', store: '旗舰店', occurred_at: new Date(now - 20 * 60_000 + i * 20 * 60_000).toISOString() }));
    expect((await postEvent(app.url, token, live, { path: '/api/v1/metrics' })).status).toBe(202);
    expect(await waitFor(() => fake.receivedFor(KEY).some((m) => JSON.stringify(m.body).includes('旗舰店 退款率 9%')))).toBe(true);
    await page.reload();
    expect(await page.locator('table').textContent()).toContain('告警中 旗舰店');
    expect(browser.errors).toEqual([]);
  });

  it('Delete asks first: Cancel keeps the rule, OK deletes it (it was deleted without a question)', async () => {
    const rule = listMetricRules(app.deps.db).find((r) => r.name === '退款率过高')!;
    const dialogs: string[] = [];
    let answer: 'accept' | 'dismiss' = 'dismiss';
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d[answer]();
    });
    await page.goto(app.url + '/metric-rules');
    await page.waitForFunction(() => 'htmx' in window);
    const remove = page.locator(`form[action="/metric-rules/${rule.id}/delete"] button`);
    await remove.click();
    await page.waitForTimeout(300);
    expect(getMetricRule(app.deps.db, rule.id), 'the rule after Cancel').toBeDefined();
    expect(dialogs).toEqual(['删除规则“退款率过高”？它发出的告警将结束，不会发送恢复消息。']);
    answer = 'accept';
    await remove.click();
    await page.getByText('规则已删除。').waitFor({ timeout: 10_000 });
    expect(getMetricRule(app.deps.db, rule.id)).toBeUndefined();
  });
});
