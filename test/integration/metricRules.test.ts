import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDatabase } from '../../db/client.ts';
import { getMetricRule, insertMetricRule } from '../../db/queries/metricRules.ts';
import type { MetricRule } from '../../server/metricRules/definition.ts';
import { emptyRuleForm, formFromRule } from '../../server/metricRules/ruleForm.ts';
import { ruleFromRow, rowFromRule } from '../../server/metricRules/ruleRows.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { postEvent, rawRequest, waitFor } from '../helpers/api.ts';
import { readOnlyDb, seedDataDir, startChild, type Child } from '../helpers/childAppliance.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { renderJobReport } from '../../server/reports/runReport.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b';
const PASSWORD = 'metric-rules-pass';
const MIN = 60_000;
const HOUR = 3600_000;
const DAY = 24 * HOUR;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const REFUND_RULE: Omit<MetricRule, 'id' | 'createdAt'> = {
  name: 'Refund rate',
  metric: '退款率',
  store: null,
  condition: { type: 'threshold', op: 'above', value: 5 },
  hold: { kind: 'points', count: 2 },
  severity: 'warning',
  category: 'orders',
  mention: 'none',
  title: '{{store}} refund rate {{value}}{{unit}}',
  reminderHours: 4,
  enabled: true,
};

async function rig(env: Record<string, string> = {}): Promise<{ app: TestAppliance; fake: FakeWecom; token: string; clock: { t: number; now(): number }; console: ConsoleClient }> {
  const clock = { t: Date.now(), now: () => clock.t };
  const fake = await startFakeWecom({ keys: [KEY] });
  const app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD, ...env }, clock });
  cleanups.push(() => fake.close(), () => app.stop());
  app.deps.settings.setRules({ ...app.deps.settings.rules(), dedupeWindowMinutes: 0 });
  app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), language: 'en' });
  const console = new ConsoleClient(app.url);
  await console.signIn(PASSWORD);
  expect((await console.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
  const token = issueApiToken(app.deps, { name: 'test', requireSignature: false, now: clock.t }).token;
  return { app, fake, token, clock, console };
}

function addRule(app: TestAppliance, rule: Omit<MetricRule, 'id' | 'createdAt'>): number {
  const id = insertMetricRule(app.deps.db, rowFromRule(rule), app.deps.clock.now());
  app.deps.metricRules!.ruleSaved(undefined, ruleFromRow(getMetricRule(app.deps.db, id)!));
  return id;
}

const at = (ms: number) => new Date(ms).toISOString();
const contents = (fake: FakeWecom) => fake.receivedFor(KEY).map((m) => JSON.stringify(m.body));
const ruleAlerts = (app: TestAppliance) =>
  (app.deps.db.$client.prepare(`SELECT title FROM events WHERE source = 'metric_rule' ORDER BY id`).all() as Array<{ title: string }>).map((r) => r.title);

describe('metric rules, end to end', () => {
  it('a pushed series: the group gets the firing, one reminder, then the resolved message naming the firing', async () => {
    const { app, fake, token, clock } = await rig();
    addRule(app, REFUND_RULE);
    const before = fake.receivedFor(KEY).length; // the connect test message
    const t0 = clock.t;
    const push = (points: unknown[]) => postEvent(app.url, token, points, { path: '/api/v1/metrics' });

    // Points are pushed as they are measured: none is stamped later than it arrives.
    clock.t = t0 + MIN;
    const first = await push([
      { name: '退款率', value: 3, unit: '%', store: '旗舰店', occurred_at: at(t0) },
      { name: '退款率', value: 6, unit: '%', store: '旗舰店', occurred_at: at(t0 + MIN) },
    ]);
    expect(first.status).toBe(202);
    expect(first.json.accepted).toBe(2);
    // One point above 5 is pending (the rule holds for 2 points): nothing is sent.
    clock.t = t0 + 2 * MIN;
    expect((await push([{ name: '退款率', value: 7.5, unit: '%', store: '旗舰店', occurred_at: at(t0 + 2 * MIN) }])).status).toBe(202);
    expect(await waitFor(() => fake.receivedFor(KEY).length === before + 1)).toBe(true);
    expect(contents(fake).at(-1)).toContain('旗舰店 refund rate 7.5%');

    clock.t = t0 + 2 * MIN + 3 * HOUR;
    await app.ruleTick(); // not 4 hours yet
    clock.t = t0 + 2 * MIN + 4 * HOUR;
    await app.ruleTick();
    await app.ruleTick(); // a second tick at the same time owes nothing
    expect(await waitFor(() => fake.receivedFor(KEY).length === before + 2)).toBe(true);
    expect(contents(fake).at(-1)).toContain('[Still firing · 4 h] 旗舰店 refund rate 7.5%');

    const firingEvent = app.deps.db.$client.prepare(`SELECT id FROM events WHERE source = 'metric_rule' ORDER BY id LIMIT 1`).get() as { id: number };
    clock.t += 30 * MIN;
    expect((await push([{ name: '退款率', value: 2, unit: '%', store: '旗舰店', occurred_at: at(clock.t) }])).status).toBe(202);
    expect(await waitFor(() => fake.receivedFor(KEY).length === before + 3)).toBe(true);
    const resolved = contents(fake).at(-1)!;
    expect(resolved).toContain('[Resolved] Refund rate · 旗舰店: 退款率 now 2%');
    expect(resolved).toContain('Ends “旗舰店 refund rate 7.5%”');
    // Its own heading and colour: WeCom's green "Resolved", not the warning orange it fired with.
    expect(resolved).toContain('<font color=\\"info\\">Resolved</font>');
    expect(resolved).not.toContain('Warning');
    expect(resolved).toContain(`event #${firingEvent.id}`);
    expect(resolved).toContain('lasted 4 h 30 min');
    // Nothing more: the rule is back to normal.
    await app.ruleTick(clock.t + 10 * HOUR);
    expect(await waitFor(() => app.worker.idle())).toBe(true);
    expect(fake.receivedFor(KEY).length).toBe(before + 3);
  });

  it('no data for an every-store rule: a store is watched from its first point, also one that appears later', async () => {
    const { app, fake, token, clock } = await rig();
    const t0 = clock.t;
    const push = (points: unknown[]) => postEvent(app.url, token, points, { path: '/api/v1/metrics' });
    expect((await push([{ name: '订单数', value: 10, store: 'A', occurred_at: at(t0) }, { name: '订单数', value: 11, store: 'A', occurred_at: at(t0 + MIN) }])).status).toBe(202);
    addRule(app, { ...REFUND_RULE, name: 'Orders stopped', metric: '订单数', condition: { type: 'no_data', minutes: 120 }, title: '{{store}}: no {{metric}}' });
    clock.t = t0 + 90 * MIN;
    expect((await push([{ name: '订单数', value: 3, store: 'B', occurred_at: at(clock.t) }])).status).toBe(202);
    clock.t = t0 + MIN + 120 * MIN;
    await app.ruleTick();
    expect(await waitFor(() => contents(fake).some((c) => c.includes('A: no 订单数')))).toBe(true);
    expect(contents(fake).some((c) => c.includes('B: no'))).toBe(false);
    clock.t = t0 + 90 * MIN + 120 * MIN;
    await app.ruleTick();
    expect(await waitFor(() => contents(fake).some((c) => c.includes('B: no 订单数')))).toBe(true);
    expect((await push([{ name: '订单数', value: 5, store: 'A', occurred_at: at(clock.t) }])).status).toBe(202);
    expect(await waitFor(() => contents(fake).some((c) => c.includes('[Resolved] Orders stopped · A: 订单数 now 5') && c.includes('Ends “A: no 订单数”')))).toBe(true);
  });

  it('rule alerts go through the notification rules: a category switched off suppresses them, and says why', async () => {
    const { app, fake, token } = await rig();
    app.deps.settings.setRules({ ...app.deps.settings.rules(), categories: { ...app.deps.settings.rules().categories, orders: false } });
    addRule(app, { ...REFUND_RULE, hold: { kind: 'points', count: 1 } });
    expect((await postEvent(app.url, token, [{ name: '退款率', value: 9 }], { path: '/api/v1/metrics' })).status).toBe(202);
    const row = app.deps.db.$client.prepare(`SELECT status, reason FROM events WHERE source = 'metric_rule'`).get();
    expect(row).toEqual({ status: 'suppressed', reason: 'category_off' });
    expect(contents(fake).some((c) => c.includes('refund rate'))).toBe(false);
  });

  it('the existing kind "metric" event feeds the rules too', async () => {
    const { app, fake, token } = await rig();
    addRule(app, { ...REFUND_RULE, hold: { kind: 'points', count: 1 }, store: 'B' });
    expect((await postEvent(app.url, token, { kind: 'metric', name: '退款率', value: 8, store: 'A' })).status).toBe(202);
    expect((await postEvent(app.url, token, { kind: 'metric', name: '退款率', value: 8, store: 'B' })).status).toBe(202);
    expect(await waitFor(() => contents(fake).some((c) => c.includes('B refund rate 8')))).toBe(true);
    expect(contents(fake).some((c) => c.includes('A refund rate'))).toBe(false);
  });

  it('a point stamped a year ahead does not freeze the rule: it is judged as arriving now, and the next real breach fires', async () => {
    const { app, fake, token, clock } = await rig();
    addRule(app, { ...REFUND_RULE, hold: { kind: 'points', count: 1 }, store: 'C' });
    const ahead = at(clock.t + 365 * 24 * HOUR);
    expect((await postEvent(app.url, token, { kind: 'metric', name: '退款率', value: 1, store: 'C', occurred_at: ahead })).status).toBe(202);
    clock.t += 60_000;
    expect((await postEvent(app.url, token, { kind: 'metric', name: '退款率', value: 9, store: 'C' })).status).toBe(202);
    expect(await waitFor(() => contents(fake).some((c) => c.includes('C refund rate 9')))).toBe(true);
  });

  it('a same-time-yesterday baseline is looked up by when a point was measured as the rules judge it (no later than it arrived), so a sender stamping ahead still gets judged', async () => {
    // A store's GMV pushed once a day by a sender that writes its local time (Asia/Shanghai) as Z: every
    // stamp is 8 hours ahead. The rules judge each point at its arrival, so yesterday's point counts as
    // measured exactly 24 h before today's, and today's halving must fire.
    const { app, token, clock } = await rig();
    const push = (points: unknown[]) => postEvent(app.url, token, points, { path: '/api/v1/metrics' });
    const t0 = clock.t;
    clock.t = t0 - DAY;
    expect((await push([{ name: 'GMV', value: 1000, store: '旗舰店', occurred_at: at(clock.t + 8 * HOUR) }])).status).toBe(202);
    clock.t = t0;
    addRule(app, {
      ...REFUND_RULE,
      name: 'GMV drop',
      metric: 'GMV',
      condition: { type: 'change', baseline: '1d', direction: 'down', by: 'percent', amount: 30 },
      hold: { kind: 'points', count: 1 },
      title: '{{store}} GMV {{value}} ({{change}} vs {{previous}})',
    });
    expect((await push([{ name: 'GMV', value: 500, store: '旗舰店', occurred_at: at(clock.t + 8 * HOUR) }])).status).toBe(202);
    expect(ruleAlerts(app), 'GMV halved against the same time yesterday, but the rule found no baseline and judged nothing').toEqual(['旗舰店 GMV 500 (-50% vs 1000)']);
  });

  it('the backtest reads the stored points measured as the rules judge them: what fired live on points stamped ahead shows in the backtest', async () => {
    const { app, token, clock, console } = await rig();
    const push = (points: unknown[]) => postEvent(app.url, token, points, { path: '/api/v1/metrics' });
    addRule(app, { ...REFUND_RULE, name: 'Low stock', metric: 'stock', store: 'A', condition: { type: 'threshold', op: 'below', value: 10 }, hold: { kind: 'points', count: 1 }, title: '{{store}} stock {{value}}' });
    const t0 = clock.t;
    // Local time sent as Z (Asia/Shanghai): each stamp is 8 hours ahead of when the point arrived.
    clock.t = t0 - 3 * HOUR;
    expect((await push([{ name: 'stock', value: 50, store: 'A', occurred_at: at(clock.t + 8 * HOUR) }])).status).toBe(202);
    clock.t = t0 - 2 * HOUR;
    expect((await push([{ name: 'stock', value: 5, store: 'A', occurred_at: at(clock.t + 8 * HOUR) }])).status).toBe(202);
    clock.t = t0;
    // Live, the rule judged both points at their arrival and fired.
    expect(ruleAlerts(app)).toEqual(['A stock 5']);
    // The same rule's backtest over the last 7 days, from its editor (htmx panel).
    await console.get('/metric-rules/new');
    const form = { ...emptyRuleForm(), name: 'Low stock', metric: 'stock', store: 'A', conditionType: 'threshold', thresholdOp: 'below', thresholdValue: '10', title: '{{store}} stock {{value}}' };
    const panel = await console.postForm('/metric-rules/backtest', form, { 'hx-request': 'true' });
    expect(panel.status).toBe(200);
    const text = textOf(panel.body);
    expect(text).not.toContain('It would not have fired.');
    expect(text).toContain('Last 7 days: 2 points from 1 store; it would have fired 1 time.');
  });

  it('renaming (only) an imported no-data rule in the console keeps its firing: no second firing, and the next point resolves it', async () => {
    const { app, token, clock, console } = await rig();
    const push = (points: unknown[]) => postEvent(app.url, token, points, { path: '/api/v1/metrics' });
    const t0 = clock.t;
    // A configuration document (PUT /api/v1/config, admin scope) with a no-data rule whose hold, which
    // no-data rules do not use, is not the form's default: a valid document the import takes.
    const admin = issueApiToken(app.deps, { name: 'admin', requireSignature: false, now: t0, scopes: ['admin'] }).token;
    const doc = {
      format: 'storeclaw-notifier-config',
      version: 1,
      metric_rules: [
        {
          name: 'Orders stopped',
          metric: '订单数',
          store: '旗舰店',
          condition: { type: 'no_data', minutes: 60 },
          hold: { kind: 'points', count: 3 },
          severity: 'warning',
          category: 'orders',
          mention: 'none',
          title: '{{store}}: no {{metric}}',
          reminder_hours: 4,
          enabled: true,
        },
      ],
    };
    const imported = await fetch(app.url + '/api/v1/config', { method: 'PUT', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify(doc) });
    expect(imported.status, await imported.text()).toBe(200);
    // Stored with the hold its form writes, so the form and the next export agree with it.
    expect(getMetricRule(app.deps.db, (app.deps.db.$client.prepare(`SELECT id FROM metric_rules`).get() as { id: number }).id)!.hold).toBe(JSON.stringify({ kind: 'points', count: 1 }));
    expect((await push([{ name: '订单数', value: 10, store: '旗舰店', occurred_at: at(t0) }])).status).toBe(202);
    clock.t = t0 + 61 * MIN;
    await app.ruleTick();
    expect(ruleAlerts(app)).toEqual(['旗舰店: no 订单数']);

    // The admin renames the rule in its edit form, nothing else (docs/metric-rules.md: "Editing only how
    // it speaks (name, title, severity, mention, reminders) keeps the states").
    const row = app.deps.db.$client.prepare(`SELECT id FROM metric_rules`).get() as { id: number };
    await console.get(`/metric-rules/${row.id}/edit`);
    const form = { ...formFromRule(ruleFromRow(getMetricRule(app.deps.db, row.id)!)), name: 'Orders stopped (flagship)' };
    const saved = await console.postForm(`/metric-rules/${row.id}`, form);
    expect(saved.status).toBe(303);

    clock.t += MIN;
    await app.ruleTick();
    expect((await push([{ name: '订单数', value: 12, store: '旗舰店', occurred_at: at(clock.t) }])).status).toBe(202);
    expect(ruleAlerts(app)).toEqual(['旗舰店: no 订单数', '[Resolved] Orders stopped (flagship) · 旗舰店: 订单数 now 12']);
  });


  it('a firing on a point that arrived 6 hours late reminds 4 hours after the group was told, not at the next minute', async () => {
    const { app, fake, token, clock } = await rig();
    addRule(app, { ...REFUND_RULE, hold: { kind: 'points', count: 1 }, store: 'D' });
    expect((await postEvent(app.url, token, { kind: 'metric', name: '退款率', value: 9, store: 'D', occurred_at: at(clock.t - 6 * HOUR) })).status).toBe(202);
    expect(await waitFor(() => contents(fake).some((c) => c.includes('D refund rate 9')))).toBe(true);
    const told = contents(fake).length;
    clock.t += 60_000;
    await app.ruleTick();
    clock.t += 3 * HOUR;
    await app.ruleTick();
    await new Promise((r) => setTimeout(r, 200));
    expect(contents(fake)).toHaveLength(told);
    clock.t += HOUR;
    await app.ruleTick();
    expect(await waitFor(() => contents(fake).some((c) => /Still firing/.test(c)))).toBe(true);
  });

  it('a rule that fires again soon after it resolved is announced again, and so is its second resolution (not stored as repeats of the first)', async () => {
    const { app, fake, token, clock } = await rig();
    app.deps.settings.setRules({ ...app.deps.settings.rules(), dedupeWindowMinutes: 10 });
    addRule(app, { ...REFUND_RULE, hold: { kind: 'points', count: 1 }, store: 'E', title: '{{store}} refund rate high' });
    for (const value of [9, 2, 9, 2]) {
      clock.t += 2 * MIN;
      expect((await postEvent(app.url, token, { kind: 'metric', name: '退款率', value, store: 'E' })).status).toBe(202);
    }
    expect(await waitFor(() => app.worker.idle())).toBe(true);
    const told = contents(fake).filter((c) => c.includes('E refund rate high') || c.includes('[Resolved] Refund rate · E'));
    const outcomes = app.deps.db.$client.prepare(`SELECT status FROM events WHERE source = 'metric_rule' ORDER BY id`).all();
    expect({ told: told.length, outcomes }).toEqual({ told: 4, outcomes: Array(4).fill({ status: 'sent' }) });
  });

  it('POST /api/v1/metrics: per-item 400s name the index and the field; nothing of a bad batch is stored', async () => {
    const { app, token } = await rig();
    const res = await postEvent(app.url, token, [{ name: 'ok', value: 1 }, { name: 'x', value: 'high' }, { value: 2 }, { kind: 'alert', title: 'no' }], { path: '/api/v1/metrics' });
    expect(res.status).toBe(400);
    const issues = res.json.issues as Array<{ path: string; message: string }>;
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: '1.value', message: expect.stringContaining('must be a number') },
        { path: '2.name', message: expect.stringContaining('required') },
        { path: '3.kind', message: expect.stringContaining('"metric"') },
      ]),
    );
    expect(res.json.message).toBe(`1.value: ${issues[0]!.message}`);
    expect((await postEvent(app.url, token, Array.from({ length: 501 }, () => ({ name: 'n', value: 1 })), { path: '/api/v1/metrics' })).json.message).toContain('at most 500');
    expect((await postEvent(app.url, token, { name: 'n', value: 1 }, { path: '/api/v1/metrics' })).json.message).toContain('JSON array');
    expect((await postEvent(app.url, undefined, [{ name: 'n', value: 1 }], { path: '/api/v1/metrics' })).status).toBe(401);
    // A control character would break every chart that draws the metric or the store (issue 20).
    const control = await postEvent(app.url, token, [{ name: 'ctl\u0001name', value: 1 }, { name: 'gmv', value: 1, store: 'Lake\u0007side' }], { path: '/api/v1/metrics' });
    expect(control.status).toBe(400);
    expect(control.json.issues).toEqual([
      { path: '0.name', message: 'must not contain control characters (found U+0001)' },
      { path: '1.store', message: 'must not contain control characters (found U+0007)' },
    ]);
    const stored = app.deps.db.$client.prepare(`SELECT count(*) AS n FROM events WHERE kind = 'metric'`).get() as { n: number };
    expect(stored.n).toBe(0);
    const ok = await postEvent(app.url, token, Array.from({ length: 500 }, (_, i) => ({ name: 'orders', value: i, store: `s${i % 7}` })), { path: '/api/v1/metrics' });
    expect(ok.status).toBe(202);
    expect(ok.json.accepted).toBe(500);
  });
});

