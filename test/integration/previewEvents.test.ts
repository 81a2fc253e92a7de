import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '7f8a9b0c-1d2e-4f3a-8b4c-5d6e7f8a9b0c';
const PASSWORD = 'preview-events-pass';

/** The section of a page from one heading id to the next article or section. */
function section(html: string, id: string): string {
  const start = html.indexOf(`id="${id}"`);
  expect(start, id).toBeGreaterThan(-1);
  const end = html.indexOf('</article>', start);
  return textOf(html.slice(start, end));
}

/** What the previews show: samples in the notification language, then the latest real event of the kind and category. */
describe('previews: samples in the notification language, then the latest real event', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let client: ConsoleClient;
  let token: string;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD } });
    client = new ConsoleClient(app.url);
    await client.signIn(PASSWORD);
    expect((await client.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
    token = issueApiToken(app.deps, { name: 'preview', requireSignature: false, now: Date.now() }).token;
  });
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
  });

  it('before any event: the samples are written in the notification language, whatever the console speaks; the failed task is consistent', async () => {
    // The default notification language is Chinese; the console reads English.
    expect(app.deps.settings.delivery().language).toBe('zh');
    const zh = (await client.get('/notifications', { 'accept-language': 'en' })).body;
    expect(section(zh, 'n-preview-alert')).toContain('Sample alert (Critical)');
    expect(section(zh, 'n-preview-alert')).toContain('库存不足：陶瓷手冲壶');
    expect(section(zh, 'n-preview-alert')).not.toContain('Low stock');
    const failedZh = section(zh, 'n-preview-task_failed');
    expect(failedZh).toContain('没有商品被更新');
    expect(failedZh).toContain('已更新: 0');
    expect(failedZh).not.toContain('1184');

    app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), language: 'en' });
    const en = (await client.get('/notifications', { 'accept-language': 'zh-CN' })).body;
    expect(section(en, 'n-preview-alert')).toContain('Low stock: Ceramic pour-over kettle');
    const failedEn = section(en, 'n-preview-task_failed');
    expect(failedEn).toContain('no listing was updated');
    expect(failedEn).toContain('updated: 0');
    expect(failedEn).not.toContain('1184');
    // Only four items: nothing real yet.
    expect(en.match(/<article aria-labelledby="n-preview-/g)).toHaveLength(4);
  });

  it('once events arrive: the latest real one of each kind is shown (console samples do not count), the critical sample beside a warning', async () => {
    // A sample sent from the console is no real event.
    expect((await client.postForm('/inbound/sample', { kind: 'alert' })).status).toBeLessThan(400);
    const sent = fake.received.length;
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'ads', severity: 'warning', title: 'Ad budget 90% spent', store: 'JD 自营' })).status).toBe(202);
    expect((await postEvent(app.url, token, { kind: 'task_result', status: 'failed', task_name: 'Stock import', summary: 'CSV rejected: 3 bad rows' })).status).toBe(202);
    await waitFor(() => fake.received.length >= sent + 2);

    const page = (await client.get('/notifications', { 'accept-language': 'en' })).body;
    const alert = section(page, 'n-preview-alert');
    expect(alert).toMatch(/Latest alert \(Warning\), received \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    expect(alert).toContain('Ad budget 90% spent');
    expect(section(page, 'n-preview-alert_critical')).toContain('Sample alert (Critical)');
    const failed = section(page, 'n-preview-task_failed');
    expect(failed).toMatch(/Latest task result, failed \(Warning\), received/);
    expect(failed).toContain('CSV rejected: 3 bad rows');
    // No real report yet: still the sample.
    expect(section(page, 'n-preview-report')).toContain('Sample report (Info)');
  });

  it('the template editor previews the latest real event of its kind and category, else the sample', async () => {
    const ads = textOf((await client.get('/notifications/templates?kind=alert&category=ads&lang=en')).body);
    expect(ads).toMatch(/The latest alert of this category, received \d{4}-/i);
    expect(ads).toContain('Ad budget 90% spent');
    const orders = textOf((await client.get('/notifications/templates?kind=alert&category=orders&lang=zh')).body);
    expect(orders).toMatch(/A sample alert rendered with this template/i);
    expect(orders).toContain('库存不足：陶瓷手冲壶');
    const task = textOf((await client.postForm('/notifications/templates/preview', { kind: 'task_result', category: 'all', lang: 'en', body: '{{task.name}}: {{summary}}' })).body);
    expect(task).toContain('Stock import: CSV rejected: 3 bad rows');
  });
});
