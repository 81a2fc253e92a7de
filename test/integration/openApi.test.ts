import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveHookMapping } from '../../db/queries/hooks.ts';
import { createApp } from '../../server/app.tsx';
import { HOOK_EXAMPLES } from '../../server/hooks/examples.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { validate } from '../helpers/jsonSchema.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

type Json = Record<string, unknown>;
type Operation = { requestBody?: { content: { 'application/json': { schema: Json } } }; responses: Record<string, { content?: { 'application/json': { schema: Json } } }> };
type Exchange = { method: string; path: string; body?: string; status: number; answer: unknown };

const KEY = '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';
const fixture = (name: string) => readFileSync(new URL(`../fixtures/hooks/${name}.json`, import.meta.url), 'utf8');

describe('the OpenAPI document describes the real API', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let token: string;
  let doc: Json;
  const exchanges: Exchange[] = [];

  async function call(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, headers: Record<string, string> = {}, auth: boolean | string = true): Promise<Exchange> {
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const bearer = auth === true ? token : auth === false ? undefined : auth;
    const res = await fetch(app.url + path, {
      method,
      headers: { ...(text !== undefined ? { 'content-type': 'application/json' } : {}), ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...headers },
      body: text,
    });
    const exchange = { method, path, body: text, status: res.status, answer: JSON.parse(await res.text()) as unknown };
    exchanges.push(exchange);
    return exchange;
  }

  function operationOf(method: string, path: string): { template: string; op: Operation } {
    const paths = doc.paths as Record<string, Record<string, Operation>>;
    const template = Object.keys(paths).find((t) => new RegExp(`^${t.replace(/\{\w+\}/g, '[^/]+')}$`).test(path.split('?')[0]!));
    const op = template ? paths[template]?.[method.toLowerCase()] : undefined;
    if (!template || !op) throw new Error(`${method} ${path} is not in the document`);
    return { template, op };
  }

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: 'openapi-test-pass' } });
    token = issueApiToken(app.deps, { name: 'openapi', requireSignature: false, now: Date.now() }).token;
    saveHookMapping(app.deps.db, 'grafana', JSON.stringify(HOOK_EXAMPLES.grafana), Date.now());
    saveHookMapping(app.deps.db, 'github', JSON.stringify(HOOK_EXAMPLES.github_workflow_run), Date.now());
    doc = (await call('GET', '/api/v1/openapi.json', undefined, {}, false)).answer as Json;
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('is OpenAPI 3.1 and lists every /api/ route the app registers', () => {
    expect(doc.openapi).toBe('3.1.0');
    const routes = createApp(app.deps).routes.filter((r) => r.path.startsWith('/api/') && r.method !== 'ALL');
    expect(routes.length).toBeGreaterThanOrEqual(5);
    for (const r of routes) expect(() => operationOf(r.method, r.path.replace(/:(\w+)/g, '1')), `${r.method} ${r.path}`).not.toThrow();
  });

  it('every answer of a run of real requests matches the documented answer for its status', async () => {
    const alert = { kind: 'alert', category: 'inventory', severity: 'warning', title: 'SKU-9 low stock', store: 'JD Store', fields: { sku: 'SKU-9', left: 3 }, idempotency_key: 'openapi-1' };
    const first = await call('POST', '/api/v1/events', alert);
    await call('POST', '/api/v1/events', alert);
    await call('POST', '/api/v1/events', { kind: 'task_result', status: 'failed', task_name: 'price-sync', duration_ms: 1200, mention: ['zhangsan'] });
    await call('POST', '/api/v1/events', { kind: 'metric', name: 'gmv', value: 12.5, unit: 'k¥', store: 'JD Store', occurred_at: '2026-11-28T09:00:00+08:00' });
    await call('POST', '/api/v1/events', { kind: 'report', title: 'Daily', summary: 'All good', url: 'https://storeclaw.example/r/1', mention: 'all' });
    await call('POST', '/api/v1/events', { ...alert, severity: 'fatal' });
    await call('POST', '/api/v1/events', { ...alert, surprise: true });
    await call('POST', '/api/v1/events', '{"kind":');
    await call('POST', '/api/v1/events', alert, {}, false);
    await call('POST', '/api/v1/events', 'kind=alert', { 'content-type': 'application/x-www-form-urlencoded' });
    await call('POST', '/api/v1/events', { ...alert, summary: 'x'.repeat(70_000) });
    await call('POST', '/api/v1/alertmanager', {
      version: '4', status: 'firing', receiver: 'wecom', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am:9093',
      alerts: [{ status: 'firing', labels: { alertname: 'DiskFull', severity: 'critical' }, annotations: { summary: 'Disk 97%' }, startsAt: '2026-11-28T01:00:00Z', fingerprint: 'f1' }],
    });
    await call('POST', '/api/v1/alertmanager', { alerts: 'nope' });
    await call('POST', '/api/v1/hooks/grafana', fixture('grafana-firing'));
    await call('POST', '/api/v1/hooks/github', fixture('github-workflow_run-in_progress'));
    await call('POST', '/api/v1/hooks/missing', '{}');
    const id = (first.answer as { id: number }).id;
    await call('GET', `/api/v1/events/${id}`);
    await call('GET', '/api/v1/events/abc');
    await call('GET', '/api/v1/events/999999');
    await call('GET', `/api/v1/events/${id}`, undefined, {}, false);

    // The configuration: a token without the scope, exports, a dry run, a refused document, a stale If-Match.
    const admin = issueApiToken(app.deps, { name: 'openapi admin', requireSignature: false, now: Date.now(), scopes: ['admin'] }).token;
    await call('GET', '/api/v1/config');
    const exported = (await call('GET', '/api/v1/config', undefined, {}, admin)).answer as Json;
    await call('PUT', '/api/v1/config?dry_run=true', exported, {}, admin);
    await call('PUT', '/api/v1/config?dry_run=true', { ...exported, quiet_hours: { enabled: 'yes' } }, {}, admin);
    await call('PUT', '/api/v1/config', exported, { 'if-match': '"0000"' }, admin);
    await call('PUT', '/api/v1/config', 'x', { 'content-type': 'text/plain' }, admin);
    await call('POST', '/api/v1/events', alert, {}, admin);

    const statuses = new Set(exchanges.map((e) => e.status));
    expect([...statuses].sort()).toEqual([200, 202, 400, 401, 403, 404, 412, 413, 415]);
    for (const e of exchanges) {
      const { op } = operationOf(e.method, e.path);
      const answer = op.responses[String(e.status)];
      expect(answer, `${e.method} ${e.path} answered ${e.status}, which the document does not list`).toBeDefined();
      expect(validate(answer!.content!['application/json'].schema, e.answer, doc), `${e.method} ${e.path} → ${e.status}`).toEqual([]);
    }
  });

  it('accepted requests match the documented request body, and refused ones do not', () => {
    const bodies = exchanges.filter((e) => e.body !== undefined && e.path === '/api/v1/events' && e.body.startsWith('{') && e.body.length < 64 * 1024);
    expect(bodies.length).toBeGreaterThanOrEqual(7);
    for (const e of bodies) {
      const schema = operationOf(e.method, e.path).op.requestBody!.content['application/json'].schema;
      let json: unknown;
      try {
        json = JSON.parse(e.body!);
      } catch {
        continue; // broken JSON has no schema to match
      }
      const problems = validate(schema, json, doc);
      if (e.status === 202 || e.status === 200) expect(problems, e.body).toEqual([]);
      if (e.status === 400) expect(problems.length, e.body).toBeGreaterThan(0);
    }
    const puts = exchanges.filter((e) => e.method === 'PUT' && e.body?.startsWith('{'));
    expect(puts.length).toBeGreaterThanOrEqual(3);
    for (const e of puts) {
      const problems = validate(operationOf(e.method, e.path).op.requestBody!.content['application/json'].schema, JSON.parse(e.body!), doc);
      expect(problems.length === 0, `${e.status} ${e.body!.slice(0, 200)}`).toBe(e.status !== 400);
    }
    const am = exchanges.filter((e) => e.path === '/api/v1/alertmanager');
    for (const e of am) {
      const problems = validate(operationOf(e.method, e.path).op.requestBody!.content['application/json'].schema, JSON.parse(e.body!), doc);
      expect(problems.length === 0, e.body).toBe(e.status === 202);
    }
  });

  it('the console shows the document as an API reference page, served locally, in both languages', async () => {
    const admin = new ConsoleClient(app.url);
    await admin.signIn('openapi-test-pass');
    const page = await admin.get('/api-docs');
    expect(page.status).toBe(200);
    for (const path of Object.keys(doc.paths as Json)) expect(textOf(page.body)).toContain(path);
    expect(textOf(page.body)).toContain('idempotency_key');
    // Nothing is fetched from elsewhere: every script and stylesheet comes from /static.
    for (const m of page.body.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)) expect(m[1]).toMatch(/^(\/static\/|data:)/);
    const zh = await admin.get('/api-docs', { 'accept-language': 'zh-CN' });
    expect(textOf(zh.body)).toContain('API 参考');
    // Parameter descriptions (GET /api/v1/events/{id}, PUT /api/v1/config), schema descriptions and the limits in Chinese too, not in the document's English.
    const zhText = textOf(zh.body);
    const english = ['The id a POST answered', 'true: plan and answer the changes, apply nothing', 'Any JSON the mapping reads', 'A metric point: the fields of', '≤ 200 chars', 'any JSON'].filter((s) => zhText.includes(s));
    expect(english).toEqual([]);
    for (const s of ['POST 应答中的 id', '映射所读取的任意 JSON', '≤ 200 个字符']) expect(zhText).toContain(s);
    expect(textOf(page.body)).toContain('The id a POST answered');
    expect((await new ConsoleClient(app.url).get('/api-docs')).status).toBe(302);
  });

  it('API reference: the parameters tables have header cells (<th>), like its other tables', async () => {
    const admin = new ConsoleClient(app.url);
    await admin.signIn('openapi-test-pass');
    const page = await admin.get('/api-docs', { 'accept-language': 'zh-CN' });
    const tables = [...page.body.matchAll(/<h3>([^<]*)<\/h3>\s*<table>([\s\S]*?)<\/table>/g)];
    expect(tables.length).toBeGreaterThan(0);
    const withoutHeaders = tables.filter((m) => !m[2]!.includes('<th')).map((m) => m[1]);
    expect(withoutHeaders, 'tables without a single <th>, by the heading above them').toEqual([]);
  });
});
