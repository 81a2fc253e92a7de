import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase, type Db } from '../../db/client.ts';
import { getRuleStates, putRuleState, statesDueAt, updateRuleState } from '../../db/queries/metricRules.ts';
import { createMetricRuleEngine } from '../../server/metricRules/engine.ts';
import { createSettingsStore } from '../../server/settings/settingsStore.ts';
import { onTick, type RuleState } from '../../server/metricRules/evaluate.ts';
import { getMetricRule, insertMetricRule } from '../../db/queries/metricRules.ts';
import type { MetricEvent } from '../../server/events/schema.ts';
import type { MetricRule } from '../../server/metricRules/definition.ts';
import { sampleEvents } from '../../server/render/builtInRender.ts';
import { MAX_FIRING_LISTED } from '../../server/metricRules/reportSection.ts';
import { emptyRuleForm } from '../../server/metricRules/ruleForm.ts';
import { ruleFromRow, rowFromRule, savedStateJson } from '../../server/metricRules/ruleRows.ts';
import { renderJobReport } from '../../server/reports/runReport.ts';
import { FIRING_PAGE_SIZE } from '../../server/routes/metricRules.tsx';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom } from '../fakeWecom.ts';
import { postEvent } from '../helpers/api.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b';
const PASSWORD = 'metric-bounds-pass';
const HOUR = 3_600_000;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const RULE: Omit<MetricRule, 'id' | 'createdAt'> = {
  name: 'Low stock',
  metric: 'stock',
  store: null,
  condition: { type: 'threshold', op: 'below', value: 10 },
  hold: { kind: 'points', count: 1 },
  severity: 'warning',
  category: 'inventory',
  mention: 'none',
  title: '{{store}} stock {{value}}',
  reminderHours: 4,
  enabled: true,
};

async function rig(opts: { storeLimit?: number; clock?: { now(): number } } = {}) {
  const fake = await startFakeWecom({ keys: [KEY] });
  const app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD }, metricRuleStoreLimit: opts.storeLimit, clock: opts.clock });
  cleanups.push(() => fake.close(), () => app.stop());
  app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), language: 'en' });
  const token = issueApiToken(app.deps, { name: 'test', requireSignature: false, now: Date.now() }).token;
  const console = new ConsoleClient(app.url);
  await console.signIn(PASSWORD);
  return { app, token, console };
}

function addRule(app: TestAppliance, rule: Omit<MetricRule, 'id' | 'createdAt'>): number {
  const id = insertMetricRule(app.deps.db, rowFromRule(rule), app.deps.clock.now());
  app.deps.metricRules!.ruleSaved(undefined, ruleFromRow(getMetricRule(app.deps.db, id)!));
  return id;
}

/** A database of its own on a temp file, closed and removed after the test. */
function tempDatabase(prefix: string): Db {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const db = openDatabase(join(dir, 'notifier.db'));
  cleanups.push(() => {
    closeDatabase(db);
    rmSync(dir, { recursive: true, force: true });
  });
  return db;
}

const count = (app: TestAppliance, sql: string) => (app.deps.db.$client.prepare(sql).get() as { n: number }).n;
const audits = (app: TestAppliance, action: string) => count(app, `SELECT count(*) AS n FROM audit_log WHERE action = '${action}'`);
const push = (app: TestAppliance, token: string, points: unknown[]) => postEvent(app.url, token, points, { path: '/api/v1/metrics' });
const ruleAlerts = (app: TestAppliance) =>
  (app.deps.db.$client.prepare(`SELECT title FROM events WHERE source = 'metric_rule' ORDER BY id`).all() as Array<{ title: string }>).map((r) => r.title);
const at = (ms: number) => new Date(ms).toISOString();
/** A clock the test moves (clock.t). */
const fakeClock = () => {
  const clock = { t: Date.now(), now: () => clock.t };
  return clock;
};

