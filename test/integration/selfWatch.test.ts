// The appliance watching itself: the fake WeCom switched to unreachable, to 93000 and to slow, and
// the other reasons provoked for real; each raised and cleared on /healthz?verbose, the dashboard
// and /metrics, and the fallback URL hears each reason once per outage and one recovery.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '2b3c4d5e-6f70-4819-a2b3-c4d5e6f70819';
const PASSWORD = 'self-watch-pass';
const FALLBACK_TOKEN = 'fallback-secret-path-token-7c1d';

interface Received {
  type: 'alert' | 'recovery';
  title: string;
  problems: Array<{ reason: string; severity: string; message: string }>;
  raw: string;
}

let fake: FakeWecom;
let app: TestAppliance;
let receiver: Server;
let fallbackUrl: string;
const received: Received[] = [];
let token: string;
let c: ConsoleClient;

beforeAll(async () => {
  fake = await startFakeWecom({ keys: [KEY], windowMs: 1000 });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ ...(JSON.parse(body) as Omit<Received, 'raw'>), raw: body + JSON.stringify(req.headers) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  fallbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/${FALLBACK_TOKEN}`;
  app = await startTestAppliance({
    wecomOrigin: fake.origin,
    env: {
      ADMIN_PASSWORD: PASSWORD,
      WECOM_RATE_WINDOW_MS: '1000',
      FALLBACK_WEBHOOK_URL: fallbackUrl,
      SELF_WATCH_UNREACHABLE_MINUTES: '0.01',
      SELF_WATCH_QUEUED_MINUTES: '0.05',
    },
    wecomTimeoutMs: 1000,
    retryBaseMs: 100,
    selfWatch: { intervalMs: 100, fallbackPerHour: 100, thresholds: { slowMs: 250, stallMs: 1500, reportGraceMs: 500, storageRecentMs: 1000 } },
  });
  c = new ConsoleClient(app.url);
  await c.signIn(PASSWORD);
  expect((await c.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
  app.deps.settings.setRules({ ...app.deps.settings.rules(), dedupeWindowMinutes: 0 });
  app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), language: 'en' });
  token = issueApiToken(app.deps, { name: 'watch', requireSignature: false, now: Date.now() }).token;
}, 60_000);
afterAll(async () => {
  await app?.stop();
  await fake?.close();
  await new Promise((r) => receiver?.close(r));
});

async function verbose(): Promise<{ status: string; watch: { status: string; problems: Array<{ reason: string; severity: string; message: string }>; fallback: boolean } }> {
  return (await (await fetch(app.url + '/healthz?verbose')).json()) as never;
}
const reasons = async () => (await verbose()).watch.problems.map((p) => p.reason);
const gauge = async (reason: string) => sampleValue(parsePrometheus(await (await fetch(app.url + '/metrics')).text()), 'storeclaw_self_watch_problem', { reason });

async function raised(reason: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await reasons()).includes(reason)) {
    if (Date.now() > end) throw new Error(`${reason} was not raised; problems: ${JSON.stringify((await verbose()).watch.problems)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
async function allClear(timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while ((await verbose()).watch.status !== 'ok') {
    if (Date.now() > end) throw new Error(`still not ok: ${JSON.stringify((await verbose()).watch.problems)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const post = (title: string) => postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title });

/** One outage: an alert for each reason when it first appeared (`reason` among them), then one recovery naming them all; nothing else. */
async function oneOutage(before: number, reason: string): Promise<void> {
  expect(await waitFor(() => received.slice(before).some((m) => m.type === 'recovery'), 10_000)).toBe(true);
  await new Promise((r) => setTimeout(r, 300));
  const outage = received.slice(before);
  const alerts = outage.slice(0, -1);
  const recovery = outage.at(-1)!;
  expect(outage.map((m) => m.type)).toEqual([...alerts.map(() => 'alert'), 'recovery']);
  const announced = alerts.flatMap((m) => m.problems.map((p) => p.reason));
  expect(announced).toContain(reason);
  expect(new Set(announced).size, 'no reason announced twice').toBe(announced.length);
  expect(recovery.problems.map((p) => p.reason).sort()).toEqual([...announced].sort());
  for (const alert of alerts) expect(alert.title).toBe('StoreClaw WeCom Notifier needs attention');
  expect(recovery.title).toMatch(/^StoreClaw WeCom Notifier is back to normal after \d+ min: every problem below has cleared$/);
}

describe('self-watch', () => {
  it('starts ok, says where alerts go, and shows on the dashboard', async () => {
    await allClear();
    expect((await verbose()).watch.fallback).toBe(true);
    const dash = textOf((await c.get('/')).body);
    expect(dash).toContain('Self-watch');
    expect(dash).toContain('No problems');
    expect(dash).toContain('Health alerts also go to the fallback URL: http://127.0.0.1:');
    expect(dash).not.toContain(FALLBACK_TOKEN);
    expect(await gauge('wecom_unreachable')).toBe(0);
    expect(received).toEqual([]);
  });

  it('WeCom unreachable (and so a message waiting too long): raised, then cleared when WeCom answers again', async () => {
    const before = received.length;
    fake.setFailure('reset');
    expect((await post('while WeCom is unreachable')).status).toBe(202);
    await raised('wecom_unreachable');
    await raised('queue_stuck');
    expect(await gauge('wecom_unreachable')).toBe(1);
    const dash = textOf((await c.get('/')).body);
    expect(dash).toMatch(/WeCom has not answered for \d+ min/);
    expect(dash).toMatch(/A message has been waiting \d+ min to be sent\./);
    expect(textOf((await c.get('/', { 'accept-language': 'zh-CN' })).body)).toMatch(/企业微信已 \d+ 分钟没有应答/);
    const v = await verbose();
    expect(v.status).toBe('ok'); // the process is up: /healthz never fails for these
    expect(v.watch.status).toBe('critical');
    fake.setFailure(null);
    expect(await waitFor(() => fake.receivedFor(KEY).some((m) => JSON.stringify(m.body).includes('while WeCom is unreachable')), 10_000)).toBe(true);
    await allClear();
    expect(await gauge('wecom_unreachable')).toBe(0);
    await oneOutage(before, 'wecom_unreachable');
  }, 40_000);

  it('WeCom answers 93000 (the bot removed): channel invalid until the bot works again', async () => {
    const before = received.length;
    fake.removeKey(KEY);
    expect((await post('while the bot is removed')).status).toBe(202);
    await raised('channel_invalid');
    expect(await gauge('channel_invalid')).toBe(1);
    expect(textOf((await c.get('/')).body)).toContain('The WeCom Bot cannot be used');
    fake.addKey(KEY);
    const test = await c.postForm('/channels/wecom/test', {}, { 'hx-request': 'true' });
    expect(test.status).toBe(200);
    expect(await waitFor(() => fake.receivedFor(KEY).some((m) => JSON.stringify(m.body).includes('while the bot is removed')), 10_000)).toBe(true);
    await allClear();
    await oneOutage(before, 'channel_invalid');
  }, 40_000);

  it('WeCom slow: raised while its answers take long, cleared once they are quick again', async () => {
    const before = received.length;
    fake.setFailure('slow', { delayMs: 400 });
    for (const n of [1, 2, 3]) expect((await post(`slow ${n}`)).status).toBe(202);
    await raised('wecom_slow');
    expect(await gauge('wecom_slow')).toBe(1);
    expect(textOf((await c.get('/')).body)).toMatch(/WeCom answers slowly: \d+ ms per call lately\./);
    fake.setFailure(null);
    for (const n of [4, 5, 6]) expect((await post(`quick ${n}`)).status).toBe(202);
    await allClear();
    await oneOutage(before, 'wecom_slow');
  }, 40_000);

  it('rate window blocked (45009): raised, cleared two windows later', async () => {
    const before = received.length;
    fake.setFailure('errcode', { errcode: 45009, errmsg: 'api freq out of limit', times: 1 });
    expect((await post('refused for rate')).status).toBe(202);
    await raised('rate_blocked');
    await allClear();
    await oneOutage(before, 'rate_blocked');
  }, 40_000);

  it('the database cannot be written: raised, cleared when it can', async () => {
    const before = received.length;
    app.deps.db.$client.pragma('query_only = ON');
    try {
      expect((await post('read-only')).status).toBe(503);
      await raised('storage');
      expect((await verbose()).watch.problems.find((p) => p.reason === 'storage')!.message).toMatch(/^The database cannot be written: (it is read-only|a write failed in the last few minutes)/);
    } finally {
      app.deps.db.$client.pragma('query_only = OFF');
    }
    await allClear();
    await oneOutage(before, 'storage');
  }, 40_000);

  it('the delivery worker stalled: raised while due messages are not tried, cleared once it runs', async () => {
    const before = received.length;
    await app.worker.stop();
    expect((await post('while the worker is stopped')).status).toBe(202);
    await raised('worker_stalled');
    expect(textOf((await c.get('/')).body)).toMatch(/nothing was sent to WeCom for \d+ min: the delivery worker is stalled/);
    app.worker.start();
    expect(await waitFor(() => fake.receivedFor(KEY).some((m) => JSON.stringify(m.body).includes('while the worker is stopped')), 10_000)).toBe(true);
    await allClear();
    await oneOutage(before, 'worker_stalled');
  }, 40_000);

  it('reports: a job the scheduler never ran, a missed run and a failed run; each cleared by a run that succeeds', async () => {
    const before = received.length;
    const db = app.deps.db.$client;
    // Written behind the scheduler's back: it has no timer for it, so its fire times pass unhandled.
    const now = Date.now();
    const id = Number(
      db
        .prepare("insert into report_jobs (name, cron, timezone, type, enabled, auto_enable, schedule_from, created_at, updated_at) values ('Watched job', '* * * * *', 'Asia/Shanghai', 'daily_summary', 1, 0, ?, ?, ?)")
        .run(now - 180_000, now, now).lastInsertRowid,
    );
    await raised('scheduler_stalled');
    expect((await verbose()).watch.problems.find((p) => p.reason === 'scheduler_stalled')!.message).toMatch(/The report “Watched job” is \d+ min late: the scheduler did not run it\./);
    // The scheduler catches up (the latest fire time run, older ones recorded as skipped).
    app.reports.reschedule();
    await app.reports.runDue(Date.now());
    expect(await waitFor(() => (db.prepare('select last_run_status as s from report_jobs where id = ?').get(id) as { s: string }).s === 'succeeded', 10_000)).toBe(true);
    await allClear();
    // A run recorded as skipped (the appliance was down at its time), then one that failed.
    for (const [status, reason] of [
      ['skipped', 'report_missed'],
      ['failed', 'report_failed'],
    ] as const) {
      db.prepare('update report_jobs set last_run_status = ? where id = ?').run(status, id);
      await raised(reason);
      expect(await gauge(reason)).toBe(1);
      const outcome = await app.reports.runNow(id);
      expect(outcome.ok).toBe(true);
      expect(await waitFor(() => (db.prepare('select last_run_status as s from report_jobs where id = ?').get(id) as { s: string }).s === 'succeeded', 10_000)).toBe(true);
      await allClear();
    }
    db.prepare('update report_jobs set enabled = 0 where id = ?').run(id);
    app.reports.reschedule();
    // Three outages: three alerts and three recoveries, in turn.
    expect(await waitFor(() => received.length >= before + 6, 10_000)).toBe(true);
    expect(received.slice(before).map((m) => m.type)).toEqual(['alert', 'recovery', 'alert', 'recovery', 'alert', 'recovery']);
  }, 60_000);

  it('never leaks either key: not in what the fallback received, the logs, /healthz or /metrics', async () => {
    const outputs = [
      ...received.map((m) => m.raw),
      ...app.logs,
      JSON.stringify(await verbose()),
      await (await fetch(app.url + '/metrics')).text(),
      (await c.get('/')).body,
    ].join('\n');
    expect(received.length).toBeGreaterThanOrEqual(12);
    expect(outputs).not.toContain(KEY);
    expect(outputs).not.toContain(FALLBACK_TOKEN);
    const m = parsePrometheus(await (await fetch(app.url + '/metrics')).text());
    expect(sampleValue(m, 'storeclaw_fallback_notifications_total', { type: 'alert' })).toBe(received.filter((r) => r.type === 'alert').length);
    expect(sampleValue(m, 'storeclaw_fallback_notifications_total', { type: 'recovery' })).toBe(received.filter((r) => r.type === 'recovery').length);
  });
});

describe('self-watch with another WeCom group bot as the fallback', () => {
  it('the second bot hears the alert and the recovery when the first one is removed and comes back', async () => {
    const second = '7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918';
    fake.addKey(second);
    const other = await startTestAppliance({
      wecomOrigin: fake.origin,
      env: { ADMIN_PASSWORD: PASSWORD, FALLBACK_WEBHOOK_URL: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${second}` },
      selfWatch: { intervalMs: 100 },
    });
    try {
      const admin = new ConsoleClient(other.url);
      await admin.signIn(PASSWORD);
      expect((await admin.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
      other.deps.settings.setDelivery({ ...other.deps.settings.delivery(), language: 'zh' });
      expect(textOf((await admin.get('/')).body)).toContain(`Health alerts also go to the fallback URL: WeCom bot key=****${second.slice(-4)}.`);
      const t = issueApiToken(other.deps, { name: 'x', requireSignature: false, now: Date.now() }).token;
      fake.removeKey(KEY);
      expect((await postEvent(other.url, t, { kind: 'alert', category: 'orders', title: 'bot gone' })).status).toBe(202);
      expect(await waitFor(() => fake.receivedFor(second).length === 1, 10_000)).toBe(true);
      fake.addKey(KEY);
      expect((await admin.postForm('/channels/wecom/test', {}, { 'hx-request': 'true' })).status).toBe(200);
      expect(await waitFor(() => fake.receivedFor(second).length === 2, 10_000)).toBe(true);
      const [alert, recovery] = fake.receivedFor(second).map((m) => JSON.stringify(m.body));
      expect(alert).toContain('StoreClaw 企微通知需要处理');
      expect(alert).toContain('企微机器人无法使用');
      expect(recovery).toContain('StoreClaw 企微通知已恢复正常');
      expect(`${alert}${recovery}`).not.toContain(KEY);
      expect(other.logs.join('\n')).not.toContain(second);
    } finally {
      await other.stop();
    }
  }, 40_000);
});

describe('self-watch: a critical problem joining a long warning', () => {
  it('a failed report run holds (until its next run); then the bot is removed (93000): the fallback URL is told of the removed bot', async () => {
    const key = '3c4d5e6f-7081-4920-b3c4-d5e6f7081920';
    fake.addKey(key);
    const got: Received[] = [];
    const hooked = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        got.push({ ...(JSON.parse(body) as Omit<Received, 'raw'>), raw: body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hooked.listen(0, '127.0.0.1', r));
    const other = await startTestAppliance({
      wecomOrigin: fake.origin,
      env: { ADMIN_PASSWORD: PASSWORD, WECOM_RATE_WINDOW_MS: '1000', FALLBACK_WEBHOOK_URL: `http://127.0.0.1:${(hooked.address() as AddressInfo).port}/hooks/${FALLBACK_TOKEN}` },
      wecomTimeoutMs: 1000,
      retryBaseMs: 100,
      selfWatch: { intervalMs: 100 },
    });
    try {
      const admin = new ConsoleClient(other.url);
      await admin.signIn(PASSWORD);
      expect((await admin.postForm('/channels/wecom/connect', { url: key })).status).toBe(303);
      const t = issueApiToken(other.deps, { name: 'x', requireSignature: false, now: Date.now() }).token;
      const reasonsNow = async () => ((await (await fetch(other.url + '/healthz?verbose')).json()) as { watch: { problems: Array<{ reason: string }> } }).watch.problems.map((p) => p.reason);
      const until = async (reason: string) => {
        for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if ((await reasonsNow()).includes(reason)) return true;
        return false;
      };
      // The weekly report's last run failed: report_failed holds until that job runs again.
      const now = Date.now();
      other.deps.db.$client
        .prepare("insert into report_jobs (name, cron, timezone, type, enabled, auto_enable, schedule_from, created_at, updated_at, last_run_status, last_run_at) values ('Weekly sales', '0 9 * * 1', 'Asia/Shanghai', 'daily_summary', 1, 0, ?, ?, ?, 'failed', ?)")
        .run(now, now, now, now);
      other.reports.reschedule();
      expect(await until('report_failed')).toBe(true);
      expect(await waitFor(() => got.length >= 1, 10_000)).toBe(true);
      // The bot is removed from the group: every message is refused with 93000, sending pauses.
      fake.removeKey(key);
      expect((await postEvent(other.url, t, { kind: 'alert', category: 'orders', severity: 'critical', title: 'POS offline at store 12' })).status).toBe(202);
      expect(await until('channel_invalid')).toBe(true);
      const heard = () => got.map((m) => `${m.type}: ${m.problems.map((p) => p.reason).join(',')}`);
      expect(await waitFor(() => heard().length >= 2, 10_000), `the fallback heard: ${JSON.stringify(heard())}`).toBe(true);
      await new Promise((r) => setTimeout(r, 500)); // a few more checks: nothing more to say
      expect(heard()).toEqual(['alert: report_failed', 'alert: channel_invalid']);
    } finally {
      await other.stop();
      await new Promise((r) => hooked.close(r));
    }
  }, 40_000);
});

describe('the self-watch’s storage problem in the notification language (Chinese by default)', () => {
  it('the fallback alert names the storage cause in words, not as a code ("read_only", "write_failed")', async () => {
    const got: Received[] = [];
    const zhReceiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        got.push({ ...(JSON.parse(body) as Omit<Received, 'raw'>), raw: body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => zhReceiver.listen(0, '127.0.0.1', r));
    const other = await startTestAppliance({
      wecomOrigin: fake.origin,
      env: { ADMIN_PASSWORD: PASSWORD, FALLBACK_WEBHOOK_URL: `http://127.0.0.1:${(zhReceiver.address() as AddressInfo).port}/hooks/${FALLBACK_TOKEN}` },
      selfWatch: { intervalMs: 100, fallbackPerHour: 100, thresholds: { storageRecentMs: 1000 } },
    });
    try {
      expect(other.deps.settings.delivery().language).toBe('zh');
      other.deps.db.$client.pragma('query_only = ON');
      let message = '';
      try {
        expect(await waitFor(() => got.some((n) => n.type === 'alert' && n.problems.some((p) => p.reason === 'storage')), 10_000)).toBe(true);
        message = got.find((n) => n.type === 'alert')!.problems.find((p) => p.reason === 'storage')!.message;
      } finally {
        other.deps.db.$client.pragma('query_only = OFF');
      }
      expect(message).toContain('数据库无法写入');
      expect(message).not.toMatch(/read_only|write_failed|low_space|error\)/);
    } finally {
      await other.stop();
      await new Promise((r) => zhReceiver.close(r));
    }
  }, 40_000);
});
