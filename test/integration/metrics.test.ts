import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countDeliveriesSince } from '../../db/queries/stats.ts';
import { queueDepth } from '../../server/delivery/store.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { outcomes } from '../helpers/accounting.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { parsePrometheus, sampleSum, sampleValue } from '../helpers/prometheus.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d';
const WINDOW_MS = 2_000;
const PASSWORD = 'metrics-test-pass';
const METRICS_TOKEN = 'prom-scrape-token-0123456789';

async function scrape(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url + '/metrics', { headers });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

describe('/metrics in Prometheus text format', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let token: string;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY], windowMs: WINDOW_MS });
    app = await startTestAppliance({
      wecomOrigin: fake.origin,
      env: { ADMIN_PASSWORD: PASSWORD, WECOM_RATE_WINDOW_MS: String(WINDOW_MS) },
      retryBaseMs: 50,
      wecomTimeoutMs: 300,
    });
    app.deps.settings.setRules({ ...app.deps.settings.rules(), dedupeWindowMinutes: 0, categories: { ...app.deps.settings.rules().categories, ads: false } });
    app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), language: 'en', digestWindowSeconds: 10 });
    const c = new ConsoleClient(app.url);
    await c.signIn(PASSWORD);
    expect((await c.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
    token = issueApiToken(app.deps, { name: 'metrics', requireSignature: false, now: Date.now() }).token;
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('parses line by line and counts events, deliveries, queue, rate-limit waits and errcodes', async () => {
    const empty = await scrape(app.url);
    expect(empty.status).toBe(200);
    expect(empty.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const before = parsePrometheus(empty.text);
    expect(sampleSum(before, 'notifier_events')).toBe(0);
    expect(sampleValue(before, 'notifier_channel_state', { state: 'connected' })).toBe(1);
    expect(sampleValue(before, 'notifier_wecom_responses_total', { errcode: '0' })).toBe(1); // the connect test

    // One HTTP 500 and one errcode -1 first, then 30 alerts: more than the 20 per window can carry at once.
    fake.setFailure('http500', { times: 1 });
    for (let i = 0; i < 30; i++) expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: `metrics alert #${i}` })).status).toBe(202);
    for (let i = 0; i < 2; i++) expect((await postEvent(app.url, token, { kind: 'metric', category: 'orders', name: 'gmv', value: 100 + i, title: 'gmv' })).status).toBe(202);
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'ads', title: 'switched off' })).status).toBe(202);
    expect((await postEvent(app.url, token, { kind: 'task_result', category: 'task', title: 'sync', status: 'failed', task_name: 'sync' })).status).toBe(202);

    const busy = parsePrometheus((await scrape(app.url)).text);
    expect(sampleValue(busy, 'notifier_queue_depth')).toBeGreaterThan(0);
    expect(sampleSum(busy, 'notifier_events')).toBe(34);

    expect(await waitFor(() => outcomes(app.deps.db).pending === 0 && app.worker.idle(), 20_000, 50)).toBe(true);
    fake.setFailure('errcode', { errcode: -1, times: 1 });
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'store', title: 'after -1' })).status).toBe(202);
    expect(await waitFor(() => outcomes(app.deps.db).pending === 0 && app.worker.idle(), 10_000, 50)).toBe(true);

    const res = await scrape(app.url);
    const m = parsePrometheus(res.text);
    expect(sampleValue(m, 'notifier_events', { kind: 'alert', status: 'sent' })).toBe(31);
    expect(sampleValue(m, 'notifier_events', { kind: 'alert', status: 'suppressed' })).toBe(1);
    expect(sampleValue(m, 'notifier_events', { kind: 'metric', status: 'stored' })).toBe(2);
    expect(sampleValue(m, 'notifier_events', { kind: 'task_result', status: 'sent' })).toBe(1);
    expect(sampleValue(m, 'notifier_events', { kind: 'alert', status: 'queued' })).toBe(0);
    expect(sampleValue(m, 'notifier_deliveries', { status: 'sent' })).toBe(countDeliveriesSince(app.deps.db, 'sent', 0));
    expect(sampleValue(m, 'notifier_deliveries', { status: 'sent' })).toBe(33); // connect test + 31 alerts + 1 task
    expect(sampleValue(m, 'notifier_deliveries', { status: 'queued' })).toBe(0);
    expect(sampleValue(m, 'notifier_queue_depth')).toBe(0);
    expect(sampleValue(m, 'notifier_queue_oldest_age_seconds')).toBe(0);
    expect(sampleValue(m, 'notifier_rate_limit_waits_total')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(m, 'notifier_rate_limit_limit')).toBe(20);
    expect(sampleValue(m, 'notifier_rate_limit_window_seconds')).toBe(2);
    expect(sampleValue(m, 'notifier_wecom_responses_total', { errcode: '0' })).toBe(fake.receivedFor(KEY).length);
    expect(sampleValue(m, 'notifier_wecom_responses_total', { errcode: '-1' })).toBe(1);
    expect(sampleValue(m, 'notifier_wecom_transport_failures_total', { reason: 'http_status' })).toBe(1);
    expect(sampleValue(m, 'notifier_deliveries_by_errcode', { errcode: '-1' })).toBe(0); // retried: its last answer was 0
    expect(m.get('notifier_rate_limit_waits_total')!.type).toBe('counter');
    expect(m.get('notifier_events')!.type).toBe('gauge');
    const hasRuns = app.deps.db.$client.prepare("select 1 from sqlite_master where name = 'report_runs'").get();
    expect(m.has('notifier_report_runs')).toBe(!!hasRuns);
    expect(sampleValue(m, 'notifier_process_start_time_seconds')).toBeGreaterThan(1_600_000_000);
    for (const f of m.values()) expect(f.help.length, f.name).toBeGreaterThan(10);
    expect(res.text).not.toContain(KEY);
    expect(res.text).not.toContain('qyapi');
    console.log(`metrics: ${m.size} families, ${[...m.values()].reduce((a, f) => a + f.samples.length, 0)} samples; rate-limit waits ${sampleValue(m, 'notifier_rate_limit_waits_total')}`);
  }, 40_000);

  it('shows the channel as invalid after a 93000, and counts the errcode', async () => {
    fake.removeKey(KEY);
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'store', title: 'to a removed bot' })).status).toBe(202);
    expect(await waitFor(() => app.deps.db.$client.prepare("select status from channel").get() !== undefined && (app.deps.db.$client.prepare('select status from channel').get() as { status: string }).status === 'invalid', 5_000)).toBe(true);
    const m = parsePrometheus((await scrape(app.url)).text);
    expect(sampleValue(m, 'notifier_channel_state', { state: 'invalid' })).toBe(1);
    expect(sampleValue(m, 'notifier_channel_state', { state: 'connected' })).toBe(0);
    expect(sampleValue(m, 'notifier_wecom_responses_total', { errcode: '93000' })).toBe(1);
    expect(sampleValue(m, 'notifier_deliveries_by_errcode', { errcode: '93000' })).toBe(1);
    expect(sampleValue(m, 'notifier_queue_depth')).toBe(1);
    fake.addKey(KEY);
  });

  it('is public without METRICS_TOKEN, and refuses a missing or wrong bearer token when it is set', async () => {
    expect((await scrape(app.url)).status).toBe(200);
    const guarded = await startTestAppliance({ wecomOrigin: fake.origin, env: { METRICS_TOKEN } });
    try {
      const none = await scrape(guarded.url);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(none.text).not.toContain('notifier_');
      expect(none.text).not.toContain(METRICS_TOKEN);
      expect((await scrape(guarded.url, { authorization: `Bearer ${METRICS_TOKEN}x` })).status).toBe(401);
      expect((await scrape(guarded.url, { authorization: `Basic ${Buffer.from('x:' + METRICS_TOKEN).toString('base64')}` })).status).toBe(401);
      expect((await scrape(guarded.url, { authorization: METRICS_TOKEN })).status).toBe(401);
      // A console session is no substitute for the scrape token.
      const c = new ConsoleClient(guarded.url);
      await c.signIn('guarded-pass-123');
      expect((await c.get('/metrics')).status).toBe(401);
      const ok = await scrape(guarded.url, { authorization: `Bearer ${METRICS_TOKEN}` });
      expect(ok.status).toBe(200);
      expect(parsePrometheus(ok.text).has('notifier_queue_depth')).toBe(true);
    } finally {
      await guarded.stop();
    }
  });
});

