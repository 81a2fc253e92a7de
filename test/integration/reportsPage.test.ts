import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../db/queries/audit.ts';
import { getReportJob, listReportJobs, listReportRuns, runDeliveryIds } from '../../db/queries/reports.ts';
import { dailyPeriods } from '../../server/time/periods.ts';
import { getReportSettings } from '../../server/reports/reportSettings.ts';
import { TEMPLATE_MAX_CHARS } from '../../server/reports/reportTemplate.ts';
import { translator } from '../../server/strings/translate.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { waitFor } from '../helpers/api.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { seedEvent } from '../helpers/reportData.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';
const PASSWORD = 'reports-test-pass';
const TZ = 'Asia/Shanghai';
const ZH = { 'accept-language': 'zh-CN' };

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

describe('Reports page over real HTTP, against the fake WeCom', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let admin: ConsoleClient;
  let jobId: number;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY], windowMs: 2_000 });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD, WECOM_RATE_WINDOW_MS: '2000' } });
    admin = new ConsoleClient(app.url);
    await admin.signIn(PASSWORD);
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('lists the seeded jobs, off until a bot is connected, and switches them on when one is', async () => {
    const page = await admin.get('/reports');
    expect(page.status).toBe(200);
    expect(page.body).toContain('href="/reports" aria-current="page"');
    const text = textOf(page.body);
    expect(text).toContain('每日汇总');
    expect(text).toContain('每周汇总');
    expect(text.match(/off until a bot is connected/g)).toHaveLength(2);

    const connected = await admin.postForm('/channels/wecom/connect', { url: KEY });
    expect(connected.status).toBe(303);
    expect(listReportJobs(app.deps.db).map((j) => j.enabled)).toEqual([true, true]);
    const after = textOf((await admin.get('/reports')).body);
    expect(after).not.toContain('off until a bot is connected');
    // The next run shows in the job's zone: 09:00 Shanghai (GMT+8).
    expect(after).toMatch(/\d{4}-\d\d-\d\d 09:00 \w{3} \(GMT\+8\)/);
    const zh = textOf((await admin.get('/reports', ZH)).body);
    expect(zh).toContain('报表');
    expect(zh).toContain('已开启');
  });

  it('creates a job from the form; the job page shows its next 3 runs', async () => {
    const res = await admin.postForm('/reports', { name: 'Store daily', type: 'daily_summary', cron: '0  9 * * *', timezone: 'asia/shanghai', template: '', enabled: 'on' });
    expect(res.status).toBe(303);
    const match = /^\/reports\/(\d+)\?notice=created$/.exec(res.location ?? '');
    expect(match).not.toBeNull();
    jobId = Number(match![1]);
    expect(getReportJob(app.deps.db, jobId)).toMatchObject({ cron: '0 9 * * *', timezone: TZ, enabled: true, autoEnable: false });
    const page = await admin.get(res.location!);
    const text = textOf(page.body);
    expect(text).toContain('Report job “Store daily” created.');
    expect(page.body.match(/<time datetime=/g)).toHaveLength(3);
    expect(text).toMatch(/09:00 \w{3} \(GMT\+8\)/);
    expect(app.reports.nextRunOf(jobId)).toBeGreaterThan(Date.now());
  });

  it('Run now builds the report, queues it, the fake WeCom receives it, and history and send log show it', async () => {
    app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), language: 'en', format: 'markdown' });
    // Two alerts and a failed task yesterday (the daily report's period), one alert today (not in it).
    const yesterday = dailyPeriods(Date.now(), TZ);
    const noon = yesterday.current.start + 12 * 3600_000;
    seedEvent(app.deps.db, { kind: 'alert', category: 'inventory', severity: 'critical', at: noon });
    seedEvent(app.deps.db, { kind: 'alert', category: 'orders', severity: 'info', at: noon + 60_000 });
    seedEvent(app.deps.db, { kind: 'task_result', taskName: 'Nightly price sync', taskStatus: 'failed', at: noon });
    seedEvent(app.deps.db, { kind: 'alert', category: 'store', severity: 'warning', at: yesterday.current.end + 60_000 });

    const before = fake.receivedFor(KEY).length;
    const res = await admin.submit(`/reports/${jobId}/run`, { period: 'scheduled' });
    expect(res.redirectedTo).toBe(`/reports/${jobId}`);
    expect(textOf(res.body)).toContain('Report built and queued as 1 message;');
    const run = listReportRuns(app.deps.db, jobId, { limit: 1 })[0]!;
    // A reload of the result page is a GET: no second run, no second message, no stale notice.
    const runs = listReportRuns(app.deps.db, jobId, { limit: 100 }).length;
    const reload = await admin.get(res.redirectedTo!);
    expect(textOf(reload.body)).not.toContain('Report built and queued');
    expect(listReportRuns(app.deps.db, jobId, { limit: 100 })).toHaveLength(runs);
    expect(run).toMatchObject({ trigger: 'manual', status: 'succeeded' });
    const [deliveryId] = runDeliveryIds(run);
    expect(res.body).toContain(`href="/send-log/${deliveryId}"`);

    expect(await waitFor(() => fake.receivedFor(KEY).length > before, 10_000)).toBe(true);
    const got = fake.receivedFor(KEY).slice(before).find((m) => JSON.stringify(m.body).includes('Store daily'))!;
    expect(got.msgtype).toBe('markdown');
    const content = (got.body.markdown as { content: string }).content;
    expect(content.startsWith(`### 📊 Store daily\nPeriod: yesterday (${yesterday.label}, Asia/Shanghai)`)).toBe(true);
    expect(content).toContain('**Alerts: 2** · <font color="warning">Critical 1</font> · Warning 0 · Info 1');
    expect(content).toContain('- ❌ Nightly price sync — Failed ×1');

    // History: the run, linked to its message, which is now sent.
    await waitFor(() => app.worker.idle(), 5_000);
    const page = await admin.get(`/reports/${jobId}`);
    const row = /<tr id="run-\d+" data-status="succeeded">[\s\S]*?<\/tr>/.exec(page.body)![0];
    expect(row).toContain(`href="/send-log/${deliveryId}"`);
    expect(textOf(row)).toContain(`#${deliveryId} (sent)`);
    expect(textOf(row)).toContain('Run now');
    // The run reads as what became of its message, and says which period it covered.
    expect(textOf(row)).toMatch(/Run now yesterday \(\d{4}-\d\d-\d\d, Asia\/Shanghai\) sent/);
    expect(textOf(row)).not.toContain('queued');
    // The list shows the last result the same way: sent, not "queued" beside a message long gone.
    const listed = textOf(/<tr id="job-\d+">[\s\S]*?Store daily[\s\S]*?<\/tr>/.exec((await admin.get('/reports')).body)![0]);
    expect(listed).toMatch(/ sent \d{4}-\d\d-\d\d/);
    expect(listed).not.toContain('queued');
    // Send log: the delivery with its exact payload.
    const detail = await admin.get(`/send-log/${deliveryId}`);
    expect(detail.status).toBe(200);
    expect(textOf(detail.body)).toContain('Kind report Status sent');
    expect(unescape(detail.body)).toContain(JSON.stringify(content).slice(1, -1));
    expect(textOf((await admin.get('/send-log?kind=report')).body)).toContain(`Store daily · ${yesterday.label}`);
    expect(listAudit(app.deps.db, { limit: 50 }).some((a) => a.action === 'report.run')).toBe(true);
  });

  it('Run now can cover today so far instead of the scheduled period, and says so everywhere', async () => {
    const job = await admin.get(`/reports/${jobId}`);
    expect(textOf(job.body)).toContain('Run now: so far today');
    const before = fake.receivedFor(KEY).length;
    const res = await admin.submit(`/reports/${jobId}/run`, { period: 'today' });
    expect(res.redirectedTo).toBe(`/reports/${jobId}`);
    const run = listReportRuns(app.deps.db, jobId, { limit: 1 })[0]!;
    expect(JSON.parse(run.period!)).toMatchObject({ span: 'today_so_far', timeZone: 'Asia/Shanghai' });
    expect(textOf(res.body)).toMatch(/so far today \(\d{4}-\d\d-\d\d 00:00 – \d\d:\d\d, Asia\/Shanghai\)/);
    expect(await waitFor(() => fake.receivedFor(KEY).length > before, 10_000)).toBe(true);
    const content = JSON.stringify(fake.receivedFor(KEY).at(-1)!.body);
    expect(content).toContain('Period: so far today (');
    const preview = await admin.get(`/reports/${jobId}/preview`);
    expect(textOf(preview.body)).toMatch(/covering yesterday \(\d{4}-\d\d-\d\d, Asia\/Shanghai\)/);
  });

  it('the audit log on a Chinese console names a report run’s period in words, not as the code stored ("today")', async () => {
    const zh = translator('zh');
    const page = await admin.get('/audit', ZH);
    const row = page.body.split('<tr>').map(textOf).find((r) => r.includes(zh('audit.action.report.run')));
    expect(row).toContain(`${zh('audit.detail.period')}: ${zh('audit.value.period.today')}`);
    expect(row!.match(/: (today|scheduled)\b/g) ?? []).toEqual([]);
  });

  it('Preview shows exactly the markdown Run now sends, with its byte count', async () => {
    const page = await admin.get(`/reports/${jobId}/preview`);
    expect(page.status).toBe(200);
    // The raw payload under the WeCom-look rendering is the message as sent.
    const raw = JSON.parse(unescape(/<details class="wx-raw">[\s\S]*?<pre>([\s\S]*?)<\/pre>/.exec(page.body)![1]!)) as { markdown: { content: string } };
    const pre = raw.markdown.content;
    const sent = fake.receivedFor(KEY).map((m) => (m.body.markdown as { content?: string } | undefined)?.content).filter((c) => c?.startsWith('### 📊 Store daily\nPeriod: yesterday'));
    expect(pre).toBe(sent.at(-1));
    expect(textOf(page.body)).toContain(`${Buffer.byteLength(pre)} of 4096 bytes (markdown)`);
  });

  it('previews the next 3 runs for the cron and time zone typed (htmx fragment), with errors in EN and ZH', async () => {
    const ok = await admin.get(`/reports/cron-preview?cron=${encodeURIComponent('0 9 * * *')}&timezone=Europe%2FBerlin`);
    expect(ok.status).toBe(200);
    expect(ok.body).not.toContain('<html');
    expect(ok.body.match(/<li>/g)).toHaveLength(3);
    expect(textOf(ok.body)).toMatch(/09:00 \w{3} \(GMT\+[12]\)/);
    const bad = await admin.get(`/reports/cron-preview?cron=${encodeURIComponent('0 9 * *')}&timezone=Asia%2FShanghai`);
    expect(bad.status).toBe(422);
    expect(textOf(bad.body)).toContain('but this one has 4');
    const badZh = await admin.get(`/reports/cron-preview?cron=${encodeURIComponent('0 0 30 2 *')}`, ZH);
    expect(badZh.status).toBe(422);
    expect(textOf(badZh.body)).toContain('这个计划永远不会触发');
    const tz = await admin.get(`/reports/cron-preview?cron=${encodeURIComponent('0 9 * * *')}&timezone=Mars%2FOlympus`);
    expect(tz.status).toBe(422);
    expect(textOf(tz.body)).toContain('Unknown time zone');
    // The form wires it with htmx, and renders the same list without JavaScript.
    const form = await admin.get('/reports/new');
    expect(form.body).toContain('hx-get="/reports/cron-preview"');
    expect(form.body.match(/<time datetime=/g)).toHaveLength(3);
  });

  const valid = { name: 'Ops', type: 'daily_summary', cron: '0 9 * * *', timezone: TZ, template: '', enabled: 'on' };
  it.each([
    ['name', { ...valid, name: '' }, 'Enter a name.', '请输入名称。'],
    ['name', { ...valid, name: 'x'.repeat(61) }, 'Use at most 60 characters.', '最多 60 个字符。'],
    ['name', { ...valid, name: 'a\nb' }, 'cannot contain line breaks', '不能包含换行'],
    ['type', { ...valid, type: 'hourly' }, 'Choose a report type.', '请选择报表类型。'],
    ['cron', { ...valid, cron: '' }, 'Enter a schedule in cron format', '请输入 cron 格式的计划'],
    ['cron', { ...valid, cron: '0 9 * *' }, 'five fields separated by spaces', '五个字段'],
    ['cron', { ...valid, cron: '0 0 9 * * *' }, 'but this one has 6', '有 6 个字段'],
    ['cron', { ...valid, cron: '0 25 * * *' }, 'the hour field “25” is not valid (allowed: 0–23)', '小时字段“25”无效（允许：0–23）'],
    ['cron', { ...valid, cron: '0 9 * * FOO' }, 'the day-of-week field “FOO” is not valid', '星期字段“FOO”无效'],
    ['cron', { ...valid, cron: '0 0 30 2 *' }, 'This schedule never fires', '这个计划永远不会触发'],
    ['timezone', { ...valid, timezone: 'Mars/Olympus' }, 'Unknown time zone', '无法识别的时区'],
    ['template', { ...valid, type: 'custom', template: '  ' }, 'A custom report needs a template.', '自定义报表需要填写模板。'],
    ['template', { ...valid, type: 'custom', template: 'x'.repeat(8001) }, 'Use at most 8000 characters.', '最多 8000 个字符。'],
    ['template', { ...valid, type: 'custom', template: 'Hi {{alerts.totl}} and {{nope}}' }, 'Unknown placeholder(s): {{alerts.totl}}, {{nope}}', '无法识别的占位符：{{alerts.totl}}, {{nope}}'],
    ['template', { ...valid, type: 'custom', template: 'Hi {{alerts.total' }, 'A placeholder is not closed: “{{alerts.total” needs a closing }}.', '占位符未闭合'],
    ['template', { ...valid, type: 'custom', template: '{{metric gmv}}' }, '{{metric gmv}}: write a metric placeholder as', '指标占位符的写法'],
  ])('refuses a bad %s (case %#) with 422, the field named, in EN and ZH; nothing saved', async (field, form, en, zh) => {
    const jobs = listReportJobs(app.deps.db).length;
    for (const path of ['/reports', `/reports/${jobId}`]) {
      const res = await admin.postForm(path, form);
      expect(res.status, path).toBe(422);
      expect(res.body).toContain(`id="r-${field}-error"`);
      expect(res.body).toContain(`href="#r-${field}"`);
      expect(textOf(res.body)).toContain(en);
      const resZh = await admin.postForm(path, form, ZH);
      expect(resZh.status).toBe(422);
      expect(textOf(resZh.body)).toContain(zh);
    }
    expect(listReportJobs(app.deps.db)).toHaveLength(jobs);
    expect(getReportJob(app.deps.db, jobId)).toMatchObject({ name: 'Store daily', cron: '0 9 * * *' });
  });

  it('keeps what was typed when refusing the form', async () => {
    const res = await admin.postForm('/reports', { ...valid, name: 'Keep me', cron: '0 25 * * *', timezone: 'Europe/Berlin' });
    expect(res.status).toBe(422);
    expect(res.body).toContain('value="Keep me"');
    expect(res.body).toContain('value="0 25 * * *"');
    expect(res.body).toContain('value="Europe/Berlin"');
  });

  it('an edit reschedules the job at once: new next runs, no restart', async () => {
    const res = await admin.postForm(`/reports/${jobId}`, { name: 'Store daily', type: 'daily_summary', cron: '30 8 * * 1-5', timezone: 'Europe/Berlin', template: '', enabled: 'on' });
    expect(res.status).toBe(303);
    const page = await admin.get(res.location!);
    const text = textOf(page.body);
    expect(text).toContain('saved; the new schedule applies at once');
    expect(text).toContain('Europe/Berlin');
    expect(text).toMatch(/08:30 (Mon|Tue|Wed|Thu|Fri) \(GMT\+[12]\)/);
    const next = app.reports.nextRunOf(jobId)!;
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', weekday: 'short' }).format(next);
    expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 08:30$/);
    expect(listAudit(app.deps.db, { limit: 50 }).find((a) => a.action === 'report.update')?.detail).toContain('30 8 * * 1-5');
  });

  it('switches a job off and on; off means not scheduled', async () => {
    const off = await admin.postForm(`/reports/${jobId}/disable`);
    expect(off.status).toBe(303);
    expect(textOf((await admin.get(off.location!)).body)).toContain('switched off');
    expect(app.reports.nextRunOf(jobId)).toBeUndefined();
    const on = await admin.postForm(`/reports/${jobId}/enable`);
    expect(on.status).toBe(303);
    expect(app.reports.nextRunOf(jobId)).toBeGreaterThan(Date.now());
  });

  it('previews a custom template from the form without saving, flagging unknown placeholders', async () => {
    const res = await admin.postForm('/reports/preview', {
      name: 'Custom',
      type: 'custom',
      cron: '0 9 * * *',
      timezone: TZ,
      template: 'Alerts: {{alerts.total}} · {{alerts.totl}}',
      jobId: '',
    });
    expect(res.status).toBe(200);
    const text = textOf(res.body);
    expect(text).toContain('Alerts: 2 · {{alerts.totl}}');
    expect(text).toContain('These placeholders are not known and would be sent as typed: {{alerts.totl}}');
    expect(listReportJobs(app.deps.db).some((j) => j.name === 'Custom')).toBe(false);
  });

  it('saves the missed-run grace period; refuses a bad one with 422 in EN and ZH', async () => {
    const bad = await admin.postForm('/reports/settings', { missedRunGraceMinutes: '2000' });
    expect(bad.status).toBe(422);
    expect(textOf(bad.body)).toContain('Enter a whole number of minutes from 0 to 1440.');
    const badZh = await admin.postForm('/reports/settings', { missedRunGraceMinutes: 'abc' }, ZH);
    expect(badZh.status).toBe(422);
    expect(textOf(badZh.body)).toContain('请输入 0 到 1440 之间的整数分钟数。');
    const ok = await admin.postForm('/reports/settings', { missedRunGraceMinutes: '90' });
    expect(ok.status).toBe(200);
    expect(getReportSettings(app.deps.db).missedRunGraceMinutes).toBe(90);
  });

  it('deletes a job after a confirmation; unknown ids are 404', async () => {
    const confirm = await admin.get(`/reports/${jobId}/delete`);
    expect(confirm.status).toBe(200);
    expect(textOf(confirm.body)).toContain('Delete “Store daily”?');
    const res = await admin.postForm(`/reports/${jobId}/delete`);
    expect(res.status).toBe(200);
    expect(textOf(res.body)).toContain('Report job “Store daily” and its run history were deleted.');
    expect(getReportJob(app.deps.db, jobId)).toBeUndefined();
    expect(listReportRuns(app.deps.db, jobId, { limit: 5 })).toHaveLength(0);
    expect((await admin.get(`/reports/${jobId}`)).status).toBe(404);
    expect((await admin.get('/reports/abc')).status).toBe(404);
    expect((await admin.postForm(`/reports/${jobId}/run`)).status).toBe(404);
  });

  it('shows the next report on the dashboard', async () => {
    const dash = textOf((await admin.get('/')).body);
    expect(dash).toMatch(/每日汇总|每周汇总/);
  });

  it('a custom report template within TEMPLATE_MAX_CHARS (Chinese text) is saved, not refused with a bare English 413', async () => {
    await admin.get('/reports/new', ZH);
    const before = (app.deps.db.$client.prepare('select count(*) as n from report_jobs').get() as { n: number }).n;
    // 7,500 characters: under the form's own limit of 8,000, but ~67 KB once url-encoded (9 bytes per Han character).
    const template = '日报'.repeat(3750);
    expect(template.length).toBeLessThanOrEqual(TEMPLATE_MAX_CHARS);
    const res = await admin.postForm('/reports', { name: '中文模板', type: 'custom', cron: '0 9 * * *', timezone: 'Asia/Shanghai', template, calendar: 'every_day' }, ZH);
    expect(res.body, `status ${res.status}`).not.toBe('Request body too large');
    expect(res.status).toBe(303);
    expect((app.deps.db.$client.prepare('select count(*) as n from report_jobs').get() as { n: number }).n).toBe(before + 1);
  });
});