describe('stores per metric rule', () => {
  it('past the limit a point for a new store is refused with its request (400 naming each item), known stores go on, the audit log and the rule say so', async () => {
    const { app, token, console } = await rig({ storeLimit: 3 });
    addRule(app, RULE);
    expect((await push(app, token, [{ name: 'stock', value: 50, store: 'A' }, { name: 'stock', value: 50, store: 'B' }])).status).toBe(202);
    expect(audits(app, 'metric_rule.store_limit')).toBe(0);
    expect(textOf((await console.get('/metric-rules')).body)).toContain('Watching 2 of at most 3 stores.');

    expect((await push(app, token, [{ name: 'stock', value: 50, store: 'C' }])).status).toBe(202);
    expect(audits(app, 'metric_rule.store_limit')).toBe(1);

    const metricsBefore = count(app, `SELECT count(*) AS n FROM events WHERE kind = 'metric'`);
    const refused = await push(app, token, [
      { name: 'stock', value: 5, store: 'A' },
      { name: 'stock', value: 5, store: 'D' },
      { name: 'other metric', value: 5, store: 'E' },
      { name: 'stock', value: 5, store: 'E' },
      { name: 'stock', value: 6, store: 'D' },
    ]);
    expect(refused.status).toBe(400);
    expect(refused.json.error).toBe('store_limit');
    const issues = refused.json.issues as Array<{ path: string; message: string }>;
    expect(issues.map((i) => i.path)).toEqual(['1.store', '4.store', '3.store']);
    expect(issues[0]!.message).toContain('metric rule "Low stock" already watches its limit of 3 stores');
    expect(refused.json.message).toBe(`1.store: ${issues[0]!.message}`);
    // Nothing of the request was stored: not the points, not A's firing.
    expect(count(app, `SELECT count(*) AS n FROM events WHERE kind = 'metric'`)).toBe(metricsBefore);
    expect(count(app, `SELECT count(*) AS n FROM metric_rule_states WHERE status = 'firing'`)).toBe(0);
    expect(audits(app, 'metric_rule.store_refused')).toBe(1);

    // The same through /api/v1/events (path "store"); refusals are noted once an hour per rule.
    const single = await postEvent(app.url, token, { kind: 'metric', name: 'stock', value: 1, store: 'F' });
    expect(single.status).toBe(400);
    expect((single.json.issues as Array<{ path: string }>).map((i) => i.path)).toEqual(['store']);
    expect(audits(app, 'metric_rule.store_refused')).toBe(1);

    // Known stores and metrics no rule watches go on.
    expect((await push(app, token, [{ name: 'stock', value: 5, store: 'A' }, { name: 'other metric', value: 1, store: 'Z' }])).status).toBe(202);
    expect(count(app, `SELECT count(*) AS n FROM metric_rule_states WHERE status = 'firing'`)).toBe(1);
    const page = textOf((await console.get('/metric-rules')).body);
    expect(page).toContain('At its limit of 3 stores: points for any further store are refused (HTTP 400)');
    const audit = textOf((await console.get('/audit')).body);
    expect(audit).toContain('a metric rule reached its limit of stores');
    expect(audit).toContain('a metric rule at its limit of stores refused points for new stores');

    // The console's sample metric event meets the same limit, and says so instead of failing.
    const sample = sampleEvents().metric as MetricEvent;
    addRule(app, { ...RULE, name: 'Sample rule', metric: sample.name });
    expect((await push(app, token, ['X1', 'X2', 'X3'].map((store) => ({ name: sample.name, value: 50, store })))).status).toBe(202);
    const sent = await console.submit('/inbound/sample', { kind: 'metric' });
    expect(sent.status).toBe(200);
    expect(textOf(sent.body)).toContain('At its limit of 3 stores');

    // In Chinese too.
    const zh = textOf((await console.get('/metric-rules', { 'accept-language': 'zh-CN' })).body);
    expect(zh).toContain('已达到 3 个店铺的上限');
  });

  it('a rule created over more stores than its limit starts with the most recently heard ones', async () => {
    const { app, token } = await rig({ storeLimit: 3 });
    const t = Date.now();
    const points = ['A', 'B', 'C', 'D', 'E'].map((store, i) => ({ name: 'stock', value: 50, store, occurred_at: new Date(t - (5 - i) * 60_000).toISOString() }));
    expect((await push(app, token, points)).status).toBe(202);
    const id = addRule(app, RULE);
    const stores = app.deps.db.$client.prepare(`SELECT store FROM metric_rule_states WHERE rule_id = ? ORDER BY store`).all(id) as Array<{ store: string }>;
    expect(stores.map((s) => s.store)).toEqual(['C', 'D', 'E']);
  });
  it('the audit log notes a rule that reaches its store limit when it is saved (starting with the stores heard from most recently)', async () => {
    const { app, token, console } = await rig({ storeLimit: 3 });
    expect((await push(app, token, ['A', 'B', 'C', 'D', 'E'].map((store) => ({ name: 'stock', value: 50, store })))).status).toBe(202);
    // Saved from the console: it starts at its limit of 3 of the 5 stores that reported the metric.
    await console.get('/metric-rules/new');
    const form = { ...emptyRuleForm(), name: 'Low stock', metric: 'stock', conditionType: 'threshold', thresholdOp: 'below', thresholdValue: '10', title: '{{store}} stock {{value}}' };
    expect((await console.postForm('/metric-rules', form)).status).toBe(303);
    expect(app.deps.db.$client.prepare(`SELECT count(*) AS n FROM metric_rule_states`).get()).toEqual({ n: 3 });
    expect(textOf((await console.get('/metric-rules')).body)).toContain('At its limit of 3 stores');
    // docs/metric-rules.md: "The audit log notes when a rule reaches its limit".
    const noted = app.deps.db.$client.prepare(`SELECT count(*) AS n FROM audit_log WHERE action = 'metric_rule.store_limit'`).get();
    expect(noted, 'the rule is at its limit, but the audit log never says it reached it').toEqual({ n: 1 });
  });

  it('a point without a store refused at the store limit is not told to "send it without store"', async () => {
    const { app, token } = await rig({ storeLimit: 1 });
    addRule(app, RULE);
    expect((await push(app, token, [{ name: 'stock', value: 50, store: 'A' }])).status).toBe(202);
    // Points without a store count as one more store (docs/metric-rules.md): refused, as documented...
    const refused = await push(app, token, [{ name: 'stock', value: 50 }]);
    expect(refused.status).toBe(400);
    expect(refused.json.error).toBe('store_limit');
    // ...but the advice must not be to do exactly what the sender did.
    expect(String(refused.json.message)).not.toContain('send it without "store"');
    expect(refused.json.message).toBe('0.store: metric rule "Low stock" already watches its limit of 1 stores; a point for the new store (no store) is refused (ask the admin to narrow the rule)');
  });


  it('the Metric rules page counts a store whose firing resolved among the stores the rule watches, and says when the rule is at its limit', async () => {
    const { app, token, console } = await rig({ storeLimit: 2 });
    addRule(app, RULE);
    // A fires and resolves; B is fine: the rule watches two stores, its limit.
    expect((await push(app, token, [{ name: 'stock', value: 5, store: 'A' }])).status).toBe(202);
    expect((await push(app, token, [{ name: 'stock', value: 50, store: 'A' }, { name: 'stock', value: 50, store: 'B' }])).status).toBe(202);
    expect(ruleAlerts(app)).toEqual(['A stock 5', '[Resolved] Low stock · A: stock now 50']);
    const refused = await push(app, token, [{ name: 'stock', value: 50, store: 'C' }]);
    expect(refused.status).toBe(400);
    expect(refused.json.error).toBe('store_limit');
    // The API refuses C for the limit, so the rule's row must say it is at its limit, not "watching 1 of 2".
    const page = textOf((await console.get('/metric-rules')).body);
    expect(page).not.toContain('Watching 1 of at most 2 stores.');
    expect(page).toContain('At its limit of 2 stores');
  });
});

