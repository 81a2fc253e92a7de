import { afterEach, describe, expect, it } from 'vitest';
import { getMetricRule, listMetricRules } from '../../db/queries/metricRules.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom } from '../fakeWecom.ts';
import { postEvent } from '../helpers/api.ts';
import { ConsoleClient, descriptionOf, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const PASSWORD = 'metric-rules-page-pass';
const MIN = 60_000;

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

async function rig(): Promise<{ app: TestAppliance; console: ConsoleClient; token: string }> {
  const fake = await startFakeWecom();
  const app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD } });
  stops.push(() => fake.close(), () => app.stop());
  const console = new ConsoleClient(app.url);
  await console.signIn(PASSWORD);
  const token = issueApiToken(app.deps, { name: 't', requireSignature: false, now: Date.now() }).token;
  return { app, console, token };
}

const refundForm = {
  name: '退款率过高',
  metric: '退款率',
  store: '',
  conditionType: 'threshold',
  thresholdOp: 'above',
  thresholdValue: '5',
  holdKind: 'duration',
  holdMinutes: '15',
  severity: 'warning',
  category: 'orders',
  mentionMode: 'none',
  title: '{{store}} 退款率 {{value}}{{unit}}',
  reminderHours: '4',
  enabled: 'on',
  backtestDays: '7',
};

describe('Metric rules page', () => {
  it('refuses a bad form with messages in the reader language, naming each field', async () => {
    const { console } = await rig();
    await console.get('/lang/zh?next=/metric-rules');
    await console.get('/metric-rules/new');
    const res = await console.postForm('/metric-rules', { ...refundForm, thresholdValue: 'lots', title: '{{value}} {{oops}}', intent: 'save' });
    expect(res.status).toBe(422);
    const text = textOf(res.body);
    expect(text).toContain('阈值：请输入');
    expect(text).toContain('未知的占位符 {{oops}}');
    await console.get('/lang/en?next=/metric-rules');
    await console.get('/metric-rules/new');
    const en = textOf((await console.postForm('/metric-rules', { ...refundForm, metric: '', intent: 'save' })).body);
    expect(en).toContain('Metric name: This field is required.');
  });

  it('metric rule editor: the Condition type and Hold selects are described by the help lines printed under them', async () => {
    const { console } = await rig();
    const page = await console.get('/metric-rules/new');
    for (const field of ['conditionType', 'holdKind']) {
      const help = new RegExp(`id="mr-${field}-help">([\\s\\S]*?)</p>`).exec(page.body)?.[1];
      expect(help, `sanity: #mr-${field}-help is on the page`).toBeDefined();
      expect.soft(descriptionOf(page.body, `mr-${field}`), `the ${field} select's description`).toContain(textOf(help!));
    }
  });

  it('previews the backtest without saving (no JavaScript: a full page), then saves, edits and deletes with post/redirect/get', async () => {
    const { app, console, token } = await rig();
    const now = Date.now();
    const points = [6, 7, 7, 2].map((value, i) => ({ name: '退款率', value, unit: '%', store: 'A', occurred_at: new Date(now - 3 * 3600_000 + i * 10 * MIN).toISOString() }));
    expect((await postEvent(app.url, token, points, { path: '/api/v1/metrics' })).status).toBe(202);
    await console.get('/metric-rules/new');
    const preview = await console.postForm('/metric-rules', { ...refundForm, intent: 'preview' });
    expect(preview.status).toBe(200);
    const text = textOf(preview.body);
    expect(text).toContain('Last 7 days: 4 points from 1 store; it would have fired 1 time.');
    expect(listMetricRules(app.deps.db)).toHaveLength(0);
    // The htmx preview answers the panel alone.
    const fragment = await console.postForm('/metric-rules/backtest', { ...refundForm, holdMinutes: '60' }, { 'hx-request': 'true' });
    expect(fragment.body).not.toContain('<html');
    expect(textOf(fragment.body)).toContain('It would not have fired.');

    const saved = await console.postForm('/metric-rules', { ...refundForm, intent: 'save' });
    expect(saved.status).toBe(303);
    expect(saved.location).toBe('/metric-rules?notice=saved');
    const [rule] = listMetricRules(app.deps.db);
    expect(rule).toMatchObject({ name: '退款率过高', metric: '退款率', store: null });
    const list = textOf((await console.get('/metric-rules?notice=saved')).body);
    expect(list).toContain('Rule saved.');
    expect(list).toContain('退款率 above 5 for 15 min');

    const edit = await console.get(`/metric-rules/${rule!.id}/edit`);
    expect(edit.body).toContain('value="15"');
    expect((await console.postForm(`/metric-rules/${rule!.id}`, { ...refundForm, name: 'Refunds', intent: 'save' })).status).toBe(303);
    expect(getMetricRule(app.deps.db, rule!.id)!.name).toBe('Refunds');
    expect((await console.postForm(`/metric-rules/${rule!.id}/delete`)).location).toBe('/metric-rules?notice=deleted');
    expect(listMetricRules(app.deps.db)).toHaveLength(0);
    // A second submit finds nothing to delete, and says so rather than "deleted".
    const again = await console.postForm(`/metric-rules/${rule!.id}/delete`);
    expect(again.status).toBe(404);
    expect(again.location).toBeNull();
  });

  it('states a rule\'s threshold as saved: "below 0.005" is not shown as "below 0.01"', async () => {
    const { console } = await rig();
    await console.get('/metric-rules/new');
    const form = { ...refundForm, name: 'Conversion low', metric: 'conversion', thresholdOp: 'below', thresholdValue: '0.005', title: '{{store}} conversion {{value}}', intent: 'save' };
    expect((await console.postForm('/metric-rules', form)).status).toBe(303);
    const page = textOf((await console.get('/metric-rules')).body);
    expect(page).toContain('Conversion low');
    expect(page).not.toContain('conversion below 0.01');
    expect(page).toContain('conversion below 0.005');
  });

  it('editing what a firing rule decides settles its state without a resolved message; a title-only edit keeps it firing', async () => {
    const { app, console, token } = await rig();
    await console.get('/metric-rules/new');
    await console.postForm('/metric-rules', { ...refundForm, holdKind: 'points', holdCount: '1', intent: 'save' });
    const [rule] = listMetricRules(app.deps.db);
    await postEvent(app.url, token, [{ name: '退款率', value: 9, store: 'A' }], { path: '/api/v1/metrics' });
    const states = () => app.deps.db.$client.prepare('SELECT store, status FROM metric_rule_states').all();
    expect(states()).toEqual([{ store: 'A', status: 'firing' }]);
    await console.postForm(`/metric-rules/${rule!.id}`, { ...refundForm, holdKind: 'points', holdCount: '1', title: 'new {{value}}', intent: 'save' });
    expect(states()).toEqual([{ store: 'A', status: 'firing' }]);
    await console.postForm(`/metric-rules/${rule!.id}`, { ...refundForm, holdKind: 'points', holdCount: '1', thresholdValue: '20', intent: 'save' });
    expect(states()).toEqual([{ store: 'A', status: 'ok' }]);
    const transitions = app.deps.db.$client.prepare('SELECT type FROM metric_rule_transitions').all();
    expect(transitions).toEqual([{ type: 'firing' }]);
  });
});