describe('firing rules elsewhere', () => {
  it('/metrics names the rules only with METRICS_DETAIL=1, and answers only the allowed Host names (issue 20)', async () => {
    const { app, token } = await rig({ METRICS_DETAIL: '1', ALLOWED_HOSTS: 'prometheus-target.lan' });
    addRule(app, { ...REFUND_RULE, hold: { kind: 'points', count: 1 } });
    expect((await postEvent(app.url, token, [{ name: '退款率', value: 9, unit: '%', store: 'D' }], { path: '/api/v1/metrics' })).status).toBe(202);
    expect(await (await fetch(app.url + '/metrics')).text()).toContain('notifier_metric_rule_firing{rule_id="1",rule="Refund rate"} 1');
    const port = new URL(app.url).port;
    expect((await rawRequest(app.url + '/metrics', { headers: { host: `prometheus-target.lan:${port}` } })).status).toBe(200);
    const rebound = await rawRequest(app.url + '/metrics', { headers: { host: `attacker.example:${port}` } });
    expect(rebound.status).toBe(421);
    expect(rebound.body).not.toContain('notifier_');
    expect((await rawRequest(app.url + '/healthz', { headers: { host: `attacker.example:${port}` } })).status).toBe(200);
  });

  it('the dashboard shows the firing rule, /metrics exports rule states, and the daily report lists it and the anomaly', async () => {
    const { app, token } = await rig();
    addRule(app, { ...REFUND_RULE, hold: { kind: 'points', count: 1 } });
    expect((await postEvent(app.url, token, [{ name: '退款率', value: 9, unit: '%', store: 'D' }], { path: '/api/v1/metrics' })).status).toBe(202);
    const metrics = await (await fetch(app.url + '/metrics')).text();
    expect(metrics).toContain('notifier_metric_rule_states{status="firing"} 1');
    // /metrics may be public: rules by id, their names only with METRICS_DETAIL=1 (issue 20).
    expect(metrics).toContain('notifier_metric_rule_firing{rule_id="1"} 1');
    expect(metrics).not.toContain('Refund rate');
    const console = new ConsoleClient(app.url);
    await console.signIn(PASSWORD);
    const dashboard = textOf((await console.get('/')).body);
    expect(dashboard).toMatch(/Firing now 1 Refund rate · D · since/);
    const report = renderJobReport(app.deps, { name: 'Daily', type: 'daily_summary', template: null, timezone: 'Asia/Shanghai' }, app.deps.clock.now() + 24 * HOUR);
    expect(report.content).toContain('**Metric rules**');
    expect(report.content).toContain('Firing now: 1');
    expect(report.content).toMatch(/Anomalies in the period: 1\n- \d{4}-\d{2}-\d{2} \d{2}:\d{2} D refund rate 9%/);
  });
});