describe('/metrics notifier_events: alerts folded into a digest that has not gone out', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let c: ConsoleClient;
  let token: string;
  let offset = 0;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD }, clock: { now: () => Date.now() + offset } });
    c = new ConsoleClient(app.url);
    await c.signIn(PASSWORD);
    token = issueApiToken(app.deps, { name: 'metrics', requireSignature: false, now: Date.now() }).token;
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('reports the three alerts of a queued (unsent) quiet-hours digest as queued, as the dashboard does, not as digested', async () => {
    const tz = 'Asia/Shanghai';
    const hhmm = (ms: number) => new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hour12: false }).format(ms);
    const now = Date.now();
    app.deps.settings.setRules({ ...app.deps.settings.rules(), quietHours: { enabled: true, start: hhmm(now - 3600_000), end: hhmm(now + 60_000), timeZone: tz } });
    for (let i = 0; i < 3; i++) {
      const r = await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: `night #${i}` });
      expect(r.json.status).toBe('held');
    }
    offset = 120_000;
    app.worker.wake();
    // No bot is connected: the digest waits in the queue, nothing reached the group.
    expect(await waitFor(() => queueDepth(app.deps.db) === 1 && outcomes(app.deps.db).pending === 3)).toBe(true);
    expect(fake.received.length).toBe(0);

    const tiles = /Today sent \d+ digested (\d+) suppressed \d+ dead \d+ waiting (\d+)/.exec(textOf((await c.get('/dashboard/panel', { 'accept-language': 'en' })).body));
    expect({ digested: Number(tiles?.[1]), pending: Number(tiles?.[2]) }).toEqual({ digested: 0, pending: 3 });

    const m = parsePrometheus((await scrape(app.url)).text);
    // README "Metrics": notifier_events{kind,status} = "inbound events kept, by kind and outcome".
    expect({
      digested: sampleValue(m, 'notifier_events', { kind: 'alert', status: 'digested' }),
      queued: sampleValue(m, 'notifier_events', { kind: 'alert', status: 'queued' }),
    }).toEqual({ digested: 0, queued: 3 });
  }, 30_000);
});

