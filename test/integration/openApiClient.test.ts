// The OpenAPI document as outside tools use it: Redocly's linter (its recommended ruleset) finds no
// error, and a client generated from the served document by openapi-typescript type-checks under
// strict TypeScript without a cast, calls every operation against a live appliance and gets the
// documented answers. Metric points are typed: a wrong one does not compile.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get, request } from 'node:http';
import { join } from 'node:path';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveHookMapping } from '../../db/queries/hooks.ts';
import { API_LICENSE } from '../../server/api/openapi.ts';
import { HOOK_EXAMPLES } from '../../server/hooks/examples.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { validate } from '../helpers/jsonSchema.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

type Json = Record<string, unknown>;

const ROOT = join(import.meta.dirname, '../..');
const DIR = join(ROOT, 'test/artifacts/openapi-client');
const PUBLIC_URL = 'https://notifier.storeclaw.test/ops';
const KEY = '7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b';

/** Warnings the recommended ruleset may give, each with why it stays. Anything else fails. */
const KNOWN_WARNINGS: Record<string, string> = {
  'info-license-strict': 'no licence has been chosen for the project yet: the document says none is granted, which has no SPDX identifier or URL',
};

/** A small client over the generated `paths`: every operation, typed by the document alone (no casts of bodies). */
const CLIENT = `
import { createHmac } from 'node:crypto';
import type { components, paths } from './api.ts';

type Schemas = components['schemas'];
type Method = 'get' | 'post' | 'put';
type Op<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type Body<P extends keyof paths, M extends Method> = Op<P, M> extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;
type Answer<P extends keyof paths, M extends Method> = Op<P, M> extends { responses: infer R }
  ? { [S in keyof R]: R[S] extends { content: { 'application/json': infer B } } ? { status: S; body: B } : never }[keyof R]
  : never;
type Params<P extends keyof paths, M extends Method> = Op<P, M> extends { parameters: { path: infer A } } ? A : never;
type Query<P extends keyof paths, M extends Method> = Op<P, M> extends { parameters: { query?: infer Q } } ? Q : never;

const base = process.env.API_URL ?? '';
const token = process.env.API_TOKEN ?? '';
const secret = process.env.API_SIGNING_SECRET ?? '';
const called: string[] = [];

async function call<P extends keyof paths, M extends Method>(
  method: M,
  path: P,
  options: { params?: Params<P, M>; query?: Query<P, M>; body?: Body<P, M>; sign?: boolean; auth?: boolean } = {},
): Promise<Answer<P, M>> {
  const search = options.query ? '?' + new URLSearchParams(Object.entries(options.query as Record<string, unknown>).map(([k, v]) => [k, String(v)])).toString() : '';
  const url = String(path).replace(/\\{(\\w+)\\}/g, (_, name: string) => String((options.params as Record<string, unknown> | undefined)?.[name])) + search;
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = {};
  if (options.auth !== false) headers.authorization = 'Bearer ' + token;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (options.sign) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    headers['x-signature-timestamp'] = timestamp;
    headers['x-signature'] = 'sha256=' + createHmac('sha256', secret).update(timestamp + '.' + (body ?? url)).digest('hex');
  }
  const res = await fetch(base + url, { method: method.toUpperCase(), headers, body });
  called.push(method + ' ' + String(path));
  return { status: res.status, body: await res.json() } as Answer<P, M>;
}

const statuses: Record<string, number> = {};

const event: Schemas['Event'] = { kind: 'alert', category: 'inventory', severity: 'warning', title: 'SKU-7 low stock', store: 'JD Store', fields: { sku: 'SKU-7', left: 2 } };
const posted = await call('post', '/api/v1/events', { body: event, sign: true });
if (posted.status !== 202) throw new Error('postEvent answered ' + posted.status);
const id: number = posted.body.id;
statuses.postEvent = posted.status;

const read = await call('get', '/api/v1/events/{id}', { params: { id }, sign: true });
if (read.status !== 200) throw new Error('getEvent answered ' + read.status);
const messageStatuses: Array<'queued' | 'sending' | 'sent' | 'failed' | 'dead' | 'merged'> = read.body.messages.map((m) => m.status);
statuses.getEvent = read.status;
console.error('message statuses:', messageStatuses.join(', '));

const points: Schemas['MetricPoint'][] = [
  { name: 'gmv', value: 1234.5, unit: 'CNY', store: 'Tmall Flagship', occurred_at: new Date().toISOString() },
  { kind: 'metric', name: 'orders', value: 42 },
];
const metrics = await call('post', '/api/v1/metrics', { body: points });
if (metrics.status !== 202) throw new Error('postMetrics answered ' + metrics.status);
const metricIds: number[] = metrics.body.events.map((e) => e.id);
statuses.postMetrics = metricIds.length === 2 ? metrics.status : -1;

const webhook: Schemas['AlertmanagerWebhook'] = {
  version: '4',
  status: 'firing',
  alerts: [{ status: 'firing', labels: { alertname: 'DiskFull', severity: 'critical' }, annotations: { summary: 'Disk 97%' }, startsAt: new Date().toISOString() }],
};
const am = await call('post', '/api/v1/alertmanager', { body: webhook });
statuses.postAlertmanager = am.status === 202 ? am.body.accepted : -1;

const payload: Schemas['HookPayload'] = { title: 'Checkout latency high', status: 'firing', message: 'p99 2.4 s' };
const hook = await call('post', '/api/v1/hooks/{name}', { params: { name: 'grafana' }, body: payload });
statuses.postHook = hook.status;

const doc = await call('get', '/api/v1/openapi.json', { auth: false });
if (doc.status !== 200) throw new Error('getOpenApi answered ' + doc.status);
const server: string = doc.body.servers[0]?.url ?? '';

const exported = await call('get', '/api/v1/config');
if (exported.status !== 200) throw new Error('getConfig answered ' + exported.status);
const quiet: Schemas['ConfigExport']['quiet_hours'] = exported.body.quiet_hours;
const edited: Schemas['ConfigDocument'] = { ...exported.body, quiet_hours: { ...quiet, enabled: !quiet.enabled } };
const planned = await call('put', '/api/v1/config', { query: { dry_run: true }, body: edited });
if (planned.status !== 200) throw new Error('putConfig answered ' + planned.status);
statuses.putConfig = planned.body.changes.filter((c) => c.section === 'quiet_hours' && c.action === 'update').length;
statuses.applied = planned.body.applied ? 1 : 0;

const refused = await call('post', '/api/v1/events', { body: event, auth: false });
const reason: string = refused.status === 401 ? refused.body.message : '';

console.log(JSON.stringify({ called, statuses, server, reason }));
`;

