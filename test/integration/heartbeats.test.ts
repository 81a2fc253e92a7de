import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getHeartbeatCheckByKey, insertHeartbeatCheck, insertPing, listHeartbeatChecks, MAX_HEARTBEAT_CHECKS, PINGS_KEPT } from '../../db/queries/heartbeats.ts';
import { initialHeartbeatState } from '../../server/heartbeats/plan.ts';
import { listAudit } from '../../db/queries/audit.ts';
import { listReportJobs } from '../../db/queries/reports.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { ConsoleClient, descriptionOf, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const PASSWORD = 'heartbeat-checks-pass';
const KEY = '7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
const MIN = 60_000;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Clock = { t: number; now(): number };

async function rig(opts: { dataDir?: string; clock?: Clock; fake?: FakeWecom } = {}) {
  const clock: Clock = opts.clock ?? { t: Date.parse('2026-11-30T10:00:00+08:00'), now: () => clock.t };
  const fake = opts.fake ?? (await startFakeWecom({ keys: [KEY] }));
  const app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD, TZ: 'Asia/Shanghai' }, clock, ...(opts.dataDir ? { dataDir: opts.dataDir } : {}) });
  if (!opts.fake) cleanups.push(() => fake.close());
  cleanups.push(() => app.stop());
  const console = new ConsoleClient(app.url);
  await console.signIn(PASSWORD);
  return { app, fake, clock, console };
}