describe('/metrics notifier_rate_limit_waits_total: a full window with nothing to send', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let token: string;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD } });
    // The admin set the bot's limit lower: 3 calls per 60 s, as saving the Notifications page does.
    app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), rateLimit: 3 });
    app.deps.limiter.setLimit(3);
    app.deps.settings.setRules({ ...app.deps.settings.rules(), dedupeWindowMinutes: 0 });
    const c = new ConsoleClient(app.url);
    await c.signIn(PASSWORD);
    expect((await c.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
    token = issueApiToken(app.deps, { name: 'metrics', requireSignature: false, now: Date.now() }).token;
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('does not count a wait when the window is full but no message waits (every message went at once)', async () => {
    // The connect test used 1 call; two alerts use the other 2: each is sent at once, none waits.
    for (let i = 0; i < 2; i++) expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: `alert #${i}` })).status).toBe(202);
    expect(await waitFor(() => fake.received.length === 3 && queueDepth(app.deps.db) === 0)).toBe(true);
    const rows = app.deps.db.$client.prepare(`SELECT queued_at AS q, sent_at AS s FROM deliveries WHERE kind = 'alert'`).all() as Array<{ q: number; s: number }>;
    expect(rows.map((r) => r.s - r.q < 1_000)).toEqual([true, true]);
    // The worker goes round a few times with the window full (it naps at most a second).
    await new Promise((r) => setTimeout(r, 300));
    const m = parsePrometheus((await scrape(app.url)).text);
    expect(sampleValue(m, 'notifier_rate_limit_used')).toBe(3);
    // HELP: "Times the delivery worker had to wait for the rate limiter before sending." Nothing waited.
    expect(sampleValue(m, 'notifier_rate_limit_waits_total')).toBe(0);
  }, 30_000);
});

describe('/metrics with the default 5 s cache of the table counts: the queue and the channel read now', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let token: string;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [] });
    // 5_000 ms is STORED_COUNTS_TTL_MS, what a real appliance runs with (the test helper's default is 0).
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD }, metricsCacheMs: 5_000 });
    token = issueApiToken(app.deps, { name: 'metrics', requireSignature: false, now: Date.now() }).token;
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('shows the queue depth of now, not of the previous scrape, and the event counts of the cached snapshot', async () => {
    const first = parsePrometheus((await scrape(app.url)).text);
    expect(sampleValue(first, 'notifier_queue_depth')).toBe(0);
    // No bot connected: each alert waits in the queue.
    for (let i = 0; i < 3; i++) expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: `waiting #${i}` })).status).toBe(202);
    expect(await waitFor(() => queueDepth(app.deps.db) === 3)).toBe(true);
    const second = parsePrometheus((await scrape(app.url)).text);
    expect(sampleValue(second, 'notifier_queue_depth')).toBe(3);
    expect(sampleValue(second, 'notifier_events', { kind: 'alert', status: 'queued' })).toBe(0); // the table counts wait for the next snapshot
  }, 30_000);
});
