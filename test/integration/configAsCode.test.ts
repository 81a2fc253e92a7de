// Configuration as code over real HTTP: GET /api/v1/config exports, PUT imports (dry run first, then
// all or nothing, audited) with tokens scoped send / read / admin; a document moves a whole setup from
// one appliance to a fresh one; secrets are never in it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../db/queries/audit.ts';
import { saveHookMapping } from '../../db/queries/hooks.ts';
import { insertMetricRule } from '../../db/queries/metricRules.ts';
import { listRefusals } from '../../db/queries/refusals.ts';
import { listReportJobs, setReportJobEnabled } from '../../db/queries/reports.ts';
import { insertSilence } from '../../db/queries/silences.ts';
import { HOOK_EXAMPLES } from '../../server/hooks/examples.ts';
import { ruleFromRow, rowFromRule } from '../../server/metricRules/ruleRows.ts';
import { getMetricRule } from '../../db/queries/metricRules.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { issueTextZh } from '../../server/configAsCode/issueText.ts';
import { MAX_SILENCE_MS } from '../../server/rules/silences.ts';
import { translator } from '../../server/strings/translate.ts';
import type { ApiScope } from '../../server/security/apiScopes.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { postEvent } from '../helpers/api.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { validate } from '../helpers/jsonSchema.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';
import { leaves, setAt } from '../helpers/jsonLeaves.ts';

type Json = Record<string, unknown>;
type Doc = Json & { quiet_hours: Json; hook_mappings: Json[]; metric_rules: Json[]; report_jobs: Json[]; silences: Json[]; message_templates: Json[]; notification_rules: Json };

const KEY = '2f3e4d5c-6b7a-4988-a7b6-c5d4e3f2a1b0';
const PASSWORD = 'config-as-code-pass';
const ROOT = join(import.meta.dirname, '../..');

async function api(app: TestAppliance, method: 'GET' | 'PUT' | 'POST', path: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(app.url + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as Json, etag: res.headers.get('etag') };
}