describe('crash between a metric commit and its alert', () => {
  it('a SIGKILL right after the 202 loses nothing: the firing is sent after the restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'notifier-rule-crash-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const fake = await startFakeWecom({ keys: [KEY] });
    cleanups.push(() => fake.close());
    const { token } = seedDataDir(dataDir, { key: KEY });
    const db = readOnlyDb(dataDir);
    insertMetricRule(db, rowFromRule({ ...REFUND_RULE, hold: { kind: 'points', count: 1 } }), Date.now());
    closeDatabase(db);
    const env = { DATA_DIR: dataDir, WECOM_API_ORIGIN: fake.origin };
    // WeCom hangs, so the alert is still in the outbox when the process dies.
    fake.setFailure('hang');
    let child: Child = await startChild(env);
    const res = await postEvent(child.url, token, [{ name: '退款率', value: 12, store: 'C' }], { path: '/api/v1/metrics' });
    expect(res.status).toBe(202);
    child.process.kill('SIGKILL');
    await child.exited;
    fake.setFailure(null);
    child = await startChild(env);
    cleanups.push(async () => {
      child.process.kill('SIGTERM');
      await child.exited;
    });
    expect(await waitFor(() => contents(fake).some((c) => c.includes('C refund rate 12')), 20_000)).toBe(true);
  });
});
