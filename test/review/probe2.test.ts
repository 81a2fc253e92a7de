import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';
const KEY = '7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e';
const PASSWORD = 'review-flows-pass';
describe('probe', () => {
  let fake: FakeWecom; let app: TestAppliance; let c: ConsoleClient;
  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD } });
    c = new ConsoleClient(app.url);
    await c.signIn(PASSWORD);
    expect((await c.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
  }, 30_000);
  afterAll(async () => { await app.stop(); await fake.close(); });
  it('probe', async () => {
    await c.get('/reports/new');
    const name = '上海旗舰店每日经营日报🏪'.repeat(5);
    const bad = await c.submit('/reports', { name, type: 'daily_summary', cron: '0 9 * * *', timezone: 'Asia/Shanghai', enabled: 'on', calendar: 'every_day' });
    console.log(bad.status, textOf(bad.body).slice(0, 600));
    const ok = await c.submit('/reports', { name: name.slice(0, 30), type: 'daily_summary', cron: '0 9 * * *', timezone: 'Europe/Berlin', enabled: 'on', calendar: 'every_day' });
    console.log(ok.status, ok.redirectedTo);
    const run = await c.submit(ok.redirectedTo!.replace(/\?.*/, '') + '/run', { period: 'scheduled' });
    console.log(run.status, textOf(run.body).slice(0, 2500));
    await new Promise((r) => setTimeout(r, 1500));
    const job = await c.get(ok.redirectedTo!.replace(/\?.*/, ''));
    console.log(textOf(job.body).slice(600, 2500));
    const list = await c.get('/reports');
    console.log(textOf(list.body).slice(0, 2500));
    const dash = await c.get('/');
    console.log(textOf(dash.body).slice(0, 1800));
  }, 60_000);
});