describe('configuration as code: export, dry run, import, scopes', () => {
  let fake: FakeWecom;
  let source: TestAppliance;
  let target: TestAppliance;
  let doc: Json;
  const tokens: Record<'send' | 'read' | 'admin' | 'targetAdmin', { token: string; secret: string }> = {} as never;

  const issue = (app: TestAppliance, name: string, scopes: ApiScope[]) => {
    const { token, signingSecret } = issueApiToken(app.deps, { name, requireSignature: false, now: Date.now(), scopes });
    return { token, secret: signingSecret };
  };
  const exportOf = async (app: TestAppliance, token: string) => {
    const res = await api(app, 'GET', '/api/v1/config', token);
    expect(res.status).toBe(200);
    return res.json as Doc;
  };
  const withoutTime = ({ exported_at: _, ...rest }: Json) => rest;
  const imports = (app: TestAppliance) => listAudit(app.deps.db, { limit: 1000 }).filter((a) => a.action === 'config.import');

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    source = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD } });
    target = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD } });
    const admin = new ConsoleClient(source.url);
    await admin.signIn(PASSWORD);
    expect((await admin.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);

    // A setup worth keeping in git: rules and quiet hours, a template, two hooks, a metric rule, a report job, a silence.
    const s = source.deps.settings;
    s.setRules({ ...s.rules(), minSeverity: 'warning', categories: { ...s.rules().categories, ads: false }, quietHours: { enabled: true, start: '23:00', end: '07:30', timeZone: 'Asia/Shanghai', nonWorkdays: true } });
    s.setDelivery({ ...s.delivery(), format: 'text', language: 'en' });
    s.saveTemplate({ kind: 'alert', category: 'inventory', lang: 'en' }, '**{{title}}** {{store}}\n{{summary}}');
    saveHookMapping(source.deps.db, 'grafana', JSON.stringify(HOOK_EXAMPLES.grafana), Date.now());
    saveHookMapping(source.deps.db, 'zabbix', JSON.stringify(HOOK_EXAMPLES.zabbix), Date.now());
    const ruleId = insertMetricRule(
      source.deps.db,
      rowFromRule({
        name: '退款率过高',
        metric: 'refund_rate',
        store: null,
        condition: { type: 'threshold', op: 'above', value: 5 },
        hold: { kind: 'duration', minutes: 15 },
        severity: 'critical',
        category: 'orders',
        mention: ['zhangsan'],
        title: '{{metric}} {{value}}{{unit}} ({{store}})',
        reminderHours: 4,
        enabled: true,
      }),
      Date.now(),
    );
    source.deps.metricRules?.ruleSaved(undefined, ruleFromRow(getMetricRule(source.deps.db, ruleId)!));
    const jobs = await admin.submit('/reports', { name: 'GMV morning', type: 'custom', cron: '30 8 * * 1-5', timezone: 'Asia/Shanghai', template: 'GMV {{metric "gmv"}}', enabled: 'on', calendar: 'workdays_cn' });
    expect(jobs.redirectedTo).toMatch(/^\/reports\/\d+/);
    insertSilence(source.deps.db, { category: 'inventory', title: 'SKU-1 low stock', store: 'JD Store', createdAt: Date.now(), until: Date.now() + 86_400_000 });

    tokens.send = issue(source, 'sender', ['send']);
    tokens.read = issue(source, 'exporter', ['read']);
    tokens.admin = issue(source, 'gitops', ['admin']);
    tokens.targetAdmin = issue(target, 'gitops', ['admin']);
    doc = await exportOf(source, tokens.read.token);
  }, 60_000);
  afterAll(async () => {
    await source?.stop();
    await target?.stop();
    await fake?.close();
  });

  it('exports every section as one versioned document that matches the API document’s schema', async () => {
    const res = await api(source, 'GET', '/api/v1/config', tokens.read.token);
    expect(res.etag).toMatch(/^"[0-9a-f]{32}"$/);
    const d = doc as Doc;
    expect(d).toMatchObject({ format: 'storeclaw-notifier-config', version: 1 });
    expect(d.quiet_hours).toEqual({ enabled: true, start: '23:00', end: '07:30', time_zone: 'Asia/Shanghai', non_workdays: true });
    expect(d.notification_rules).toMatchObject({ min_severity: 'warning', format: 'text', language: 'en' });
    expect((d.notification_rules.categories as Json).ads).toBe(false);
    expect(d.message_templates).toEqual([{ kind: 'alert', category: 'inventory', lang: 'en', body: '**{{title}}** {{store}}\n{{summary}}' }]);
    expect(d.hook_mappings.map((h) => h.name)).toEqual(['grafana', 'zabbix']);
    expect(d.hook_mappings[0]).toMatchObject({ title: HOOK_EXAMPLES.grafana.title, severity_map: HOOK_EXAMPLES.grafana.severityMap });
    expect(d.metric_rules).toEqual([
      expect.objectContaining({ name: '退款率过高', condition: { type: 'threshold', op: 'above', value: 5 }, hold: { kind: 'duration', minutes: 15 }, mention: ['zhangsan'], reminder_hours: 4 }),
    ]);
    expect(d.report_jobs.map((j) => j.name)).toContain('GMV morning');
    expect(d.report_jobs.find((j) => j.name === 'GMV morning')).toMatchObject({ type: 'custom', cron: '30 8 * * 1-5', template: 'GMV {{metric "gmv"}}', enabled: true, calendar: 'workdays_cn' });
    expect(d.silences).toEqual([expect.objectContaining({ category: 'inventory', title: 'SKU-1 low stock', store: 'JD Store' })]);
    const openapi = (await (await fetch(`${source.url}/api/v1/openapi.json`)).json()) as Json;
    expect(validate({ $ref: '#/components/schemas/ConfigExport' }, doc, openapi)).toEqual([]);
  });

  it('never holds a secret: not the webhook key, a token, a signing secret or the password', async () => {
    const text = JSON.stringify(doc);
    const secrets = [KEY, KEY.slice(-4), PASSWORD, ...Object.values(tokens).flatMap((t) => [t.token, t.secret])];
    for (const secret of secrets) expect(text.includes(secret), `the export holds ${secret.slice(0, 6)}…`).toBe(false);
    expect(text).not.toMatch(/scn_|scs_|qyapi|webhook\/send|key=/);
    // The file a person downloads from the console is the same document.
    const admin = new ConsoleClient(source.url);
    await admin.signIn(PASSWORD);
    const download = await admin.get('/settings/config/export');
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toMatch(/attachment; filename="notifier-config-\d{8}-\d{6}\.json"/);
    for (const secret of secrets) expect(download.body.includes(secret)).toBe(false);
    expect(withoutTime(JSON.parse(download.body) as Json)).toEqual(withoutTime(doc));
  });

  it('scopes: send sends, read exports, admin imports (and exports); each refusal is a 403 that names the scope', async () => {
    const event = { kind: 'alert', title: 'scoped' };
    expect((await postEvent(source.url, tokens.send.token, event)).status).toBe(202);
    for (const t of [tokens.read, tokens.admin]) {
      const res = await postEvent(source.url, t.token, event);
      expect(res.status).toBe(403);
      expect(res.json).toMatchObject({ error: 'forbidden', message: expect.stringContaining('"send" scope') });
    }
    expect((await api(source, 'GET', '/api/v1/config', tokens.send.token)).status).toBe(403);
    expect((await api(source, 'GET', '/api/v1/config', tokens.admin.token)).status).toBe(200);
    const put = await api(source, 'PUT', '/api/v1/config?dry_run=true', tokens.read.token, doc);
    expect(put.status).toBe(403);
    expect(put.json.message).toContain('"admin" scope');
    expect((await api(source, 'PUT', '/api/v1/config?dry_run=true', tokens.send.token, doc)).status).toBe(403);
    expect((await api(source, 'GET', '/api/v1/events/1', tokens.read.token)).status).toBe(403);
    expect((await api(source, 'PUT', '/api/v1/config', undefined, doc)).status).toBe(401);
    // Refusals are listed on the Inbound API page, counted per source and reason, with the latest
    // token's prefix, never the token: the six 403s above from this client are one row, the event
    // status's included; the configuration's 401 is listed too.
    const refusals = listRefusals(source.deps.db).filter((r) => r.reason === 'missing_scope');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ count: 6, tokenPrefix: tokens.read.token.slice(0, 8), path: '/api/v1/events/1' });
    expect(listRefusals(source.deps.db).filter((r) => r.reason === 'no_token')).toMatchObject([{ count: 1, path: '/api/v1/config' }]);
    // A guessed token on the event status is listed as on intake.
    expect((await api(source, 'GET', '/api/v1/events/1', 'scn_guessed0000000000000000000000')).status).toBe(401);
    expect(listRefusals(source.deps.db).filter((r) => r.path === '/api/v1/events/1' && r.reason !== 'missing_scope')).toHaveLength(1);
  });

  it('a token from before scopes (the migration’s default) still sends and reads back its events, and nothing more', async () => {
    const { id, token } = issueApiToken(source.deps, { name: 'old sender', requireSignature: false, now: Date.now() });
    source.deps.db.$client.prepare(`UPDATE api_tokens SET scopes = '["send"]' WHERE id = ?`).run(id);
    const sent = await postEvent(source.url, token, { kind: 'alert', title: 'from an old token' });
    expect(sent.status).toBe(202);
    expect((await api(source, 'GET', `/api/v1/events/${sent.json.id as number}`, token)).status).toBe(200);
    expect((await api(source, 'GET', '/api/v1/config', token)).status).toBe(403);
  });

  it('dry run lists every change and changes nothing; the import applies all of it, audited; the round trip is exact', async () => {
    const before = await exportOf(target, tokens.targetAdmin.token);
    const dry = await api(target, 'PUT', '/api/v1/config?dry_run=true', tokens.targetAdmin.token, doc);
    expect(dry.status, dry.text).toBe(200);
    expect(dry.json).toMatchObject({ dry_run: true, applied: false, untouched: [], ended_silences: [] });
    const changes = dry.json.changes as Array<{ section: string; action: string; item: string; fields?: string[] }>;
    expect(changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ section: 'notification_rules', action: 'update', fields: expect.arrayContaining(['min_severity', 'categories', 'format', 'language']) }),
        { section: 'quiet_hours', action: 'update', item: 'quiet_hours', fields: ['enabled', 'start', 'end', 'non_workdays'] },
        { section: 'message_templates', action: 'create', item: 'alert/inventory/en' },
        { section: 'hook_mappings', action: 'create', item: 'grafana' },
        { section: 'hook_mappings', action: 'create', item: 'zabbix' },
        { section: 'metric_rules', action: 'create', item: '退款率过高' },
        { section: 'report_jobs', action: 'create', item: 'GMV morning' },
        { section: 'silences', action: 'create', item: 'inventory/SKU-1 low stock/JD Store' },
      ]),
    );
    expect(withoutTime(await exportOf(target, tokens.targetAdmin.token))).toEqual(withoutTime(before));
    expect(imports(target)).toEqual([]);

    const applied = await api(target, 'PUT', '/api/v1/config', tokens.targetAdmin.token, doc, { 'if-match': `"${dry.json.base as string}"` });
    expect(applied.status, applied.text).toBe(200);
    expect(applied.json).toMatchObject({ dry_run: false, applied: true, base: dry.json.base, changes });
    const after = await exportOf(target, tokens.targetAdmin.token);
    expect(withoutTime(after)).toEqual(withoutTime(doc));
    expect(applied.json.result).toBe((await api(target, 'GET', '/api/v1/config', tokens.targetAdmin.token)).etag!.replaceAll('"', ''));

    // In force at once: settings, the metric rule engine, the report timers, the hooks.
    expect(target.deps.settings.rules().quietHours).toEqual({ enabled: true, start: '23:00', end: '07:30', timeZone: 'Asia/Shanghai', nonWorkdays: true });
    expect(target.deps.db.$client.prepare(`SELECT calendar FROM report_jobs WHERE name = 'GMV morning'`).get()).toEqual({ calendar: 'workdays_cn' });
    expect(target.deps.settings.delivery().format).toBe('text');
    expect(target.deps.metricRules?.rules().map((r) => r.name)).toEqual(['退款率过高']);
    const job = target.deps.db.$client.prepare(`SELECT id FROM report_jobs WHERE name = 'GMV morning'`).get() as { id: number };
    expect(target.deps.reports?.nextRunOf(job.id)).toBeGreaterThan(Date.now());
    const grafana = await postEvent(target.url, issue(target, 'grafana sender', ['send']).token, readFileSync(join(ROOT, 'test/fixtures/hooks/grafana-firing.json'), 'utf8'), { path: '/api/v1/hooks/grafana' });
    expect(grafana.status).toBe(202);

    const audit = imports(target);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor).toBe('api');
    const detail = JSON.parse(audit[0]!.detail!) as Json;
    expect(detail.token).toMatchObject({ name: 'gitops', prefix: tokens.targetAdmin.token.slice(0, 8) });
    expect(detail.counts).toMatchObject({ hook_mappings: { create: 2 }, metric_rules: { create: 1 } });
    expect(audit[0]!.detail).not.toContain(tokens.targetAdmin.token);

    // Importing the same document again changes nothing and is not another audit entry.
    const again = await api(target, 'PUT', '/api/v1/config', tokens.targetAdmin.token, doc);
    expect(again.json).toMatchObject({ applied: false, changes: [] });
    expect(imports(target)).toHaveLength(1);
  });

  it('a section left out stays; a section given replaces (updates by name, deletes what it no longer lists)', async () => {
    const current = await exportOf(target, tokens.targetAdmin.token);
    const next = {
      format: 'storeclaw-notifier-config',
      version: 1,
      hook_mappings: [{ ...current.hook_mappings.find((h) => h.name === 'grafana'), title: 'Grafana: {{title}}' }],
    };
    const res = await api(target, 'PUT', '/api/v1/config', tokens.targetAdmin.token, next);
    expect(res.status, res.text).toBe(200);
    expect(res.json.changes).toEqual([
      { section: 'hook_mappings', action: 'update', item: 'grafana', fields: ['title'] },
      { section: 'hook_mappings', action: 'delete', item: 'zabbix' },
    ]);
    expect(res.json.untouched).toEqual(['notification_rules', 'quiet_hours', 'message_templates', 'metric_rules', 'report_jobs', 'silences']);
    const after = await exportOf(target, tokens.targetAdmin.token);
    expect(after.hook_mappings.map((h) => [h.name, h.title])).toEqual([['grafana', 'Grafana: {{title}}']]);
    expect(after.metric_rules).toEqual(current.metric_rules);
  });

  it('refuses a document with problems, naming each field path, and changes nothing', async () => {
    const before = await api(target, 'GET', '/api/v1/config', tokens.targetAdmin.token);
    const bad = structuredClone(doc) as Doc;
    bad.report_jobs.push({ ...bad.report_jobs[0], name: 'Broken', cron: '61 * * * *' });
    bad.hook_mappings[1] = { ...bad.hook_mappings[1], title: '{{subject' };
    (bad.metric_rules[0]!.condition as Json).value = 'five';
    bad.quiet_hours = { ...bad.quiet_hours, time_zone: 'Mars/Olympus' };
    (bad as Json).channel = { url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x' };
    const res = await api(target, 'PUT', '/api/v1/config?dry_run=true', tokens.targetAdmin.token, bad);
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_config');
    const paths = (res.json.issues as Array<{ path: string }>).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining([`report_jobs.${bad.report_jobs.length - 1}.cron`, 'metric_rules.0.condition.value', 'quiet_hours.time_zone', 'channel']));
    expect(res.json.message).toMatch(/^[a-z_]+(\.\w+)*: /);
    // Shape problems are reported before the deeper checks; the mapping's is found once the shape is right.
    const hookOnly = structuredClone(doc) as Doc;
    hookOnly.hook_mappings[1] = { ...hookOnly.hook_mappings[1], title: '{{subject' };
    const hook = await api(target, 'PUT', '/api/v1/config', tokens.targetAdmin.token, hookOnly);
    expect(hook.status).toBe(400);
    expect(hook.json.issues).toEqual([{ path: 'hook_mappings.1.title', message: '"{{" without a closing "}}"' }]);
    const version = await api(target, 'PUT', '/api/v1/config', tokens.targetAdmin.token, { ...doc, version: 2 });
    expect(version.json.issues).toEqual([{ path: 'version', message: 'this appliance reads version 1 documents' }]);
    expect((await api(target, 'PUT', '/api/v1/config', tokens.targetAdmin.token, '{"format":')).json.error).toBe('invalid_json');
    // A document saved in GBK is refused, not applied with U+FFFD in its templates.
    const gbk = await fetch(target.url + '/api/v1/config', {
      method: 'PUT',
      headers: { authorization: `Bearer ${tokens.targetAdmin.token}`, 'content-type': 'application/json' },
      body: Buffer.concat([Buffer.from('{"format":"'), Buffer.from([0xbf, 0xe2, 0xb4, 0xe6]), Buffer.from('"}')]),
    });
    expect(gbk.status).toBe(400);
    expect(((await gbk.json()) as { error: string }).error).toBe('invalid_encoding');
    expect((await api(target, 'GET', '/api/v1/config', tokens.targetAdmin.token)).etag).toBe(before.etag);
  });

  it('refuses a message template the console refuses because it renders to nothing, with the console’s reason', async () => {
    // The console's form refuses `{{store}}`: an alert without a store would render nothing.
    const admin = new ConsoleClient(target.url);
    await admin.signIn(PASSWORD);
    const form = await admin.postForm('/notifications/templates', { kind: 'alert', category: 'all', lang: 'en', body: '{{store}}', action: 'save' });
    expect(form.status).toBe(422);
    const templates = [
      { kind: 'alert', category: 'inventory', lang: 'en', body: '{{store}}' },
      { kind: 'task_result', category: null, lang: 'zh', body: '店铺：{{store}}\n{{fields}}' },
      { kind: 'heartbeat', category: null, lang: 'en', body: '{{heartbeat.name}}' },
      { kind: 'resolved', category: null, lang: 'en', body: '{{badge}} {{store}}' },
    ];
    const res = await api(target, 'PUT', '/api/v1/config?dry_run=true', tokens.targetAdmin.token, { format: 'storeclaw-notifier-config', version: 1, message_templates: templates });
    expect(res.status).toBe(400);
    const reason = translator('en')('templates.error.rendersEmpty');
    expect(res.json.issues).toEqual([
      { path: 'message_templates.0.body', message: reason },
      { path: 'message_templates.1.body', message: reason },
    ]);
    expect(issueTextZh(reason)).toBe(translator('zh')('templates.error.rendersEmpty'));
  });

  it('refuses a hook mapping named "new", which the console cannot open, edit or delete (/hooks/new is its editor for a new mapping)', async () => {
    const admin = new ConsoleClient(target.url);
    await admin.signIn(PASSWORD);
    expect((await admin.get('/hooks/new?name=new&start=blank')).status).toBe(422);
    const mapping = { name: 'new', title: '{{title}}', summary: '', severity: '', severity_map: '', default_severity: 'warning', category: '', default_category: 'other', store: '', url: '', idempotency_key: '', fields: '', drop_when: '' };
    const res = await api(target, 'PUT', '/api/v1/config', tokens.targetAdmin.token, { format: 'storeclaw-notifier-config', version: 1, hook_mappings: [mapping] });
    expect(res.status).toBe(400);
    expect(res.json.issues).toEqual([{ path: 'hook_mappings.0.name', message: 'must be 1-40 lower-case letters, digits, "-" or "_", starting with a letter or digit, and not "new"' }]);
    expect(issueTextZh((res.json.issues as Array<{ message: string }>)[0]!.message)).toBe('必须是 1 到 40 个小写字母、数字、- 或 _，并以字母或数字开头，且不能是“new”');
    // So no mapping is ever called that: its endpoint has none to apply.
    expect((await postEvent(target.url, issue(target, 'hook sender', ['send']).token, { title: 'x' }, { path: '/api/v1/hooks/new' })).json.error).toBe('hook_not_found');
  });

  it('refuses critical mention "list" with nobody on it, as the Notifications form refuses it', async () => {
    const current = (await api(target, 'GET', '/api/v1/config', tokens.targetAdmin.token)).json;
    const rules = { ...(current.notification_rules as Json), critical_mention: { mode: 'list', targets: [] } };
    const res = await api(target, 'PUT', '/api/v1/config?dry_run=true', tokens.targetAdmin.token, { format: 'storeclaw-notifier-config', version: 1, notification_rules: rules });
    expect(res.status, `accepted a mention list with nobody on it: ${res.text.slice(0, 300)}`).toBe(400);
    expect(res.json.issues).toEqual([{ path: 'notification_rules.critical_mention.targets', message: 'must list at least one user id or mobile number when the mode is "list"' }]);
    expect(issueTextZh((res.json.issues as Array<{ message: string }>)[0]!.message)).toBe('提醒方式（mode）为 "list" 时，至少列出一个用户 ID 或手机号');
  });

  it('refuses a silence ending more than a year ahead, as the Mute form does ("Choose a date from today to a year ahead")', async () => {
    const doc = (until: string) => ({ format: 'storeclaw-notifier-config', version: 1, silences: [{ category: 'orders', title: 'Refund spike', store: '', until }] });
    const far = await api(target, 'PUT', '/api/v1/config?dry_run=true', tokens.targetAdmin.token, doc('2099-01-01T00:00:00+08:00'));
    expect(far.status, `a silence until 2099 (an alert muted for good) was accepted: ${far.text.slice(0, 300)}`).toBe(400);
    expect(far.json.issues).toEqual([{ path: 'silences.0.until', message: 'must be at most a year ahead' }]);
    expect(issueTextZh('must be at most a year ahead')).toBe('不能晚于一年之后');
    // The bound is the Mute form's, from the import's clock: an export of console silences always imports again.
    const justOver = await api(target, 'PUT', '/api/v1/config?dry_run=true', tokens.targetAdmin.token, doc(new Date(Date.now() + MAX_SILENCE_MS + 60_000).toISOString()));
    expect(justOver.status).toBe(400);
    const within = await api(target, 'PUT', '/api/v1/config?dry_run=true', tokens.targetAdmin.token, doc(new Date(Date.now() + MAX_SILENCE_MS - 60_000).toISOString()));
    expect(within.status, within.text).toBe(200);
  });

  it('applies only onto the state its dry run saw (If-Match), else 412', async () => {
    const dry = await api(target, 'PUT', '/api/v1/config?dry_run=true', tokens.targetAdmin.token, doc);
    // Someone changes the setup in between.
    target.deps.settings.setRules({ ...target.deps.settings.rules(), dedupeWindowMinutes: 3 });
    const res = await api(target, 'PUT', '/api/v1/config', tokens.targetAdmin.token, doc, { 'if-match': `"${dry.json.base as string}"` });
    expect(res.status).toBe(412);
    expect(res.json.error).toBe('config_changed');
    expect(target.deps.settings.rules().dedupeWindowMinutes).toBe(3);
  });

  it('all or nothing: a write failing midway leaves every section, the caches and the audit log as they were', async () => {
    const before = await api(target, 'GET', '/api/v1/config', tokens.targetAdmin.token);
    const rulesBefore = target.deps.settings.rules();
    const auditBefore = imports(target).length;
    const sqlite = target.deps.db.$client;
    // Settings, templates, hooks and metric rules are written before report jobs: the failure comes late.
    sqlite.exec(`CREATE TRIGGER fail_report_insert BEFORE INSERT ON report_jobs BEGIN SELECT RAISE(ABORT, 'simulated failure'); END`);
    try {
      const changed = structuredClone(doc) as Doc;
      changed.quiet_hours = { ...changed.quiet_hours, enabled: false };
      changed.hook_mappings.push({ ...changed.hook_mappings[0], name: 'grafana-2' });
      changed.metric_rules.push({ ...changed.metric_rules[0], name: 'second rule' });
      changed.report_jobs.push({ ...changed.report_jobs[0], name: 'Another job' });
      const res = await api(target, 'PUT', '/api/v1/config', tokens.targetAdmin.token, changed);
      expect(res.status).toBe(500);
    } finally {
      sqlite.exec('DROP TRIGGER fail_report_insert');
    }
    expect((await api(target, 'GET', '/api/v1/config', tokens.targetAdmin.token)).text.replace(/"exported_at":"[^"]+"/, '')).toBe(before.text.replace(/"exported_at":"[^"]+"/, ''));
    expect(target.deps.settings.rules()).toEqual(rulesBefore);
    expect(target.deps.metricRules?.rules().map((r) => r.name)).toEqual(['退款率过高']);
    expect(imports(target)).toHaveLength(auditBefore);
  });

  it('the console: Settings downloads the document; an import is previewed change by change, then applied, audited', async () => {
    const admin = new ConsoleClient(target.url);
    await admin.signIn(PASSWORD);
    const settings = await admin.get('/settings');
    expect(textOf(settings.body)).toContain('Configuration as code');
    const zh = await admin.get('/settings', { 'accept-language': 'zh-CN' });
    expect(textOf(zh.body)).toContain('配置即代码');

    // Bad document: every problem with its path, nothing changed.
    const etag = (await api(target, 'GET', '/api/v1/config', tokens.targetAdmin.token)).etag;
    const badDoc = { ...doc, quiet_hours: { ...(doc as Doc).quiet_hours, start: '25:00' } };
    const bad = await admin.postForm('/settings/config/import', { document: JSON.stringify(badDoc) });
    expect(bad.status).toBe(400);
    expect(textOf(bad.body)).toContain('quiet_hours.start');
    const badZh = await admin.postForm('/settings/config/import', { document: JSON.stringify(badDoc) }, { 'accept-language': 'zh-CN' });
    expect(textOf(badZh.body)).toContain('文档未导入');
    expect(textOf(badZh.body)).toContain('quiet_hours.start 必须是 22:00 这样的时间');
    expect((await admin.postForm('/settings/config/import', { document: '{"format": ' })).status).toBe(400);
    expect(textOf((await admin.postForm('/settings/config/import', { document: ' ' })).body)).toContain('Paste a configuration document');

    // A file chosen in the form (multipart), previewed: the changes are listed, nothing applied yet.
    const wanted = { format: 'storeclaw-notifier-config', version: 1, quiet_hours: { enabled: false, start: '22:00', end: '08:00', time_zone: 'Asia/Shanghai' } };
    const form = new FormData();
    form.set('_csrf', admin.csrf!);
    form.set('file', new File([JSON.stringify(wanted)], 'config.json', { type: 'application/json' }));
    const preview = await admin.request('POST', '/settings/config/import', { body: form as unknown as string });
    expect(preview.status, textOf(preview.body).slice(0, 300)).toBe(200);
    expect(textOf(preview.body)).toContain('Quiet hours');
    expect(textOf(preview.body)).toContain('enabled, start, end');
    expect((await api(target, 'GET', '/api/v1/config', tokens.targetAdmin.token)).etag).toBe(etag);
    const base = /name="base" value="([0-9a-f]+)"/.exec(preview.body)![1]!;
    const sentDocument = /name="document" value="([^"]*)"/.exec(preview.body)![1]!.replaceAll('&quot;', '"').replaceAll('&amp;', '&');
    expect(JSON.parse(sentDocument)).toEqual(wanted);

    // Changed by someone else since the preview: shown again, not applied.
    target.deps.settings.setRules({ ...target.deps.settings.rules(), dedupeWindowMinutes: 7 });
    const stale = await admin.postForm('/settings/config/apply', { base, document: sentDocument });
    expect(stale.status).toBe(409);
    expect(textOf(stale.body)).toContain('changed after this preview');
    expect(target.deps.settings.rules().quietHours.enabled).toBe(true);

    const freshBase = /name="base" value="([0-9a-f]+)"/.exec(stale.body)![1]!;
    const applied = await admin.submit('/settings/config/apply', { base: freshBase, document: sentDocument });
    expect(applied.redirectedTo).toBe('/settings#config');
    expect(textOf(applied.body)).toContain('Configuration imported: 1 changes applied.');
    // non_workdays left out of the document: off.
    expect(target.deps.settings.rules().quietHours).toEqual({ enabled: false, start: '22:00', end: '08:00', timeZone: 'Asia/Shanghai', nonWorkdays: false });
    const last = imports(target).at(0)!;
    expect(last.actor).toBe('admin');
    expect(JSON.parse(last.detail!)).toMatchObject({ counts: { quiet_hours: { update: 1 } } });
  });

  it('property: any one value changed is refused (400) or imported, and then the export re-imports with no change', async () => {
    const start = await exportOf(source, tokens.admin.token);
    const paths = leaves(start).filter((p) => p[0] !== 'exported_at');
    const values = fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom('', ' ', '*/5 * * * *', 'UTC', 'none', 'all', 0, -1, 1e13, null, '{{title}}', 'critical', 'points'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), values, async (path, value) => {
        const res = await api(target, 'PUT', '/api/v1/config', tokens.targetAdmin.token, setAt(start, path, value));
        expect([200, 400], `${path.join('.')} = ${JSON.stringify(value)}: ${res.text.slice(0, 300)}`).toContain(res.status);
        if (res.status !== 200) return;
        const again = await api(target, 'PUT', '/api/v1/config?dry_run=true', tokens.targetAdmin.token, await exportOf(target, tokens.targetAdmin.token));
        expect(again.json.changes, `${path.join('.')} = ${JSON.stringify(value)}`).toEqual([]);
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it('a full disk (SQLITE_FULL) midway: 503, nothing imported, and the same import succeeds once space is back', async () => {
    const sqlite = target.deps.db.$client;
    const before = await api(target, 'GET', '/api/v1/config', tokens.targetAdmin.token);
    const templates = (['alert', 'resolved', 'task_result'] as const).flatMap((kind) =>
      ['orders', 'inventory', 'ads', 'products', 'store', 'task', 'other'].flatMap((category) => (['zh', 'en'] as const).map((lang) => ({ kind, category, lang, body: `{{title}} ${'x'.repeat(3900)}` }))),
    );
    const big = { format: 'storeclaw-notifier-config', version: 1, message_templates: templates };
    sqlite.pragma(`max_page_count = ${(sqlite.pragma('page_count', { simple: true }) as number) + 8}`);
    try {
      const full = await api(target, 'PUT', '/api/v1/config', tokens.targetAdmin.token, big);
      expect(full.status, full.text).toBe(503);
      expect(full.json).toMatchObject({ error: 'storage_unavailable', message: expect.stringContaining('Nothing was changed') });
    } finally {
      sqlite.pragma('max_page_count = 1073741823');
    }
    expect((await api(target, 'GET', '/api/v1/config', tokens.targetAdmin.token)).etag).toBe(before.etag);
    const ok = await api(target, 'PUT', '/api/v1/config', tokens.targetAdmin.token, big);
    expect(ok.status, ok.text).toBe(200);
    expect((await exportOf(target, tokens.targetAdmin.token)).message_templates).toHaveLength(templates.length);
  });

  it('refuses a dry_run that is not true or false, and a console document over 1 MiB, saying why', async () => {
    const res = await api(target, 'PUT', '/api/v1/config?dry_run=maybe', tokens.targetAdmin.token, doc);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'invalid_query', message: 'dry_run: must be true or false' });
    const admin = new ConsoleClient(target.url);
    await admin.signIn(PASSWORD);
    await admin.get('/settings');
    const huge = await admin.postForm('/settings/config/import', { document: JSON.stringify({ ...doc, padding: 'x'.repeat(1024 * 1024) }) });
    expect(huge.status).toBe(400);
    expect(textOf(huge.body)).toContain('larger than 1024 KiB');
  });

  it('bounds: a document over 1 MiB is refused with 413, a list over its cap with the path', async () => {
    const huge = await api(target, 'PUT', '/api/v1/config', tokens.targetAdmin.token, JSON.stringify({ ...doc, padding: 'x'.repeat(1024 * 1024) }));
    expect(huge.status).toBe(413);
    const until = new Date(Date.now() + 86_400_000).toISOString();
    const many = { format: 'storeclaw-notifier-config', version: 1, silences: Array.from({ length: 501 }, (_, i) => ({ category: 'other', title: `t${i}`, store: '', until })) };
    const res = await api(target, 'PUT', '/api/v1/config?dry_run=true', tokens.targetAdmin.token, many);
    expect(res.json.issues).toEqual([{ path: 'silences', message: 'must hold at most 500 items' }]);
  });
});

