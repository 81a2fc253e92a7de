// Review round: metric rules. Each test fails on the current code for the defect its name says.
import { afterEach, describe, expect, it } from 'vitest';
import { getMetricRule, insertMetricRule } from '../../db/queries/metricRules.ts';
import type { MetricRule } from '../../server/metricRules/definition.ts';
import { emptyRuleForm, formFromRule } from '../../server/metricRules/ruleForm.ts';
import { ruleFromRow, rowFromRule } from '../../server/metricRules/ruleRows.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { postEvent } from '../helpers/api.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';
const PASSWORD = 'metric-review-pass';
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

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

async function rig(opts: { storeLimit?: number } = {}) {
  const clock = { t: Date.now(), now: () => clock.t };
  const fake: FakeWecom = await startFakeWecom({ keys: [KEY] });
  const app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD }, clock, metricRuleStoreLimit: opts.storeLimit });
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
const push = (app: TestAppliance, token: string, points: unknown[]) => postEvent(app.url, token, points, { path: '/api/v1/metrics' });
const ruleAlerts = (app: TestAppliance) =>
  (app.deps.db.$client.prepare(`SELECT title FROM events WHERE source = 'metric_rule' ORDER BY id`).all() as Array<{ title: string }>).map((r) => r.title);

describe('review: metric rules', () => {
});
