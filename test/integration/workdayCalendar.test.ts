import { afterEach, describe, expect, it } from 'vitest';
import { getEvent } from '../../server/delivery/store.ts';
import { listAudit } from '../../db/queries/audit.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom } from '../fakeWecom.ts';
import { postEvent } from '../helpers/api.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const PASSWORD = 'workday-calendar-pass';
const at = (local: string) => Date.parse(`${local}+08:00`);

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

async function rig(now?: number): Promise<{ app: TestAppliance; console: ConsoleClient; token: string; clock: { t: number } }> {
  const clock = { t: now ?? Date.now() };
  const fake = await startFakeWecom();
  const app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD, TZ: 'Asia/Shanghai' }, clock: { now: () => clock.t } });
  stops.push(() => fake.close(), () => app.stop());
  const console = new ConsoleClient(app.url);
  await console.signIn(PASSWORD);
  const token = issueApiToken(app.deps, { name: 't', requireSignature: false, now: clock.t }).token;
  return { app, console, token, clock };
}

describe('Workday calendar page', () => {
  it('says through which year it is known, warns on the dashboard from 1 December, and the admin marks next year entered', async () => {
    const { app, console, clock } = await rig(at('2026-11-30T23:50:00'));
    expect(textOf((await console.get('/')).body)).toContain('Dashboard');
    expect(textOf((await console.get('/')).body)).not.toContain('not in the workday calendar');
    clock.t = at('2026-12-01T00:10:00');
    const dash = textOf((await console.get('/')).body);
    expect(dash).toContain("China's holidays for 2027 are not in the workday calendar yet");
    const page = textOf((await console.get('/calendar')).body);
    expect(page).toContain('Known through 2026');
    expect(page).toMatch(/chinese-days \d+\.\d+\.\d+, years \d{4}–2026/);
    expect(page).toContain("The calendar does not know 2027's holidays yet");

    const marked = await console.submit('/calendar/years', { year: '2027', entered: '1' });
    expect(marked.redirectedTo).toBe('/calendar');
    expect(textOf(marked.body)).toContain('Known through 2027');
    expect(textOf((await console.get('/')).body)).not.toContain('not in the workday calendar');
    expect(listAudit(app.deps.db, { limit: 5 }).some((a) => a.action === 'calendar.year_entered')).toBe(true);
  });

  it("adds the admin's own days (they win), refuses bad input in the reader's language, removes them", async () => {
    const { app, console } = await rig(at('2026-09-01T10:00:00'));
    const saved = await console.submit('/calendar/days', { date: '2026-10-03', kind: 'work', note: '国庆值班' });
    expect(saved.redirectedTo).toBe('/calendar');
    expect(textOf(saved.body)).toContain('Saved: 2026-10-03 is now a Working day.');
    expect(app.deps.calendar!.calendar().isWorkday('2026-10-03')).toBe(true);
    // The coming days list shows the admin's day beside the package's.
    expect(textOf(saved.body)).toMatch(/2026-10-03 Working day 国庆值班 You/);
    expect(textOf(saved.body)).toMatch(/2026-10-01 Day off National Day Built-in/);

    await console.get('/lang/zh?next=/calendar');
    const bad = await console.postForm('/calendar/days', { date: '2026-02-30', kind: 'holiday', note: 'x'.repeat(61) });
    expect(bad.status).toBe(422);
    const text = textOf(bad.body);
    expect(text).toContain('请按 YYYY-MM-DD 填写日期');
    expect(text).toContain('请选择「工作日」或「休息日」');
    expect(text).toContain('备注最多 60 个字符');
    expect(app.deps.calendar!.calendar().adminDays).toHaveLength(1);

    const removed = await console.submit('/calendar/days/2026-10-03/delete');
    expect(textOf(removed.body)).toContain('已删除自定义日期 2026-10-03');
    expect(app.deps.calendar!.calendar().isWorkday('2026-10-03')).toBe(false);
    // The days survive a restart of the store (kept in the settings table).
    await console.submit('/calendar/days', { date: '2026-11-11', kind: 'work', note: '双11' });
    const { createCalendarStore } = await import('../../server/calendar/calendarStore.ts');
    const { loadChinaHolidays } = await import('../../server/calendar/chinaHolidays.ts');
    expect(createCalendarStore(app.deps.db, app.deps.clock, loadChinaHolidays()).calendar().day('2026-11-11')).toMatchObject({ workday: true, reason: 'admin', name: '双11' });
  });
});