describe('rule states a store left idle', () => {
  it('the nightly housekeeping prunes states left ok and untouched for the retention period, in batches; firing and pending stay', async () => {
    const { app } = await rig();
    const id = addRule(app, RULE);
    const now = Date.now();
    const old = now - 100 * 24 * HOUR;
    // A state is its store's row entry (written by every point) and its index row.
    const row = app.deps.db.$client.prepare(`INSERT INTO metric_store_states (metric, store, states, updated_at) VALUES ('stock', ?, json_object(?, json_object('status', ?)), ?)`);
    const index = app.deps.db.$client.prepare(`INSERT INTO metric_rule_states (rule_id, store, status, state, updated_at) VALUES (?, ?, ?, '{}', ?)`);
    const insert = { run: (ruleId: number, store: string, status: string, at: number) => (row.run(store, String(ruleId), status, at), index.run(ruleId, store, status, at)) };
    for (let i = 0; i < 2_500; i++) insert.run(id, `idle ${i}`, 'ok', old);
    insert.run(id, 'heard from lately', 'ok', now - HOUR);
    insert.run(id, 'firing for 100 days', 'firing', old);
    insert.run(id, 'pending for 100 days', 'pending', old);
    await app.reports.housekeeping(now);
    const left = app.deps.db.$client.prepare(`SELECT store FROM metric_rule_states ORDER BY store`).all() as Array<{ store: string }>;
    expect(left.map((r) => r.store)).toEqual(['firing for 100 days', 'heard from lately', 'pending for 100 days']);
    const rows = app.deps.db.$client.prepare(`SELECT store FROM metric_store_states ORDER BY store`).all() as Array<{ store: string }>;
    expect(rows.map((r) => r.store)).toEqual(['firing for 100 days', 'heard from lately', 'pending for 100 days']);
    expect(app.logs.some((l) => l.includes('housekeeping: old rows pruned') && l.includes('"ruleStates":2500'))).toBe(true);
  });

  it('the nightly housekeeping frees the place of a store whose firing resolved and that then sent nothing for the retention period', async () => {
    const clock = fakeClock();
    const { app, token } = await rig({ storeLimit: 1, clock });
    addRule(app, RULE);
    const t0 = clock.t;
    // 100 days ago store A ran low, recovered, and then closed: no point of the metric since.
    clock.t = t0 - 100 * 24 * HOUR;
    expect((await push(app, token, [{ name: 'stock', value: 5, store: 'A', occurred_at: at(clock.t) }])).status).toBe(202);
    clock.t += 60_000;
    expect((await push(app, token, [{ name: 'stock', value: 50, store: 'A', occurred_at: at(clock.t) }])).status).toBe(202);
    expect(ruleAlerts(app)).toEqual(['A stock 5', '[Resolved] Low stock · A: stock now 50']);
    clock.t = t0;
    await app.reports.housekeeping(t0);
    const left = app.deps.db.$client.prepare(`SELECT store, status FROM metric_rule_states`).all();
    expect(left, 'a settled (resolved) state untouched for 100 days is never pruned').toEqual([]);
    // So the rule's only place is free again for a store that is open.
    const next = await push(app, token, [{ name: 'stock', value: 50, store: 'B', occurred_at: at(clock.t) }]);
    expect(next.status, JSON.stringify(next.json)).toBe(202);
  });

  it("with a retention shorter than a no-data rule's silence, the nightly housekeeping does not prune the state the rule is counting the silence on", async () => {
    const clock = fakeClock();
    const { app, token } = await rig({ clock });
    // Settings allow a retention of 1 day; the rule form allows "no data for 48 hours".
    app.deps.settings.setGeneral({ ...app.deps.settings.general(), retentionDays: 1 });
    addRule(app, { ...RULE, name: 'Orders stopped', metric: '订单数', condition: { type: 'no_data', minutes: 48 * 60 }, title: '{{store}}: no {{metric}}' });
    const t0 = clock.t;
    expect((await push(app, token, [{ name: '订单数', value: 10, store: 'A', occurred_at: at(t0) }])).status).toBe(202);
    // The next night's housekeeping, then silence until 48 hours have passed.
    clock.t = t0 + 25 * HOUR;
    await app.reports.housekeeping(clock.t);
    clock.t = t0 + 48 * HOUR + 60_000;
    await app.ruleTick();
    expect(ruleAlerts(app), 'store A sent nothing for 48 hours, and the group never heard').toEqual(['A: no 订单数']);
  });
});