/** What must not compile: metric points with a wrong type, an unknown field or no name. */
const MISTAKES = `
import type { components } from './api.ts';
type Point = components['schemas']['MetricPoint'];
export const wrongValue: Point = { name: 'gmv', value: '12' };
export const unknownField: Point = { name: 'gmv', value: 1, colour: 'red' };
export const noName: Point = { value: 1 };
export const wrongKind: Point = { kind: 'alert', name: 'gmv', value: 1 };
`;

/** One strict program over the given files; the diagnostics per file. */
function typeCheck(files: string[]): Map<string, ts.Diagnostic[]> {
  const program = ts.createProgram(files, {
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: false,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules/@types')],
  });
  const byFile = new Map<string, ts.Diagnostic[]>(files.map((f) => [f, []]));
  for (const d of ts.getPreEmitDiagnostics(program)) byFile.get(d.file?.fileName ?? files[0]!)?.push(d) ?? byFile.get(files[0]!)!.push(d);
  return byFile;
}

const show = (diagnostics: ts.Diagnostic[]) =>
  diagnostics.map((d) => `${d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : ''} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`).join('\n');

describe('clients can be generated from the OpenAPI document', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let doc: Json;
  let token: string;
  let secret: string;

  beforeAll(async () => {
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    fake = await startFakeWecom({ keys: [KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { PUBLIC_URL } });
    ({ token, signingSecret: secret } = issueApiToken(app.deps, { name: 'generated client', requireSignature: false, now: Date.now(), scopes: ['send', 'admin'] }));
    saveHookMapping(app.deps.db, 'grafana', JSON.stringify(HOOK_EXAMPLES.grafana), Date.now());
    doc = (await (await fetch(`${app.url}/api/v1/openapi.json`)).json()) as Json;
  });
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
  });

  it('Redocly’s recommended ruleset finds no error, and no warning but the known ones', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(doc, null, 2), absoluteRef: 'openapi.json', config });
    const lines = problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? ''}`);
    expect(problems.filter((p) => p.severity === 'error'), lines.join('\n')).toEqual([]);
    expect(problems.filter((p) => !(p.ruleId in KNOWN_WARNINGS)).map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    // The linter does look: a document without servers is an error.
    const broken = await lintFromString({ source: JSON.stringify({ ...doc, servers: undefined }), absoluteRef: 'broken.json', config });
    expect(broken.some((p) => p.severity === 'error' && p.ruleId === 'no-empty-servers')).toBe(true);
  });

  it('has servers from PUBLIC_URL, a licence, 4xx answers and the signing scheme on every operation', () => {
    expect(doc.servers).toEqual([{ url: PUBLIC_URL, description: 'This appliance' }]);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license?: string };
    expect((doc.info as Json).license).toEqual(API_LICENSE);
    // While package.json names no licence the document grants none; once it names one, the document must say the same.
    if (pkg.license && pkg.license !== 'UNLICENSED') expect((API_LICENSE as Json).identifier).toBe(pkg.license);
    const operations = Object.values(doc.paths as Record<string, Record<string, Json>>).flatMap((methods) => Object.values(methods));
    expect(operations.length).toBeGreaterThanOrEqual(6);
    for (const op of operations) {
      expect(Object.keys(op.responses as Json).some((s) => /^4\d\d$/.test(s)), String(op.operationId)).toBe(true);
      const security = op.security as Array<Record<string, string[]>>;
      if (op.operationId === 'getOpenApi') expect(security).toEqual([]);
      else expect(security.some((alt) => 'signature' in alt && 'signatureTimestamp' in alt && 'bearer' in alt), String(op.operationId)).toBe(true);
    }
    const schemes = (doc.components as Json).securitySchemes as Record<string, Json>;
    expect(schemes.signature).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-signature' });
    expect(schemes.signatureTimestamp).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-signature-timestamp' });
  });

  it('the document’s own 4xx is real: a body over 64 KiB is refused with 413 and the documented Error', async () => {
    const answer = await new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const req = request(`${app.url}/api/v1/openapi.json`, { method: 'GET', headers: { 'content-length': String(70_000), 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end('x'.repeat(70_000));
    });
    expect(answer.status).toBe(413);
    const op = (doc.paths as Record<string, Record<string, Json>>)['/api/v1/openapi.json']!.get!;
    const documented = (op.responses as Record<string, { content: { 'application/json': { schema: Json } } }>)['413']!;
    expect(validate(documented.content['application/json'].schema, answer.body, doc)).toEqual([]);
  });

  it('servers is the request’s origin when PUBLIC_URL is unset', async () => {
    const plain = await startTestAppliance({ wecomOrigin: fake.origin });
    try {
      const served = (await (await fetch(`${plain.url}/api/v1/openapi.json`)).json()) as Json;
      expect(served.servers).toEqual([{ url: plain.url, description: 'This appliance' }]);
      // fetch sets Host itself; a proxy's request is sent with node:http.
      const proxied = await new Promise<Json>((resolve, reject) => {
        get(`${plain.url}/api/v1/openapi.json`, { headers: { host: 'notifier.lan:8443', 'x-forwarded-proto': 'https' } }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve(JSON.parse(text) as Json));
        }).on('error', reject);
      });
      expect(proxied.servers).toEqual([{ url: 'https://notifier.lan:8443', description: 'This appliance' }]);
    } finally {
      await plain.stop();
    }
  });

  it('a client generated by openapi-typescript type-checks strictly, calls every operation and gets the documented answers', async () => {
    const types = astToString(await openapiTS(doc as unknown as Parameters<typeof openapiTS>[0]));
    // Metric points are real objects, not Record<string, never> (which needs a cast to send anything).
    expect(types.slice(types.indexOf('export interface components'), types.indexOf('export type $defs'))).not.toContain('Record<string, never>');
    writeFileSync(join(DIR, 'api.ts'), types);
    writeFileSync(join(DIR, 'client.ts'), CLIENT);
    writeFileSync(join(DIR, 'mistakes.ts'), MISTAKES);

    const checked = typeCheck([join(DIR, 'client.ts'), join(DIR, 'mistakes.ts')]);
    expect(show(checked.get(join(DIR, 'client.ts'))!)).toBe('');
    const mistakes = checked.get(join(DIR, 'mistakes.ts'))!;
    const lines = new Set(mistakes.map((d) => d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1));
    expect([...lines].sort(), show(mistakes)).toEqual([4, 5, 6, 7]);

    // Run against the appliance (the client reaches it directly; servers names PUBLIC_URL, a proxy's address).
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', join(DIR, 'client.ts')],
        { cwd: ROOT, env: { PATH: process.env.PATH ?? '', API_URL: app.url, API_TOKEN: token, API_SIGNING_SECRET: secret }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }),
      );
    });
    expect(out.code, out.stderr).toBe(0);
    const result = JSON.parse(out.stdout) as { called: string[]; statuses: Record<string, number>; server: string; reason: string };
    const documented = Object.entries(doc.paths as Record<string, Record<string, Json>>).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`));
    // A new operation in the document needs its call in CLIENT above, typed by the generated types alone.
    expect(documented.filter((op) => !result.called.includes(op)), 'operations the generated client does not call yet').toEqual([]);
    expect(new Set(result.called)).toEqual(new Set(documented));
    expect(result.statuses).toEqual({ postEvent: 202, getEvent: 200, postMetrics: 202, postAlertmanager: 1, postHook: 202, putConfig: 1, applied: 0 });
    expect(result.server).toBe(PUBLIC_URL);
    expect(result.reason).toContain('Authorization');
  });
});