async function connected(r: Awaited<ReturnType<typeof rig>>) {
  r.app.deps.settings.setRules({ ...r.app.deps.settings.rules(), dedupeWindowMinutes: 0 });
  r.app.deps.settings.setDelivery({ ...r.app.deps.settings.delivery(), language: 'en' });
  expect((await r.console.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
  return issueApiToken(r.app.deps, { name: 'cron host', requireSignature: false, now: r.clock.t }).token;
}

const checkForm = {
  name: 'Nightly price sync',
  key: 'price-sync',
  scheduleKind: 'period',
  periodMinutes: '60',
  cron: '',
  timezone: 'Asia/Shanghai',
  graceMinutes: '10',
  calendar: 'every_day',
  category: 'task',
  severity: 'critical',
  reminderHours: '2',
};

const ping = (url: string, token: string | undefined, path: string, body?: unknown, headers?: Record<string, string>) =>
  fetch(`${url}/api/v1/heartbeats/${path}`, {
    method: 'POST',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });

const texts = (fake: FakeWecom) => fake.receivedFor(KEY).map((m) => JSON.stringify(m.body));

describe('heartbeat checks, end to end', () => {
  it('a missed check-in alerts once, reminds, and one success recovers naming how long it was down', async () => {
    const r = await rig();
    const token = await connected(r);
    expect((await r.console.postForm('/heartbeats', checkForm)).status).toBe(303);
    const before = r.fake.receivedFor(KEY).length;

    // New: nothing is expected before the first check-in.
    r.clock.t += 5 * 60 * MIN;
    r.app.heartbeatTick();
    expect(getHeartbeatCheckByKey(r.app.deps.db, 'price-sync')!.status).toBe('new');

    const ok = await ping(r.app.url, token, 'price-sync');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ check: 'price-sync', kind: 'success', status: 'up' });
    // Past due, inside the grace: late, no message.
    r.clock.t += 65 * MIN;
    r.app.heartbeatTick();
    expect(getHeartbeatCheckByKey(r.app.deps.db, 'price-sync')!.status).toBe('late');
    r.clock.t += 10 * MIN;
    r.app.heartbeatTick();
    r.app.heartbeatTick();
    expect(getHeartbeatCheckByKey(r.app.deps.db, 'price-sync')!.status).toBe('down');
    expect(await waitFor(() => r.fake.receivedFor(KEY).length === before + 1)).toBe(true);
    expect(texts(r.fake).at(-1)).toContain('Heartbeat down: Nightly price sync');
    expect(texts(r.fake).at(-1)).toContain('No check-in since');
    // While down: the dashboard lists it first, /metrics says so.
    const dash = textOf((await r.console.get('/')).body);
    expect(dash).toMatch(/Heartbeats Check Schedule State Last check-in Next expected Nightly price sync price-sync every 1 h, grace 10 min Down/);
    const metrics = await (await fetch(`${r.app.url}/metrics`)).text();
    expect(metrics).toContain('notifier_heartbeat_checks{state="down"} 1');
    // Labelled by id: what the admin named the check only with METRICS_DETAIL=1 (as metric rules).
    expect(metrics).toMatch(/notifier_heartbeat_down\{check_id="\d+"\} 1/);
    expect(metrics).toMatch(/notifier_heartbeat_last_ping_timestamp_seconds\{check_id="\d+"\} \d{10}/);
    expect(metrics).not.toContain('price-sync');

    // Ticks while down say nothing until the reminder is due; then one reminder.
    for (let i = 0; i < 5; i++) {
      r.clock.t += 10 * MIN;
      r.app.heartbeatTick();
    }
    r.clock.t += 70 * MIN;
    r.app.heartbeatTick();
    r.app.heartbeatTick();
    expect(await waitFor(() => r.fake.receivedFor(KEY).length === before + 2)).toBe(true);
    expect(texts(r.fake).at(-1)).toContain('[Still down');

    r.clock.t += 30 * MIN;
    expect((await ping(r.app.url, token, 'price-sync')).status).toBe(200);
    expect(await waitFor(() => r.fake.receivedFor(KEY).length === before + 3)).toBe(true);
    expect(texts(r.fake).at(-1)).toContain('[Recovered] Nightly price sync');
    expect(texts(r.fake).at(-1)).toContain('Back up after 2 h 35 min down (since 2026-11-30 16:10:00');
    await new Promise((res) => setTimeout(res, 300));
    expect(r.fake.receivedFor(KEY).length).toBe(before + 3);

    expect(await (await fetch(`${r.app.url}/metrics`)).text()).toMatch(/notifier_heartbeat_down\{check_id="\d+"\} 0/);
    // The console shows it up, with its last check-in and the outage.
    const page = textOf((await r.console.get('/heartbeats')).body);
    expect(page).toMatch(/Nightly price sync price-sync every 1 h, grace 10 min Up/);
    const id = listHeartbeatChecks(r.app.deps.db)[0]!.id;
    const detail = textOf((await r.console.get(`/heartbeats/${id}`)).body);
    expect(detail).toContain('Down · missed its check-in');
    expect(detail).toContain('Recovered');
  });

  it('fails at once with the message and exit code (API /fail, a failed task_result), start without a finish goes down', async () => {
    const r = await rig();
    const token = await connected(r);
    await r.console.postForm('/heartbeats', checkForm);
    await r.console.postForm('/heartbeats', { ...checkForm, name: '库存导入', key: '库存导入', severity: 'warning' });
    await r.console.postForm('/heartbeats', { ...checkForm, name: 'Backup', key: 'backup' });
    const before = r.fake.receivedFor(KEY).length;

    const failed = await ping(r.app.url, token, 'price-sync/fail', { message: 'line 1\nERROR: upstream 502', exit_code: 3 });
    expect(failed.status).toBe(200);
    expect(await failed.json()).toMatchObject({ status: 'down' });
    expect(await waitFor(() => r.fake.receivedFor(KEY).length === before + 1)).toBe(true);
    const alert = texts(r.fake).at(-1)!;
    expect(alert).toContain('The task reported a failure (exit code 3).');
    expect(alert).toContain('ERROR: upstream 502');

    // A task_result event whose task_name is the key is a check-in.
    const event = await postEvent(r.app.url, token, { kind: 'task_result', task_name: '库存导入', status: 'failed', summary: '导入文件缺失' });
    expect(event.status).toBe(202);
    expect(await waitFor(() => texts(r.fake).some((t) => t.includes('Heartbeat down: 库存导入')))).toBe(true);
    expect(texts(r.fake).find((t) => t.includes('Heartbeat down: 库存导入'))).toContain('导入文件缺失');
    await postEvent(r.app.url, token, { kind: 'task_result', task_name: '库存导入', status: 'succeeded' });
    expect(await waitFor(() => texts(r.fake).some((t) => t.includes('[Recovered] 库存导入')))).toBe(true);

    // Started, never finished within the grace: down.
    expect((await ping(r.app.url, token, 'backup/start')).status).toBe(200);
    r.clock.t += 11 * MIN;
    r.app.heartbeatTick();
    expect(await waitFor(() => texts(r.fake).some((t) => t.includes('Heartbeat down: Backup') && t.includes('did not finish within 10 min')))).toBe(true);
  });

  it('the detail page on a Chinese console names where a check-in came from in words, not "api" / "task_result #N"', async () => {
    const r = await rig();
    const token = await connected(r);
    expect((await r.console.postForm('/heartbeats', checkForm)).status).toBe(303);
    expect((await ping(r.app.url, token, 'price-sync')).status).toBe(200);
    expect((await postEvent(r.app.url, token, { kind: 'task_result', task_name: 'price-sync', status: 'succeeded' })).status).toBe(202);
    await r.console.get('/lang/zh?next=/heartbeats');
    const page = await r.console.get(`/heartbeats/${listHeartbeatChecks(r.app.deps.db)[0]!.id}`);
    const pingTable = [...page.body.matchAll(/<tbody>([\s\S]*?)<\/tbody>/g)].map((m) => m[1]!).find((t) => t.includes('/send-log?event=')) ?? '';
    // The third cell of each check-in row: where it came from, newest first.
    const sources = [...pingTable.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => textOf([...m[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)][2]?.[1] ?? ''));
    expect(sources).toEqual([expect.stringMatching(/^任务结果 #\d+$/), '心跳 API（或命令行工具）']);
  });

  it('answers the API precisely: 401, 404, 400, 415; paused checks never fire; pause and resume from the console', async () => {
    const r = await rig();
    const token = await connected(r);
    await r.console.postForm('/heartbeats', checkForm);
    expect((await ping(r.app.url, undefined, 'price-sync')).status).toBe(401);
    const missing = await ping(r.app.url, token, 'nope');
    expect(missing.status).toBe(404);
    expect((await missing.json()).message).toContain('No heartbeat check has the key "nope"');
    const bad = await ping(r.app.url, token, 'price-sync/fail', { exit_code: 'three' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toBe('exit_code: must be a number');
    const extra = await ping(r.app.url, token, 'price-sync', { status: 'ok' });
    expect((await extra.json()).message).toContain('unknown field "status"');
    expect((await ping(r.app.url, token, 'price-sync', 'not json')).status).toBe(400);
    expect((await ping(r.app.url, token, 'price-sync', undefined, { 'content-type': 'text/plain' })).status).toBe(200);
    const form = await fetch(`${r.app.url}/api/v1/heartbeats/price-sync`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=b' });
    expect(form.status).toBe(415);
    // A message sent in GBK is refused, not recorded with U+FFFD in its place.
    const gbk = await fetch(`${r.app.url}/api/v1/heartbeats/price-sync/fail`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: Buffer.concat([Buffer.from('{"message":"'), Buffer.from([0xbf, 0xe2, 0xb4, 0xe6]), Buffer.from('"}')]),
    });
    expect(gbk.status).toBe(400);
    expect(((await gbk.json()) as { error: string }).error).toBe('invalid_encoding');

    const id = listHeartbeatChecks(r.app.deps.db)[0]!.id;
    const paused = await r.console.submit(`/heartbeats/${id}/pause`);
    expect(textOf(paused.body)).toContain('Paused: "Nightly price sync" will not alert until it is resumed.');
    expect(textOf(paused.body)).toMatch(/Nightly price sync .* Paused/);
    const before = r.fake.receivedFor(KEY).length;
    r.clock.t += 5 * 60 * MIN;
    r.app.heartbeatTick();
    expect((await ping(r.app.url, token, 'price-sync/fail', { message: 'x' })).status).toBe(200);
    await new Promise((res) => setTimeout(res, 300));
    expect(r.fake.receivedFor(KEY).length).toBe(before);
    // Resumed: watched from now on, the paused hours are not "missed".
    await r.console.submit(`/heartbeats/${id}/resume`);
    r.app.heartbeatTick();
    expect(getHeartbeatCheckByKey(r.app.deps.db, 'price-sync')!.status).toBe('up');
    expect(listAudit(r.app.deps.db, { limit: 5 }).map((a) => a.action)).toEqual(expect.arrayContaining(['heartbeat.pause', 'heartbeat.resume']));

    // The same from the API (a maintenance window scripted around a deploy).
    const apiPaused = await ping(r.app.url, token, 'price-sync/pause');
    expect(await apiPaused.json()).toEqual({ check: 'price-sync', paused: true, status: 'paused' });
    expect((await ping(r.app.url, token, 'price-sync/fail', { message: 'deploy' })).status).toBe(200);
    r.clock.t += 5 * 60 * MIN;
    r.app.heartbeatTick();
    await new Promise((res) => setTimeout(res, 300));
    expect(r.fake.receivedFor(KEY).length).toBe(before);
    expect(await (await ping(r.app.url, token, 'price-sync/resume')).json()).toEqual({ check: 'price-sync', paused: false, status: 'up' });
    expect((await ping(r.app.url, token, 'nope/pause')).status).toBe(404);
    expect((await ping(r.app.url, undefined, 'price-sync/resume')).status).toBe(401);
  });

  it('renders through a custom "heartbeat" message template, edited and previewed on the template editor', async () => {
    const r = await rig();
    const token = await connected(r);
    await r.console.postForm('/heartbeats', checkForm);
    const body = '**{{heartbeat.name}}** is {{heartbeat.state}} ({{heartbeat.reason}}), exit {{heartbeat.exit_code}}\nLast seen: {{heartbeat.last_seen}}\n{{heartbeat.output}}';
    const editor = await r.console.get('/notifications/templates?kind=heartbeat&category=all&lang=en');
    expect(editor.status).toBe(200);
    expect(textOf(editor.body)).toContain('{{heartbeat.down_for}}');
    const preview = await r.console.postForm('/notifications/templates/preview', { kind: 'heartbeat', category: 'all', lang: 'en', body }, { 'hx-request': 'true' });
    expect(textOf(preview.body)).toContain('Nightly price sync** is down (the task failed), exit 3');
    const saved = await r.console.postForm('/notifications/templates', { kind: 'heartbeat', category: 'all', lang: 'en', body, action: 'save' });
    expect(saved.status).toBe(303);
    const bad = await r.console.postForm('/notifications/templates', { kind: 'heartbeat', category: 'all', lang: 'en', body: '{{heartbeat.nope}}', action: 'save' });
    expect(bad.status).toBe(422);

    expect((await ping(r.app.url, token, 'price-sync/fail', { message: 'disk full', exit_code: 2 })).status).toBe(200);
    expect(await waitFor(() => texts(r.fake).some((t) => t.includes('Nightly price sync** is down (the task failed), exit 2')))).toBe(true);
    expect(texts(r.fake).find((t) => t.includes('is down (the task failed)'))).toContain('disk full');
  });

  it('keeps the newest 500 check-ins per check and at most 200 checks', async () => {
    const r = await rig();
    await r.console.postForm('/heartbeats', checkForm);
    const id = listHeartbeatChecks(r.app.deps.db)[0]!.id;
    for (let i = 0; i < PINGS_KEPT + 20; i++) insertPing(r.app.deps.db, { checkId: id, at: r.clock.t + i, kind: 'success', source: 'api' });
    const kept = r.app.deps.db.$client.prepare('SELECT count(*) AS n, min(at) AS first FROM heartbeat_pings WHERE check_id = ?').get(id) as { n: number; first: number };
    expect(kept).toEqual({ n: PINGS_KEPT, first: r.clock.t + 20 });
    const state = JSON.stringify(initialHeartbeatState(r.clock.t));
    for (let i = 1; i < MAX_HEARTBEAT_CHECKS; i++) insertHeartbeatCheck(r.app.deps.db, { key: `job-${i}`, name: `Job ${i}`, scheduleKind: 'period', periodMinutes: 60, timezone: 'Asia/Shanghai', graceMinutes: 5 }, 'new', state, r.clock.t);
    const refused = await r.console.postForm('/heartbeats', { ...checkForm, key: 'one-too-many' });
    expect(refused.status).toBe(422);
    expect(textOf(refused.body)).toContain(`There are ${MAX_HEARTBEAT_CHECKS} checks already: delete one first.`);
  });

  it("the daily summary says which tasks ran, failed and were missed, and which checks are down", async () => {
    const r = await rig();
    const token = await connected(r);
    await r.console.postForm('/heartbeats', checkForm);
    await r.console.postForm('/heartbeats', { ...checkForm, name: 'Inventory import', key: 'inventory-import' });
    await ping(r.app.url, token, 'price-sync');
    await ping(r.app.url, token, 'price-sync/fail', { message: 'boom', exit_code: 1 });
    await ping(r.app.url, token, 'price-sync');
    await ping(r.app.url, token, 'inventory-import');
    r.clock.t += 2 * 60 * MIN;
    r.app.heartbeatTick();
    r.clock.t += 5 * MIN;
    const daily = listReportJobs(r.app.deps.db).find((j) => j.type === 'daily_summary')!;
    const before = r.fake.receivedFor(KEY).length;
    const outcome = await r.app.reports.runNow(daily.id, 'today');
    expect(outcome.ok).toBe(true);
    expect(await waitFor(() => texts(r.fake).slice(before).some((t) => t.includes('**Heartbeats**')))).toBe(true);
    const report = texts(r.fake).slice(before).find((t) => t.includes('**Heartbeats**'))!;
    expect(report).toContain('Down now: 2');
    expect(report).toContain('Nightly price sync: ran 3, failed 1, missed 1 · down');
    expect(report).toContain('Inventory import: ran 1, failed 0, missed 1 · down');
  });

  it('refuses a bad check form in the reader language, and a key already taken', async () => {
    const r = await rig();
    await r.console.postForm('/heartbeats', checkForm);
    await r.console.get('/lang/zh?next=/heartbeats');
    await r.console.get('/heartbeats/new');
    const res = await r.console.postForm('/heartbeats', { ...checkForm, key: 'a/b', periodMinutes: '0', scheduleKind: 'period', timezone: 'Mars/Base' });
    expect(res.status).toBe(422);
    const text = textOf(res.body);
    expect(text).toContain('不能包含斜杠');
    expect(text).toContain('请输入 1 到 44640 之间的整数');
    expect(text).toContain('未知的时区');
    const cron = await r.console.postForm('/heartbeats', { ...checkForm, key: 'other', scheduleKind: 'cron', cron: '61 * * * *' });
    expect(textOf(cron.body)).toContain('调度器无法识别该 cron 表达式');
    const taken = await r.console.postForm('/heartbeats', checkForm);
    expect(taken.status).toBe(422);
    expect(textOf(taken.body)).toContain('已有其他检查使用该标识');
    expect(listHeartbeatChecks(r.app.deps.db)).toHaveLength(1);
  });

  it('heartbeat editor: the Calendar select is described by the help line printed under it, as on the report form, and by its error', async () => {
    const r = await rig();
    const page = await r.console.get('/heartbeats/new');
    expect(descriptionOf(page.body, 'hb-calendar')).toContain("Workdays follow China's holidays");
    const refused = await r.console.postForm('/heartbeats', { ...checkForm, calendar: 'every_full_moon' });
    expect(refused.status).toBe(422);
    const error = /<p[^>]*id="hb-calendar-error"[^>]*>([\s\S]*?)<\/p>/.exec(refused.body)?.[1];
    expect(error, 'the refusal is under the Calendar select').toBeDefined();
    expect(descriptionOf(refused.body, 'hb-calendar')).toContain(textOf(error!));
    expect(refused.body).toMatch(/<select[^>]*id="hb-calendar"[^>]*aria-invalid="true"/);
  });

  it('a check that went down while the appliance was stopped fires once after start, not once per missed period', async () => {
    const first = await rig();
    const token = await connected(first);
    await first.console.postForm('/heartbeats', { ...checkForm, periodMinutes: '15', graceMinutes: '5' });
    expect((await ping(first.app.url, token, 'price-sync')).status).toBe(200);
    const dataDir = first.app.dataDir;
    const before = first.fake.receivedFor(KEY).length;
    // Stop without removing the data directory, then start again ten hours later (40 missed periods).
    await first.app.close();
    first.clock.t += 10 * 60 * MIN;
    const second = await rig({ dataDir, clock: first.clock, fake: first.fake });
    expect(getHeartbeatCheckByKey(second.app.deps.db, 'price-sync')!.status).toBe('down');
    expect(await waitFor(() => second.fake.receivedFor(KEY).length === before + 1)).toBe(true);
    second.app.heartbeatTick();
    second.clock.t += MIN;
    second.app.heartbeatTick();
    await new Promise((res) => setTimeout(res, 300));
    const downs = texts(second.fake).filter((t) => t.includes('Heartbeat down: Nightly price sync'));
    expect(downs).toHaveLength(1);
  });

  it('a second outage soon after a recovery is announced (not swallowed as a repeat of the first down alert)', async () => {
    const r = await rig();
    const token = await connected(r);
    r.app.deps.settings.setRules({ ...r.app.deps.settings.rules(), dedupeWindowMinutes: 10 }); // the default window
    expect((await r.console.postForm('/heartbeats', checkForm)).status).toBe(303);
    expect((await ping(r.app.url, token, 'price-sync')).status).toBe(200);

    // Outage 1: a failed run, then a success.
    expect((await ping(r.app.url, token, 'price-sync/fail', { message: 'upstream 502', exit_code: 3 })).status).toBe(200);
    expect(await waitFor(() => texts(r.fake).filter((t) => t.includes('Heartbeat down: Nightly price sync')).length === 1)).toBe(true);
    r.clock.t += 2 * MIN;
    expect((await ping(r.app.url, token, 'price-sync')).status).toBe(200);
    expect(await waitFor(() => texts(r.fake).some((t) => t.includes('[Recovered] Nightly price sync')))).toBe(true);

    // Outage 2, three minutes later, and its recovery: news both, though their titles are the first outage's.
    r.clock.t += 3 * MIN;
    const again = await ping(r.app.url, token, 'price-sync/fail', { message: 'upstream 504', exit_code: 4 });
    expect(await again.json()).toMatchObject({ status: 'down' });
    r.clock.t += 2 * MIN;
    expect((await ping(r.app.url, token, 'price-sync')).status).toBe(200);
    await waitFor(() => texts(r.fake).filter((t) => t.includes('[Recovered] Nightly price sync')).length === 2, 3000);
    const told = texts(r.fake).filter((t) => t.includes('Heartbeat down: Nightly price sync') || t.includes('[Recovered] Nightly price sync'));
    const outcomes = r.app.deps.db.$client.prepare(`SELECT status, reason FROM events WHERE source = 'heartbeat' ORDER BY id`).all();
    expect({ told: told.length, outcomes }).toEqual({ told: 4, outcomes: Array(4).fill({ status: 'sent', reason: null }) });
  });

  it('a run started on time and still inside its grace is "up" (running), not "late"', async () => {
    const r = await rig();
    const token = await connected(r);
    expect((await r.console.postForm('/heartbeats', { ...checkForm, graceMinutes: '30' })).status).toBe(303);
    expect((await ping(r.app.url, token, 'price-sync')).status).toBe(200); // 10:00 success: next due 11:00
    r.clock.t += 50 * MIN;
    const started = await ping(r.app.url, token, 'price-sync/start'); // 10:50, ten minutes early
    expect(await started.json()).toMatchObject({ status: 'up' });
    r.clock.t += 1 * MIN; // 10:51: the run under way, nothing past due
    r.app.heartbeatTick();
    const stored = getHeartbeatCheckByKey(r.app.deps.db, 'price-sync')!.status;
    const metrics = await (await fetch(`${r.app.url}/metrics`)).text();
    expect({ stored, lateInMetrics: /notifier_heartbeat_checks\{state="late"\} 1/.test(metrics) }).toEqual({ stored: 'up', lateInMetrics: false });
  });

  it('the Heartbeats list does not show a started run\'s start time, already past, as the check\'s "Next expected"', async () => {
    const r = await rig();
    const token = await connected(r);
    expect((await r.console.postForm('/heartbeats', { ...checkForm, graceMinutes: '30' })).status).toBe(303);
    expect((await ping(r.app.url, token, 'price-sync')).status).toBe(200); // 10:00 success
    r.clock.t += 50 * MIN;
    expect((await ping(r.app.url, token, 'price-sync/start')).status).toBe(200); // 10:50 start
    r.clock.t += 5 * MIN; // 10:55, the run under way
    const page = await r.console.get('/heartbeats');
    const row = [...page.body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!).find((t) => t.includes('price-sync'))!;
    const cells = [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => textOf(m[1]!));
    // Its finish is expected by 11:20 (start + grace).
    expect({ running: cells[2]!.includes('running since 2026-11-30 10:50:00'), nextExpected: cells[4] }).toEqual({
      running: true,
      nextExpected: expect.stringMatching(/^2026-11-30 11:20:00/),
    });
  });
});

describe('heartbeats: the "how to ping" crontab line for a key the form accepts', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let c: ConsoleClient;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: 'crontab-key-pass' } });
    c = new ConsoleClient(app.url);
    await c.signIn('crontab-key-pass');
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  /** The shell words bash makes of a command line (no command is run: `set --` only splits). */
  function shellWords(line: string): string[] {
    const out = execFileSync('bash', ['-c', 'eval "set -- $LINE"; printf "%s\\0" "$@"'], { env: { ...process.env, LINE: line, TOKEN: 'tok' } }).toString();
    return out.split('\0').slice(0, -1);
  }

  it('a key with a space ("价格 同步", accepted by the form) is one word of the crontab example (it was split in two)', async () => {
    await c.get('/heartbeats/new');
    const created = await c.submit('/heartbeats', {
      name: '价格同步 🏪',
      key: '价格 同步',
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
    expect(created.redirectedTo, textOf(created.body).slice(0, 400)).toBe('/heartbeats');
    const id = /<a href="\/heartbeats\/(\d+)">/.exec(created.body)?.[1];
    expect(id).toBeDefined();
    const detail = await c.get(`/heartbeats/${id}`);
    const code = textOf(/<pre>[\s\S]*?<\/pre>/.exec(detail.body)?.[0] ?? '');
    const cron = /storeclaw-notify run .*? -- \S+/.exec(code)?.[0];
    expect(cron, 'the page shows the crontab line').toBeDefined();
    const words = shellWords(cron!);
    // storeclaw-notify run <key> -- <command>: the key must reach the CLI as one argument.
    expect(words.slice(0, 3), `the copied line: ${cron}`).toEqual(['storeclaw-notify', 'run', '价格 同步']);
  });
});