describe('lists of firing stores', () => {
  it('the report lists the first 30 pairs, most severe first then the oldest, and says how many more (EN and ZH); the console pages through all of them', async () => {
    const { app, token, console } = await rig();
    addRule(app, RULE);
    const critical = addRule(app, { ...RULE, name: 'Out of stock', severity: 'critical', condition: { type: 'threshold', op: 'below', value: 1 } });
    const t = Date.now();
    // 120 stores low on stock (warning), the last two of them out of stock (critical), each pushed a second later.
    const points = Array.from({ length: 120 }, (_, i) => ({ name: 'stock', value: i >= 118 ? 0 : 5, store: `S${String(i).padStart(3, '0')}`, occurred_at: new Date(t - 600_000 + i * 1000).toISOString() }));
    expect((await push(app, token, points)).status).toBe(202);
    expect(count(app, `SELECT count(*) AS n FROM metric_rule_states WHERE status = 'firing'`)).toBe(122);

    const job = { name: 'Daily', type: 'daily_summary' as const, template: null, timezone: 'Asia/Shanghai' };
    const report = renderJobReport(app.deps, job, t + 24 * HOUR);
    const section = report.content.slice(report.content.indexOf('**Metric rules**'));
    const listed = section.split('\n').filter((l) => /^- .* · S\d{3} · since/.test(l));
    expect(listed).toHaveLength(MAX_FIRING_LISTED);
    expect(listed.slice(0, 3)).toEqual([expect.stringMatching(/^- Out of stock · S118 · since/), expect.stringMatching(/^- Out of stock · S119 · since/), expect.stringMatching(/^- Low stock · S000 · since/)]);
    expect(section).toContain('Firing now: 122');
    expect(section).toContain(`…and ${122 - MAX_FIRING_LISTED} more (the console’s Metric rules page lists them all)`);
    app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), language: 'zh' });
    expect(renderJobReport(app.deps, job, t + 24 * HOUR).content).toContain(`……另有 ${122 - MAX_FIRING_LISTED} 个（控制台“指标规则”页面列出全部）`);

    const first = textOf((await console.get('/metric-rules')).body);
    expect(first).toContain(`1–${FIRING_PAGE_SIZE} of 122, most severe first, then the oldest.`);
    expect(first).toContain('Out of stock · S118');
    expect(first).not.toContain('Low stock · S119');
    // Each rule names 5 stores and counts the rest, beside its state pill (which never wraps).
    expect(first).toContain('Firing S000, S001, S002, S003, S004 …and 115 more');
    expect(first).toContain('Firing S118, S119');
    const last = await console.get('/metric-rules?firing=3');
    expect(textOf(last.body)).toContain(`101–122 of 122`);
    expect(textOf(last.body)).toContain('Low stock · S119');
    expect(last.body).toContain('href="/metric-rules?firing=2"');
    expect(last.body).not.toContain('href="/metric-rules?firing=4"');
    expect((await console.get('/metric-rules?firing=x')).status).toBe(200);

    const dashboard = textOf((await console.get('/')).body);
    expect(dashboard).toMatch(/Firing now 122 Out of stock · S118 · since/);
    expect(dashboard).toContain('…and 117 more');
    expect(critical).toBeGreaterThan(0);
  });
});

