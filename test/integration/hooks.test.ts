import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEvent } from '../../server/delivery/store.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { translator } from '../../server/strings/translate.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '7d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a';
const fixture = (name: string) => readFileSync(new URL(`../fixtures/hooks/${name}.json`, import.meta.url), 'utf8');

/** The editor's fields as the page holds them, so a test posts what a browser would. */
function formValues(html: string): Record<string, string> {
  const values: Record<string, string> = {};
  const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  for (const m of html.matchAll(/<input id="hook-(\w+)" name="\w+"[^>]*?value="([^"]*)"/g)) values[m[1]!] = decode(m[2]!);
  for (const m of html.matchAll(/<textarea id="hook-(\w+)"[^>]*>([\s\S]*?)<\/textarea>/g)) values[m[1]!] = decode(m[2]!);
  for (const m of html.matchAll(/<select id="hook-(\w+)"[\s\S]*?<\/select>/g)) values[m[1]!] = /<option value="([^"]+)" selected/.exec(m[0])?.[1] ?? '';
  delete values.sample;
  return values;
}

describe('generic JSON webhooks: console mapping and POST /api/v1/hooks/{name}', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let admin: ConsoleClient;
  let token: string;
  let signingSecret: string;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: 'hooks-test-password' } });
    admin = new ConsoleClient(app.url);
    await admin.signIn('hooks-test-password');
    await admin.postForm('/channels/wecom/connect', { url: KEY });
    app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), language: 'en' });
    ({ token, signingSecret } = issueApiToken(app.deps, { name: 'grafana', requireSignature: false, now: Date.now() }));
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('creates a mapping from the Grafana example, previews a pasted payload, and saves it (post/redirect/get)', async () => {
    const list = await admin.get('/hooks');
    expect(list.status).toBe(200);
    expect(textOf(list.body)).toContain('No mappings yet');
    const editor = await admin.get('/hooks/new?name=grafana&start=grafana');
    expect(editor.status).toBe(200);
    const values = formValues(editor.body);
    expect(values.title).toBe('{{title}}');
    expect(values.severityMap).toContain('firing = critical');

    const preview = await admin.postForm('/hooks/grafana', { ...values, isNew: '1', action: 'preview', sample: fixture('grafana-firing') });
    expect(preview.status).toBe(200);
    const shown = textOf(preview.body);
    expect(shown).toContain('"severity": "critical"');
    expect(shown).toContain('[FIRING:1] Checkout latency high');
    // The message as the group shows it (the WeCom look), its markdown rendered, not raw.
    const bubble = /<div class="wx-bubble">([\s\S]*?)<\/div><\/div>/.exec(preview.body)?.[1] ?? '';
    expect(textOf(bubble)).toContain('Checkout latency high');
    expect(bubble).not.toContain('&lt;font');
    expect(bubble).toMatch(/<[^>]+class="wx-font-warning"/);
    expect(getEvent(app.deps.db, 1)).toBeUndefined(); // a preview stores nothing

    const saved = await admin.postForm('/hooks/grafana', { ...values, isNew: '1', action: 'save' });
    expect(saved.status).toBe(303);
    expect(saved.location).toBe('/hooks/grafana?saved=1');
    const after = await admin.get(saved.location!);
    expect(textOf(after.body)).toContain('Mapping “grafana” saved');
    expect((await admin.get('/hooks')).body).toContain('/api/v1/hooks/grafana');
  });

  it('says what is wrong with a mapping, field by field, in the user’s language', async () => {
    const values = formValues((await admin.get('/hooks/grafana')).body);
    const bad = { ...values, severityMap: 'firing = fatal', fields: 'A = {{x', action: 'save' };
    const en = await admin.postForm('/hooks/grafana', bad);
    expect(en.status).toBe(422);
    expect(textOf(en.body)).toContain('Line 1: The severity must be info, warning or critical.');
    expect(textOf(en.body)).toContain('“{{” without a closing “}}”');
    const zh = await admin.postForm('/hooks/grafana', bad, { 'accept-language': 'zh-CN' });
    expect(zh.status).toBe(422);
    expect(textOf(zh.body)).toContain('第 1 行：严重级别必须是 info、warning 或 critical。');
    const bogusName = await admin.get('/hooks/new?name=Bad%20Name');
    expect(bogusName.status).toBe(422);
    expect(textOf(bogusName.body)).toContain('lowercase letters');
    const taken = await admin.get('/hooks/new?name=grafana');
    expect(textOf(taken.body)).toContain('already exists');
    const notJson = await admin.postForm('/hooks/grafana', { ...values, action: 'preview', sample: '{"status":' });
    expect(notJson.status).toBe(422);
    expect(textOf(notJson.body)).toContain('The sample payload is not valid JSON');
    // A sample at its own limit (48 KiB), all Chinese: ~432 KB url-encoded, within the console's body limit.
    const han = JSON.stringify({ message: '库'.repeat(48 * 1024 - 20) });
    const big = await admin.postForm('/hooks/grafana', { ...values, action: 'preview', sample: han });
    expect(big.status).toBe(200);
  });

  it('a preview on a Chinese console says why the mapped event would be refused in Chinese, not the API’s English ("title: must not be empty")', async () => {
    const definition = { title: '{{alert.name}}', summary: '', severity: '', severityMap: '', defaultSeverity: 'warning', category: '', defaultCategory: 'other', store: '', url: '', idempotencyKey: '', fields: '', dropWhen: '' };
    const refusal = async (lang: string) => {
      const preview = await admin.postForm('/hooks/ops', { ...definition, isNew: '1', action: 'preview', sample: '{"status":"firing"}' }, { 'accept-language': lang });
      expect(preview.status).toBe(200);
      return textOf(/<div class="notice bad" role="alert">([\s\S]*?)<\/div>/.exec(preview.body)?.[1] ?? '');
    };
    const zh = await refusal('zh-CN');
    expect(zh).toContain(translator('zh')('hooks.preview.refused'));
    expect(zh).toContain('title: 不能为空');
    expect(zh).not.toContain('must not be empty');
    // The API's own words stay the English reader's (and the API's answer).
    expect(await refusal('en')).toContain('title: must not be empty');
  });

  it('turns a Grafana webhook into an alert through the inbound API’s intake, and answers a repeat with the first id', async () => {
    const res = await postEvent(app.url, token, fixture('grafana-firing'), { path: '/api/v1/hooks/grafana' });
    expect(res.status).toBe(202);
    const id = res.json.id as number;
    expect(getEvent(app.deps.db, id)).toMatchObject({ source: 'hook:grafana', severity: 'critical', category: 'orders', store: 'Tmall Flagship', tokenId: expect.any(Number) });
    const arrived = await waitFor(() => fake.receivedFor(KEY).some((m) => JSON.stringify(m.body).includes('Checkout latency high')), 15_000);
    expect(arrived).toBe(true);
    const again = await postEvent(app.url, token, fixture('grafana-firing'), { path: '/api/v1/hooks/grafana' });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ id, duplicate: true });
    const signed = await postEvent(app.url, token, fixture('grafana-resolved'), { path: '/api/v1/hooks/grafana', sign: { secret: signingSecret } });
    expect(signed.status).toBe(202);
  });

  it('a tool payload whose mapped store holds a line break or tab is accepted, its store made one line (the tool cannot be told to change)', async () => {
    const payload = {
      title: '[FIRING:1] Checkout latency high',
      status: 'firing',
      groupKey: 'g-ctrl',
      commonLabels: { alertname: 'CheckoutLatency', store: 'Lakeside\nTmall\t\u0001 Flagship', category: 'system' },
      commonAnnotations: { summary: 'p95 over 2 s' },
      alerts: [{ startsAt: '2025-03-14T01:30:00Z', generatorURL: 'https://grafana.example.com/alerting/1' }],
    };
    const res = await postEvent(app.url, token, payload, { path: '/api/v1/hooks/grafana' });
    expect(res.text).not.toContain('control characters');
    expect(res.status).toBe(202);
    expect(getEvent(app.deps.db, res.json.id as number)).toMatchObject({ store: 'Lakeside Tmall Flagship' });
    // A store of nothing but control characters is left out, like an empty one.
    const blankStore = await postEvent(app.url, token, { ...payload, groupKey: 'g-ctrl-2', commonLabels: { ...payload.commonLabels, store: '\n\t' } }, { path: '/api/v1/hooks/grafana' });
    expect(blankStore.status).toBe(202);
    expect(getEvent(app.deps.db, blankStore.json.id as number)?.store).toBeNull();
  });

  it('answers 401, 404, 413, 415 and 400 like POST /api/v1/events', async () => {
    expect((await postEvent(app.url, undefined, fixture('grafana-firing'), { path: '/api/v1/hooks/grafana' })).status).toBe(401);
    const unknown = await postEvent(app.url, token, '{}', { path: '/api/v1/hooks/nope' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toBe('hook_not_found');
    expect((await postEvent(app.url, token, { x: 'y'.repeat(70_000) }, { path: '/api/v1/hooks/grafana' })).status).toBe(413);
    expect((await postEvent(app.url, token, 'a=b', { path: '/api/v1/hooks/grafana', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    const noTitle = await postEvent(app.url, token, { status: 'firing' }, { path: '/api/v1/hooks/grafana' });
    expect(noTitle.status).toBe(400);
    expect(noTitle.json.message).toMatch(/^title: .*hook "grafana"/);
    // A payload nested deeper than a mapping can read is refused before any template runs (was a 500, issue 20).
    const deep = await postEvent(app.url, token, '{"title":"deep","x":' + '['.repeat(20_000) + ']'.repeat(20_000) + '}', { path: '/api/v1/hooks/grafana' });
    expect(deep.status).toBe(400);
    expect(deep.json.message).toBe('(root): must not nest objects or arrays more than 32 levels deep');
  });

  it('reads scalars only: a {{$}} template over a deeply nested payload is no 500 (issue 20)', async () => {
    const definition = { title: 'Whole: {{$}}', summary: '{{payload}}', severity: '', severityMap: '', defaultSeverity: 'info', category: '', defaultCategory: 'other', store: '', url: '', idempotencyKey: '', fields: 'All = {{$}}', dropWhen: '' };
    const created = await admin.postForm('/hooks/whole', { ...definition, isNew: '1', action: 'save' });
    expect(created.status).toBe(303);
    const payload = '{"payload":' + '['.repeat(30) + '"x"' + ']'.repeat(30) + '}';
    const res = await postEvent(app.url, token, payload, { path: '/api/v1/hooks/whole' });
    expect(res.status).toBe(202);
    const event = getEvent(app.deps.db, res.json.id as number)!;
    expect(event.title).toBe('Whole:');
    expect(JSON.parse(event.payload)).not.toHaveProperty('summary');
    expect(JSON.parse(event.payload).fields).toEqual({});
    const preview = await admin.postForm('/hooks/whole', { ...definition, action: 'preview', sample: '{"a":' + '['.repeat(40) + ']'.repeat(40) + '}' });
    expect(preview.status).toBe(422);
    expect(textOf(preview.body)).toContain('nests more than 32 levels deep');
  });

  it('answers 200 without storing anything when a drop condition holds', async () => {
    const editor = await admin.get('/hooks/new?name=github&start=github_workflow_run');
    const saved = await admin.postForm('/hooks/github', { ...formValues(editor.body), isNew: '1', action: 'save' });
    expect(saved.status).toBe(303);
    const before = app.deps.db.$client.prepare('select count(*) as n from events').get() as { n: number };
    const res = await postEvent(app.url, token, fixture('github-workflow_run-in_progress'), { path: '/api/v1/hooks/github' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ dropped: true, condition: 'action != completed' });
    expect(app.deps.db.$client.prepare('select count(*) as n from events').get()).toEqual(before);
  });

  it('deletes a mapping only when confirmed; its endpoint then answers 404', async () => {
    const unconfirmed = await admin.postForm('/hooks/github/delete', {});
    expect(unconfirmed.status).toBe(422);
    const deleted = await admin.postForm('/hooks/github/delete', { confirm: 'yes' });
    expect(deleted.status).toBe(303);
    expect(textOf((await admin.get(deleted.location!)).body)).toContain('Mapping “github” deleted');
    expect((await postEvent(app.url, token, fixture('github-workflow_run-failure'), { path: '/api/v1/hooks/github' })).status).toBe(404);
  });

  it('a token limited to named hooks posts to those hooks only: 403 on events, metrics, Alertmanager and other hooks (issue 20)', async () => {
    const bad = await admin.postForm('/inbound/tokens', { name: 'grafana only', hooks: 'grafana, Not A Hook', scope: 'send' });
    expect(bad.status).toBe(422);
    expect(textOf(bad.body)).toContain('Hook names are 1 to 40 lowercase letters');
    // Limited to hooks, a token posts to them and nothing else: no configuration scope beside it.
    const scoped = await admin.postForm('/inbound/tokens', { name: 'grafana only', hooks: 'grafana', scope: 'read' });
    expect(scoped.status).toBe(422);
    expect(textOf(scoped.body)).toContain('A token limited to hooks only posts to them: choose the send scope alone');
    const created = await admin.postForm('/inbound/tokens', { name: 'grafana only', hooks: 'grafana, whole', scope: 'send' });
    expect(created.status).toBe(303);
    const shown = await admin.get(created.location!);
    const limited = /(scn_[A-Za-z0-9_-]{20,})/.exec(shown.body)![1]!;
    // Try it shows what the token can run: its hooks' URLs, not an event example it would be refused.
    expect(textOf(shown.body)).toContain('This token posts only to these hooks');
    expect(shown.body).toContain(`${app.url}/api/v1/hooks/grafana\n${app.url}/api/v1/hooks/whole`);
    expect(shown.body).not.toContain('/api/v1/events');
    // (an earlier test's payload, sent with another token: a new event of this token's, not a repeat)
    expect((await postEvent(app.url, limited, fixture('grafana-resolved'), { path: '/api/v1/hooks/grafana' })).status).toBe(202);
    expect((await postEvent(app.url, limited, '{"payload":"x"}', { path: '/api/v1/hooks/whole' })).status).toBe(202);
    for (const [path, body] of [
      ['/api/v1/events', { kind: 'alert', category: 'orders', title: 'not through a hook' }],
      ['/api/v1/metrics', [{ name: 'gmv', value: 1 }]],
      ['/api/v1/alertmanager', { status: 'firing', alerts: [] }],
      ['/api/v1/hooks/github', {}],
      // Heartbeat check-ins and pause are not hooks either (issue 23), known check or not.
      ['/api/v1/heartbeats/nightly-import', {}],
      ['/api/v1/heartbeats/nightly-import/fail', { exit_code: 1 }],
      ['/api/v1/heartbeats/nightly-import/pause', {}],
    ] as const) {
      const res = await postEvent(app.url, limited, body, { path });
      expect(res.status, path).toBe(403);
      expect(res.json).toEqual({ error: 'forbidden', message: 'This token may only post to /api/v1/hooks/grafana, /api/v1/hooks/whole' });
    }
    // Nor the configuration, even were a scope for it stored with the token (the form refuses that; the API checks anyway).
    app.deps.db.$client.prepare(`UPDATE api_tokens SET scopes = '["send","admin"]' WHERE name = 'grafana only'`).run();
    const exported = await fetch(`${app.url}/api/v1/config`, { headers: { authorization: `Bearer ${limited}` } });
    expect(exported.status).toBe(403);
    expect(await exported.json()).toEqual({ error: 'forbidden', message: 'This token may only post to /api/v1/hooks/grafana, /api/v1/hooks/whole' });
    const imported = await fetch(`${app.url}/api/v1/config?dry_run=true`, { method: 'PUT', headers: { authorization: `Bearer ${limited}`, 'content-type': 'application/json' }, body: '{}' });
    expect(imported.status).toBe(403);
    const inbound = await admin.get('/inbound');
    expect(textOf(inbound.body)).toContain('grafana only only hooks: grafana, whole');
    expect(textOf(/<section class="card" id="refused"[\s\S]*?<\/section>/.exec(inbound.body)![0])).toContain('token limited to other hooks');
    // An unlimited token is unaffected.
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', title: 'any endpoint' })).status).toBe(202);
  });
});