describe('configuration as code on a fresh appliance: round trips', () => {
  let fake: FakeWecom;
  const apps: TestAppliance[] = [];
  const start = async () => {
    const app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD } });
    apps.push(app);
    return app;
  };
  const adminToken = (app: TestAppliance) => issueApiToken(app.deps, { name: 'gitops', requireSignature: false, now: Date.now(), scopes: ['admin'] }).token;
  const withoutTime = ({ exported_at: _, ...rest }: Json) => rest;
  const exportReimports = async (app: TestAppliance) => {
    const token = adminToken(app);
    const doc = (await api(app, 'GET', '/api/v1/config', token)).json;
    const back = await api(app, 'PUT', '/api/v1/config?dry_run=true', token, doc);
    expect(back.status, back.text).toBe(200);
  };
  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
  });
  afterAll(async () => {
    for (const a of apps) await a.stop();
    await fake?.close();
  });

  it('report jobs the document says are off stay off on the target once its bot is connected', async () => {
    // Source: bot connected (the seeded jobs switch on), then the admin switches them off on purpose.
    const source = await start();
    const admin = new ConsoleClient(source.url);
    await admin.signIn(PASSWORD);
    expect((await admin.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
    for (const job of listReportJobs(source.deps.db)) setReportJobEnabled(source.deps.db, job.id, false, Date.now());
    source.deps.reports?.reschedule();
    const doc = (await api(source, 'GET', '/api/v1/config', adminToken(source))).json;
    expect((doc.report_jobs as Json[]).length).toBeGreaterThan(0);
    expect((doc.report_jobs as Json[]).every((j) => j.enabled === false)).toBe(true);

    // Target: fresh appliance, imports the document, then connects its bot.
    const target = await start();
    const token = adminToken(target);
    // The dry run says what the import does: no field changes, the waiting seeded jobs kept off.
    const dry = await api(target, 'PUT', '/api/v1/config?dry_run=true', token, doc);
    expect(dry.status, dry.text).toBe(200);
    expect((dry.json.changes as Json[]).filter((c) => c.section === 'report_jobs')).toEqual([]);
    expect(dry.json.report_jobs_kept_off).toEqual((doc.report_jobs as Json[]).map((j) => j.name));
    const console_ = new ConsoleClient(target.url);
    await console_.signIn(PASSWORD);
    await console_.get('/settings');
    const preview = await console_.postForm('/settings/config/import', { document: JSON.stringify(doc) });
    expect(preview.status).toBe(200);
    expect(textOf(preview.body)).toContain('kept off as the document says');
    expect(preview.body).toContain('action="/settings/config/apply"');
    const put = await api(target, 'PUT', '/api/v1/config', token, doc);
    expect(put.status, put.text).toBe(200);
    expect(put.json.applied).toBe(true);
    expect(withoutTime((await api(target, 'GET', '/api/v1/config', token)).json)).toEqual(withoutTime(doc));
    expect((await api(target, 'PUT', '/api/v1/config?dry_run=true', token, doc)).json.report_jobs_kept_off).toEqual([]);
    const targetAdmin = new ConsoleClient(target.url);
    await targetAdmin.signIn(PASSWORD);
    expect((await targetAdmin.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);

    const after = (await api(target, 'GET', '/api/v1/config', token)).json;
    expect((after.report_jobs as Json[]).map((j) => [j.name, j.enabled])).toEqual((doc.report_jobs as Json[]).map((j) => [j.name, false]));
  }, 60_000);

  it('a document that leaves out optional fields already in force plans no change (and writes no audit entry)', async () => {
    const app = await start();
    const token = adminToken(app);
    const current = (await api(app, 'GET', '/api/v1/config', token)).json;
    const qh = { ...(current.quiet_hours as Json) };
    expect(qh.non_workdays).toBe(false);
    delete qh.non_workdays;
    const jobs = (current.report_jobs as Json[]).map(({ calendar: _, ...j }) => j);
    const dry = await api(app, 'PUT', '/api/v1/config?dry_run=true', token, { format: 'storeclaw-notifier-config', version: 1, quiet_hours: qh, report_jobs: jobs });
    expect(dry.status, dry.text).toBe(200);
    expect(dry.json.changes).toEqual([]);

    // skip_holidays the same: left out, false or as exported, a change rule imported once plans nothing more.
    const rule = { name: '日环比', metric: 'gmv', store: null, condition: { type: 'change', baseline: '1d', direction: 'down', by: 'percent', amount: 20 }, hold: { kind: 'points', count: 1 }, severity: 'warning', category: 'orders', mention: 'none', title: '{{metric}} {{value}}', reminder_hours: 4, enabled: true };
    const doc = { format: 'storeclaw-notifier-config', version: 1, metric_rules: [rule] };
    expect((await api(app, 'PUT', '/api/v1/config', token, doc)).status).toBe(200);
    for (const again of [doc, { ...doc, metric_rules: [{ ...rule, condition: { ...rule.condition, skip_holidays: false } }] }, { ...doc, metric_rules: (await api(app, 'GET', '/api/v1/config', token)).json.metric_rules }]) {
      const res = await api(app, 'PUT', '/api/v1/config?dry_run=true', token, again);
      expect(res.status, res.text).toBe(200);
      expect(res.json.changes).toEqual([]);
    }
  }, 60_000);

  it('a silence whose until is written with an offset imports once; the same document then plans no change (and writes no audit entry)', async () => {
    const app = await start();
    const token = adminToken(app);
    const imports = () => listAudit(app.deps.db, { limit: 1000 }).filter((a) => a.action === 'config.import');
    // The document kept in git says when the silence ends in China's time, as the refusal's example does.
    const until = Date.now() + 7 * 86_400_000;
    const local = new Date(until + 8 * 3_600_000).toISOString().slice(0, 19) + '+08:00';
    const doc = { format: 'storeclaw-notifier-config', version: 1, silences: [{ category: 'inventory', title: 'SKU-9 low stock', store: 'JD Store', until: local }] };
    const first = await api(app, 'PUT', '/api/v1/config', token, doc);
    expect(first.status, first.text).toBe(200);
    expect(first.json.applied).toBe(true);
    const exported = (await api(app, 'GET', '/api/v1/config', token)).json.silences as Json[];
    expect(exported.map((s) => Date.parse(s.until as string))).toEqual([Math.floor(until / 1000) * 1000]);
    const audited = imports().length;

    const dry = await api(app, 'PUT', '/api/v1/config?dry_run=true', token, doc);
    expect(dry.status, dry.text).toBe(200);
    expect(dry.json.changes, 'the same instant, written with an offset, planned again as a change').toEqual([]);
    const again = await api(app, 'PUT', '/api/v1/config', token, doc);
    expect(again.json.applied, 'applied (and audited) again though nothing changed').toBe(false);
    expect(imports()).toHaveLength(audited);
  }, 60_000);

  it('the metric rule form refuses a name with a tab (pasted from a spreadsheet), keeping it, so the export still imports', async () => {
    const app = await start();
    const admin = new ConsoleClient(app.url);
    await admin.signIn(PASSWORD);
    await admin.get('/metric-rules/new');
    const saved = await admin.postForm('/metric-rules', {
      name: '退款率\t天猫',
      metric: 'refund_rate',
      store: '',
      conditionType: 'threshold',
      thresholdOp: 'above',
      thresholdValue: '5',
      holdKind: 'points',
      holdCount: '1',
      severity: 'warning',
      category: 'orders',
      mentionMode: 'none',
      title: '{{metric}} {{value}}',
      reminderHours: '4',
      enabled: 'on',
      backtestDays: '7',
    });
    expect(saved.status).toBe(422);
    expect(textOf(saved.body)).toMatch(/Remove the tab, line break or other control character|请删除其中的制表符、换行或其他控制字符/);
    expect(saved.body).toContain('退款率\t天猫');
    await exportReimports(app);
  }, 60_000);

  it('the report form refuses a chart metric name over 100 characters, keeping the list, so the export still imports', async () => {
    const app = await start();
    const admin = new ConsoleClient(app.url);
    await admin.signIn(PASSWORD);
    await admin.get('/reports/new');
    const long = 'm'.repeat(150);
    const res = await admin.submit('/reports', { name: 'GMV 日报', type: 'daily_summary', cron: '0 9 * * *', timezone: 'Asia/Shanghai', template: '', enabled: 'on', attachChart: 'on', chartMetrics: 'gmv\n' + long, calendar: 'every_day' });
    expect(res.redirectedTo).toBeNull();
    expect(res.status).toBe(422);
    expect(textOf(res.body)).toMatch(/Each metric name can have at most 100 characters|每个指标名称最多 100 个字符/);
    expect(res.body).toContain(long);
    const tab = await admin.submit('/reports', { name: 'GMV 日报', type: 'daily_summary', cron: '0 9 * * *', timezone: 'Asia/Shanghai', template: '', enabled: 'on', attachChart: 'on', chartMetrics: 'gmv\tweb', calendar: 'every_day' });
    expect(tab.status).toBe(422);
    expect(textOf(tab.body)).toMatch(/A metric name cannot contain tabs or other control characters|指标名称不能包含制表符或其他控制字符/);
    await exportReimports(app);
  }, 60_000);
});