describe('the minute tick', () => {
  it('raises the reminders of thousands of stores that fired together in chunks, the event loop turning in between', async () => {
    const { app } = await rig();
    const id = addRule(app, { ...RULE, reminderHours: 4 });
    const now = Date.now();
    const insert = app.deps.db.$client.prepare(`INSERT INTO metric_rule_states (rule_id, store, status, state, updated_at) VALUES (?, ?, 'firing', ?, ?)`);
    const STORES = 1_100;
    for (let i = 0; i < STORES; i++) {
      const state = { status: 'firing' as const, pendingSince: null, pendingPoints: 0, firingSince: now - 5 * HOUR, firingEventId: null, firingTitle: `s${i} stock 1`, lastNotifiedAt: now - 5 * HOUR, reminders: 0, lastValue: 1, lastAt: now - 5 * HOUR, watchingSince: now - 6 * HOUR };
      insert.run(id, `s${i}`, savedStateJson({ state, unit: '' }), now - 5 * HOUR);
    }
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    await app.ruleTick(now);
    clearInterval(ticker);
    expect(count(app, `SELECT count(*) AS n FROM events WHERE source = 'metric_rule' AND title LIKE '[Still firing%'`)).toBe(STORES);
    expect(count(app, `SELECT count(*) AS n FROM metric_rule_transitions WHERE type = 'reminder'`)).toBe(STORES);
    // 1,100 states in chunks of 250: the loop turned between them.
    expect(turns).toBeGreaterThan(0);
    await app.ruleTick(now);
    expect(count(app, `SELECT count(*) AS n FROM events WHERE source = 'metric_rule' AND title LIKE '[Still firing%'`)).toBe(STORES);
  });

  it('property: reads exactly the states the evaluator acts on (reminders owed, no-data deadlines passed), not every state', () => {
    const db = tempDatabase('notifier-tick-');
    const now = 1_800_000_000_000;
    const time = fc.option(fc.integer({ min: now - 30 * HOUR, max: now }), { nil: null });
    const state = fc.record({ status: fc.constantFrom('ok', 'pending', 'firing'), lastNotifiedAt: time, lastAt: time, watchingSince: fc.integer({ min: now - 30 * HOUR, max: now }) });
    const rule = fc.record({
      noData: fc.option(fc.integer({ min: 1, max: 1440 }), { nil: undefined }),
      reminderHours: fc.integer({ min: 0, max: 24 }),
      enabled: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(fc.record({ rule, states: fc.array(state, { maxLength: 6 }) }), { minLength: 1, maxLength: 4 }), (rules) => {
        db.$client.exec('DELETE FROM metric_rule_states; DELETE FROM metric_rules;');
        const expected: string[] = [];
        for (const r of rules) {
          const def = { ...RULE, condition: r.rule.noData ? { type: 'no_data' as const, minutes: r.rule.noData } : RULE.condition, reminderHours: r.rule.reminderHours, enabled: r.rule.enabled };
          const id = insertMetricRule(db, rowFromRule(def), now);
          r.states.forEach((st, i) => {
            const full: RuleState = { status: st.status as RuleState['status'], pendingSince: null, pendingPoints: 0, firingSince: st.status === 'firing' ? now - HOUR : null, firingEventId: null, firingTitle: null, lastNotifiedAt: st.lastNotifiedAt, reminders: 0, lastValue: 1, lastAt: st.lastAt, watchingSince: st.watchingSince };
            db.$client.prepare(`INSERT INTO metric_rule_states (rule_id, store, status, state, updated_at) VALUES (?, ?, ?, ?, ?)`).run(id, `s${i}`, full.status, savedStateJson({ state: full, unit: '' }), now);
            if (def.enabled && onTick({ ...def, id, createdAt: now }, full, now).actions.length) expected.push(`${id}/s${i}`);
          });
        }
        expect(statesDueAt(db, now).map((s) => `${s.ruleId}/${s.store}`).sort()).toEqual(expected.sort());
      }),
      { numRuns: 200 },
    );
  });
});

