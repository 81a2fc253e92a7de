import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { getHeartbeatCheck } from '../../db/queries/heartbeats.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import type { FakeWecom } from '../fakeWecom.ts';
import { waitFor } from '../helpers/api.ts';
import { ARTIFACTS, SIGN_IN_ZH, type BrowserPage } from '../helpers/browser.ts';
import { runNode } from '../helpers/notifyCliBuild.ts';
import { ConsoleClient } from '../helpers/consoleClient.ts';
import { consoleInBrowser, type ConsoleInBrowser } from '../helpers/consoleInBrowser.ts';
import type { TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';
const PASSWORD = 'heartbeats-e2e-pass';

/** The CLI from the sources (the compiled one has its own test), as a cron job would call it. */
const cli = (args: string[], env: Record<string, string>) => runNode(['--import', 'tsx', 'server/cli/storeclawNotify.ts', ...args], env);

/** The Heartbeats page in a real Chromium: create a check, a cron job wrapped by `run` fails, the group hears it once, then once more when it is back. */
describe('heartbeat checks in the browser', { timeout: 90_000 }, () => {
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

  it('creates a check, sees the down alert after `run` around a failing command, and one recovery after a success ping', async () => {
    const admin = new ConsoleClient(app.url);
    await admin.signIn(PASSWORD);
    expect((await admin.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
    const env = { STORECLAW_NOTIFY_URL: app.url, STORECLAW_NOTIFY_TOKEN: issueApiToken(app.deps, { name: 'cron', requireSignature: false, now: Date.now() }).token };
    const texts = () => fake.receivedFor(KEY).map((m) => JSON.stringify(m.body));

    await page.locator('nav.main').getByRole('link', { name: '任务心跳', exact: true }).click();
    await page.waitForURL('**/heartbeats');
    await page.getByRole('link', { name: '新建检查' }).click();
    await page.getByLabel('名称', { exact: true }).fill('夜间价格同步');
    await page.getByLabel('标识', { exact: true }).fill('price-sync');
    await page.getByLabel('报到方式').selectOption('cron');
    await page.getByLabel('Cron 表达式').fill('0 2 * * *');
    await page.getByLabel('宽限（分钟）').fill('30');
    await page.getByLabel('日历').selectOption('every_day');
    await page.getByRole('button', { name: '保存检查' }).click();
    await page.waitForURL('**/heartbeats');
    expect(await page.getByRole('status').first().textContent()).toContain('已保存');
    expect(await page.locator('table').textContent()).toContain('新建（等待首次报到）');

    const failed = await cli(['run', 'price-sync', '--', 'sh', '-c', 'echo "同步 1200 个商品"; echo "ERROR: 上游接口 502" >&2; exit 4'], env);
    expect(failed.code).toBe(4);
    expect(await waitFor(() => texts().some((t) => t.includes('任务心跳异常：夜间价格同步')))).toBe(true);
    const alert = texts().find((t) => t.includes('任务心跳异常：夜间价格同步'))!;
    expect(alert).toContain('退出码 4');
    expect(alert).toContain('ERROR: 上游接口 502');
    await page.reload();
    expect(await page.locator('table').textContent()).toContain('中断');
    await page.screenshot({ path: `${ARTIFACTS}/heartbeats-down.png`, fullPage: true });

    const ok = await cli(['ping', 'price-sync'], env);
    expect(ok.code).toBe(0);
    expect(await waitFor(() => texts().some((t) => t.includes('[已恢复] 夜间价格同步')))).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(texts().filter((t) => t.includes('[已恢复] 夜间价格同步'))).toHaveLength(1);
    expect(texts().filter((t) => t.includes('任务心跳异常：夜间价格同步'))).toHaveLength(1);
    await page.reload();
    expect(await page.locator('table').textContent()).toContain('正常');
    await page.getByRole('link', { name: '夜间价格同步' }).click();
    expect(await page.locator('main').textContent()).toContain('ERROR: 上游接口 502');
    expect(browser.errors).toEqual([]);
  });
});

describe('heartbeats page in the browser: Delete asks first', { timeout: 90_000 }, () => {
  let session: ConsoleInBrowser | undefined;
  let app: TestAppliance;
  let page: Page;

  beforeAll(async () => {
    session = await consoleInBrowser({ password: 'heartbeat-delete-pass', context: { locale: 'en-US' } });
    ({ app, page } = session);
  });
  afterAll(() => session?.close());

  it('clicking Delete on a check shows the "Delete the check … and its check-ins?" question; dismissed, the check stays (it was deleted at once)', async () => {
    const admin = new ConsoleClient(app.url);
    await admin.signIn('heartbeat-delete-pass');
    await admin.get('/heartbeats/new');
    const created = await admin.submit('/heartbeats', {
      name: 'Nightly price sync',
      key: 'price-sync',
      scheduleKind: 'period',
      periodMinutes: '60',
      cron: '0 2 * * *',
      timezone: 'Asia/Shanghai',
      graceMinutes: '15',
      calendar: 'every_day',
      category: 'task',
      severity: 'critical',
      reminderHours: '4',
    });
    expect(created.redirectedTo).toBe('/heartbeats');
    const id = Number(/<a href="\/heartbeats\/(\d+)">/.exec(created.body)?.[1]);
    expect(getHeartbeatCheck(app.deps.db, id)).toBeDefined();

    const dialogs: string[] = [];
    let answer: 'accept' | 'dismiss' = 'dismiss';
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d[answer]();
    });
    await page.goto(app.url + '/heartbeats');
    await page.waitForFunction(() => 'htmx' in window);
    await page.getByRole('button', { name: 'Delete Nightly price sync', exact: true }).click({ timeout: 10_000 });
    await page.waitForLoadState('load');
    await page.waitForTimeout(500);
    expect(getHeartbeatCheck(app.deps.db, id), `the check after Cancel (questions asked: ${JSON.stringify(dialogs)})`).toBeDefined();
    expect(dialogs, 'the question the page has in hx-confirm').toEqual(['Delete the check "Nightly price sync" and its check-ins?']);
    // Asked again and answered OK: the check is deleted and the page says so.
    answer = 'accept';
    await page.getByRole('button', { name: 'Delete Nightly price sync', exact: true }).click();
    await page.getByText('Deleted.', { exact: true }).waitFor({ timeout: 10_000 });
    expect(getHeartbeatCheck(app.deps.db, id)).toBeUndefined();
    expect(new URL(page.url()).pathname).toBe('/heartbeats');
  });
});