describe('Quiet all day on non-workdays', () => {
  it('holds a non-critical alert on 国庆 and sends one on the adjusted working day', async () => {
    const { app, console, token, clock } = await rig(at('2026-10-02T10:00:00'));
    await console.get('/notifications');
    const form = {
      cat_orders: 'on', cat_inventory: 'on', cat_ads: 'on', cat_products: 'on', cat_store: 'on', cat_task: 'on', cat_other: 'on',
      minSeverity: 'info', quietStart: '22:00', quietEnd: '08:00', quietTimeZone: 'Asia/Shanghai', quietNonWorkdays: 'on',
      mentionMode: 'none', mentionTargets: '', dedupeWindowMinutes: '10', language: 'zh', format: 'markdown', rateLimit: '20', digestWindowSeconds: '60', maxAgeHours: '24',
    };
    const saved = await console.submit('/notifications', form);
    expect(saved.status).toBe(200);
    expect(app.deps.settings.rules().quietHours.nonWorkdays).toBe(true);
    expect(saved.body).toMatch(/name="quietNonWorkdays" value="on" checked/);

    const held = await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: '国庆订单积压' });
    expect(held.status).toBe(202);
    expect(getEvent(app.deps.db, held.json.id as number)).toMatchObject({ status: 'held', reason: 'quiet_hours' });
    const critical = await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'critical', title: '支付失败' });
    expect(critical.json.status).toBe('queued');

    // Saturday 2026-10-10 is an adjusted working day (调休): not quiet.
    clock.t = at('2026-10-10T10:00:00');
    const workday = await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: '调休日提醒' });
    expect(workday.json.status).toBe('queued');
  });
});

describe('Metric rule backtest skipping holidays', () => {
  it('compares the first workday after 国庆 with the last comparable workday, and says so', async () => {
    const { app, console, token } = await rig(at('2026-10-09T12:00:00'));
    const points = [
      ['2026-09-24T10:00:00', 100],
      ['2026-10-01T10:00:00', 20],
      ['2026-10-08T10:00:00', 90],
    ].map(([t, value]) => ({ name: 'GMV', value, store: 'A', occurred_at: `${t}+08:00` }));
    expect((await postEvent(app.url, token, points, { path: '/api/v1/metrics' })).status).toBe(202);
    const rule = {
      name: 'GMV 周同比', metric: 'GMV', store: '', conditionType: 'change', changeDirection: 'down', changeAmount: '5', changeBy: 'percent', changeBaseline: '7d',
      severity: 'warning', category: 'orders', mentionMode: 'none', title: '{{metric}} {{change}}', reminderHours: '4', enabled: 'on', backtestDays: '30', holdKind: 'points', holdCount: '1',
    };
    await console.get('/metric-rules/new');
    const plain = textOf((await console.postForm('/metric-rules/backtest', rule, { 'hx-request': 'true' })).body);
    // Plainly, the holiday (20) is measured against an ordinary Thursday (100) and "fires"; the
    // workday after it (90) is then up against the holiday.
    expect(plain).toContain('it would have fired 1 time.');
    expect(plain).toMatch(/A 2026-10-01 10:00:00 \(GMT\+8\) 20 2026-10-08 10:00:00/);
    expect(plain).not.toContain('holidays skipped');
    const skipping = textOf((await console.postForm('/metric-rules/backtest', { ...rule, changeSkipHolidays: 'on' }, { 'hx-request': 'true' })).body);
    // Skipping holidays: the holiday has no comparable day off in reach and is not judged; 10-08 is
    // compared with 09-24 (the last workday a whole week back) and is down 10 %.
    expect(skipping).toContain('it would have fired 1 time.');
    expect(skipping).toMatch(/A 2026-10-08 10:00:00 \(GMT\+8\) 90 still firing/);
    expect(skipping).toContain('Compared with');
    expect(skipping).toMatch(/2026-09-24 10:00:00 \(GMT\+8\) \(holidays skipped\)/);
    const saved = await console.postForm('/metric-rules', { ...rule, changeSkipHolidays: 'on', intent: 'save' });
    expect(saved.status).toBe(303);
    expect(textOf((await console.get('/metric-rules')).body)).toContain('holidays skipped');
  });
});

describe('Report jobs with a calendar (Reports page)', () => {
  it('saves "Workdays (China)", previews the next runs past 国庆, and refuses an unknown calendar', async () => {
    const { app, console } = await rig(at('2026-09-30T10:00:00'));
    await console.get('/reports/new');
    const preview = await console.get('/reports/cron-preview?cron=0%209%20*%20*%20*&timezone=Asia%2FShanghai&calendar=workdays_cn');
    const runs = textOf(preview.body);
    expect(runs).toMatch(/2026-10-08[\s\S]*2026-10-09[\s\S]*2026-10-10/);
    expect(runs).not.toContain('2026-10-01');
    const created = await console.postForm('/reports', { name: '工作日日报', type: 'daily_summary', cron: '0 9 * * *', timezone: 'Asia/Shanghai', calendar: 'workdays_cn', template: '', enabled: 'on' });
    expect(created.status).toBe(303);
    const id = Number(/\/reports\/(\d+)/.exec(created.location ?? '')![1]);
    const page = textOf((await console.get(`/reports/${id}`)).body);
    expect(page).toContain('Calendar Workdays (China)');
    expect(app.reports.nextRunOf(id)).toBe(at('2026-10-08T09:00:00'));

    const bad = await console.postForm('/reports', { name: 'x', type: 'daily_summary', cron: '0 9 * * *', timezone: 'Asia/Shanghai', calendar: 'lunar', template: '' });
    expect(bad.status).toBe(422);
    expect(textOf(bad.body)).toContain('Choose a calendar: every day, workdays (China), or weekends and holidays (China).');
  });
});