describe('stored rule states', () => {
  it('a state is rewritten in place, its status only when given; a state that is gone is reported, not created', () => {
    const db = tempDatabase('notifier-states-');
    const id = insertMetricRule(db, rowFromRule(RULE), 1_000);
    const row = (store: string) => db.$client.prepare(`SELECT status, state, updated_at AS at FROM metric_rule_states WHERE rule_id = ? AND store = ?`).get(id, store);
    putRuleState(db, id, 's1', 'ok', '{"v":1}', 1_000);
    expect(updateRuleState(db, id, 's1', undefined, '{"v":2}', 2_000)).toBe(true);
    expect(row('s1')).toEqual({ status: 'ok', state: '{"v":2}', at: 2_000 });
    expect(updateRuleState(db, id, 's1', 'pending', '{"v":3}', 3_000)).toBe(true);
    expect(row('s1')).toEqual({ status: 'pending', state: '{"v":3}', at: 3_000 });
    expect(updateRuleState(db, id, 'gone', 'ok', '{"v":4}', 4_000)).toBe(false);
    expect(row('gone')).toBeUndefined();
  });

  it("a store's states under several rules are read together: only those rules, only that store, none for a rule without one", () => {
    const db = tempDatabase('notifier-states-');
    const [a, b, c] = [1, 2, 3].map((i) => insertMetricRule(db, rowFromRule({ ...RULE, name: `rule ${i}` }), 1_000));
    putRuleState(db, a!, 'S1', 'ok', '{"a":1}', 1_000);
    putRuleState(db, b!, 'S1', 'firing', '{"b":1}', 1_000);
    putRuleState(db, a!, 'S2', 'ok', '{"a":2}', 1_000);
    putRuleState(db, c!, 'S2', 'ok', '{"c":2}', 1_000);
    const read = (ids: number[], store: string) => getRuleStates(db, ids, store).map((r) => `${r.ruleId}/${r.store}/${r.status}/${r.state}`).sort();
    expect(read([a!, b!, c!], 'S1')).toEqual([`${a}/S1/ok/{"a":1}`, `${b}/S1/firing/{"b":1}`].sort());
    expect(read([b!, c!], 'S2')).toEqual([`${c}/S2/ok/{"c":2}`]);
    expect(read([a!], 'S2')).toEqual([`${a}/S2/ok/{"a":2}`]);
    expect(read([c!], 'S1')).toEqual([]);
    expect(read([a!, b!], 'S3')).toEqual([]);
    // More rules than one statement names: every state is still found.
    const many = Array.from({ length: 20 }, (_, i) => insertMetricRule(db, rowFromRule({ ...RULE, name: `many ${i}` }), 1_000));
    for (const id of many.filter((_, i) => i % 3 !== 0)) putRuleState(db, id, 'S4', 'ok', `{"id":${id}}`, 1_000);
    expect(read(many, 'S4')).toEqual(many.filter((_, i) => i % 3 !== 0).map((id) => `${id}/S4/ok/{"id":${id}}`).sort());
  });

  function engineOn(db: Db, t: { now: number }) {
    const clock = { now: () => t.now };
    return createMetricRuleEngine({ db, clock, settings: createSettingsStore(db, clock, { timeZone: 'Asia/Shanghai' }), wakeWorker: () => {} });
  }
  const indexRow = (db: Db, id: number, store: string) =>
    db.$client.prepare(`SELECT status, state, updated_at AS at FROM metric_rule_states WHERE rule_id = ? AND store = ?`).get(id, store) as { status: string; state: string; at: number } | undefined;
  const storeRow = (db: Db, metric: string, store: string) => {
    const row = db.$client.prepare(`SELECT states, updated_at AS at FROM metric_store_states WHERE metric = ? AND store = ?`).get(metric, store) as { states: string; at: number } | undefined;
    return row && { states: JSON.parse(row.states) as Record<string, Record<string, unknown>>, at: row.at };
  };

  it("a point writes its metric and store's row once for all its rules, and a rule's index row only when the state changes in more than the last value", () => {
    const db = tempDatabase('notifier-states-');
    const t = { now: 10_000 };
    const low = insertMetricRule(db, rowFromRule({ ...RULE, hold: { kind: 'points', count: 2 } }), 1_000);
    const high = insertMetricRule(db, rowFromRule({ ...RULE, name: 'Overstock', condition: { type: 'threshold', op: 'above', value: 500 } }), 1_000);
    const engine = engineOn(db, t);
    const raised: string[] = [];
    const raise = (alerts: Array<{ title: string }>) => (raised.push(...alerts.map((a) => a.title)), alerts.map((_, i) => ({ id: 100 + i, status: 'queued' })));
    engine.observe([{ name: 'stock', store: 'S1', at: 9_000, value: 50, unit: '' }], raise);
    expect(storeRow(db, 'stock', 'S1')).toEqual({ states: { [low]: expect.objectContaining({ status: 'ok', lastValue: 50 }), [high]: expect.objectContaining({ status: 'ok', lastValue: 50 }) }, at: 10_000 });
    expect(indexRow(db, low, 'S1')).toMatchObject({ status: 'ok', at: 10_000 });

    // Nothing but the last value changes: the row is rewritten, the index rows are not.
    t.now = 20_000;
    engine.observe([{ name: 'stock', store: 'S1', at: 19_000, value: 60, unit: '' }], raise);
    expect(storeRow(db, 'stock', 'S1')).toMatchObject({ states: { [low]: { lastValue: 60, lastAt: 19_000 }, [high]: { lastValue: 60 } }, at: 20_000 });
    expect(indexRow(db, low, 'S1')).toMatchObject({ status: 'ok', at: 10_000 });
    expect(JSON.parse(indexRow(db, low, 'S1')!.state)).toMatchObject({ lastValue: 50 });

    // Pending, then firing: each change reaches the index, the other rule's row stays as it was.
    t.now = 30_000;
    engine.observe([{ name: 'stock', store: 'S1', at: 29_000, value: 5, unit: '' }], raise);
    expect(indexRow(db, low, 'S1')).toMatchObject({ status: 'pending', at: 30_000 });
    t.now = 40_000;
    engine.observe([{ name: 'stock', store: 'S1', at: 39_000, value: 4, unit: '' }], raise);
    expect(raised).toEqual(['S1 stock 4']);
    expect(indexRow(db, low, 'S1')).toMatchObject({ status: 'firing', at: 40_000 });
    expect(JSON.parse(indexRow(db, low, 'S1')!.state)).toMatchObject({ firingEventId: 100, firingSince: 39_000, lastValue: 4 });
    expect(indexRow(db, high, 'S1')).toMatchObject({ status: 'ok', at: 10_000 });
    expect(storeRow(db, 'stock', 'S1')!.states[low]).toMatchObject({ status: 'firing', firingEventId: 100, lastValue: 4 });
  });

  it('a state kept only in the index (from before the rows per metric and store) is judged from there, then kept in its row', () => {
    const db = tempDatabase('notifier-states-');
    const t = { now: 50_000 };
    const id = insertMetricRule(db, rowFromRule({ ...RULE, hold: { kind: 'points', count: 1 } }), 1_000);
    const firing: RuleState = { status: 'firing', pendingSince: null, pendingPoints: 0, firingSince: 30_000, firingEventId: 7, firingTitle: 'S1 stock 3', lastNotifiedAt: 30_000, reminders: 0, lastValue: 3, lastAt: 30_000, watchingSince: 1_000 };
    putRuleState(db, id, 'S1', 'firing', savedStateJson({ state: firing, unit: '' }), 30_000);
    const raised: string[] = [];
    engineOn(db, t).observe([{ name: 'stock', store: 'S1', at: 49_000, value: 80, unit: '' }], (alerts) => (raised.push(...alerts.map((a) => a.title)), alerts.map(() => ({ id: 8, status: 'queued' }))));
    expect(raised).toHaveLength(1);
    expect(indexRow(db, id, 'S1')?.status).toBe('resolved');
    expect(storeRow(db, 'stock', 'S1')!.states[id]).toMatchObject({ status: 'resolved', lastValue: 80 });
  });

  it("a no-data rule counts its silence from the row's last point, which its index row does not follow", () => {
    const db = tempDatabase('notifier-states-');
    const t = { now: 0 };
    const id = insertMetricRule(db, rowFromRule({ ...RULE, condition: { type: 'no_data', minutes: 10 } }), 0);
    const engine = engineOn(db, t);
    for (const minute of [1, 5, 9]) {
      t.now = minute * 60_000;
      engine.observe([{ name: 'stock', store: 'S1', at: t.now, value: 50, unit: '' }], () => []);
    }
    expect(JSON.parse(indexRow(db, id, 'S1')!.state)).toMatchObject({ lastAt: 60_000 });
    // 12 minutes after the first point, 3 after the last: not silent yet.
    expect(statesDueAt(db, 12 * 60_000)).toEqual([]);
    expect(engine.tick(12 * 60_000, () => [])).toBe(0);
    const due = statesDueAt(db, 19 * 60_000);
    expect(due.map((d) => [d.ruleId, d.store, JSON.parse(d.state).lastAt])).toEqual([[id, 'S1', 9 * 60_000]]);
  });

  it("a rule's edit or deletion removes its entries from the rows, and a row left empty goes", () => {
    const db = tempDatabase('notifier-states-');
    const t = { now: 10_000 };
    const a = insertMetricRule(db, rowFromRule(RULE), 1_000);
    const b = insertMetricRule(db, rowFromRule({ ...RULE, name: 'Overstock', condition: { type: 'threshold', op: 'above', value: 500 } }), 1_000);
    const engine = engineOn(db, t);
    engine.observe(['S1', 'S2'].map((store) => ({ name: 'stock', store, at: 9_000, value: 50, unit: '' })), () => []);
    const rule = (id: number) => ruleFromRow(getMetricRule(db, id)!);
    engine.ruleSaved(rule(a), { ...rule(a), enabled: false });
    expect(Object.keys(storeRow(db, 'stock', 'S1')!.states)).toEqual([String(b)]);
    expect(indexRow(db, a, 'S1')).toBeUndefined();
    engine.ruleSaved(rule(b), undefined);
    expect(db.$client.prepare(`SELECT count(*) AS n FROM metric_store_states`).get()).toEqual({ n: 0 });
  });

  it('a state that went missing while its batch was judged is written anew, not lost', () => {
    const db = tempDatabase('notifier-states-');
    const clock = { now: () => 10_000 };
    const id = insertMetricRule(db, rowFromRule(RULE), 1_000);
    const engine = createMetricRuleEngine({ db, clock, settings: createSettingsStore(db, clock, { timeZone: 'Asia/Shanghai' }), wakeWorker: () => {} });
    const stateOf = () => db.$client.prepare(`SELECT status, state FROM metric_rule_states WHERE rule_id = ? AND store = 'S1'`).get(id) as { status: string; state: string } | undefined;
    engine.observe([{ name: 'stock', store: 'S1', at: 9_000, value: 50, unit: '' }], () => []);
    expect(stateOf()?.status).toBe('ok');
    // The next point fires the rule; while it is raised, the state row disappears (as if removed meanwhile).
    engine.observe([{ name: 'stock', store: 'S1', at: 9_500, value: 3, unit: '' }], () => {
      db.$client.prepare(`DELETE FROM metric_rule_states WHERE rule_id = ?`).run(id);
      return [{ id: 77, status: 'queued' }];
    });
    const after = stateOf();
    expect(after?.status).toBe('firing');
    expect(JSON.parse(after!.state)).toMatchObject({ firingEventId: 77, lastValue: 3, lastAt: 9_500 });
  });
});
