import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSOLE_BODY_LIMIT, createApp } from '../../server/app.tsx';
import { DB_FILE } from '../../server/appliance.ts';
import { startFakeWecom } from '../fakeWecom.ts';
import { outcomes } from '../helpers/accounting.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { ConsoleClient } from '../helpers/consoleClient.ts';
import { sleep } from '../helpers/random.ts';
import { startTestAppliance } from '../helpers/testAppliance.ts';

// The one key this test follows through every journey.
const KEY = 'c4f7e2a9-5d1b-4e8c-a3f6-9b2d7e4c1a58';
const URL_ = `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`;
const NEEDLES = [KEY, URL_, encodeURIComponent(URL_), `key=${KEY}`, KEY.toUpperCase(), KEY.slice(0, 13), Buffer.from(KEY).toString('base64'), KEY.replace(/-/g, '')];
const PASSWORD = 'leak-scan-password';
const WINDOW_MS = 2_000;

const scratch = mkdtempSync(join(tmpdir(), 'notifier-leak-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('leak scan: every journey with a known key, every byte of output searched', () => {
  it('finds the key and the webhook URL nowhere: HTTP, logs, SQLite files, backups, metrics', async () => {
    const fake = await startFakeWecom({ keys: [], windowMs: WINDOW_MS });
    const app = await startTestAppliance({
      wecomOrigin: fake.origin,
      env: { WECOM_RATE_WINDOW_MS: String(WINDOW_MS), LOG_LEVEL: 'debug' },
      retryBaseMs: 50,
      wecomTimeoutMs: 300,
    });
    const outputs: Array<{ where: string; text: string }> = [];
    const c = new ConsoleClient(app.url);
    /** Any request outside the console client, its whole answer kept. */
    const raw = async (where: string, path: string, init: RequestInit = {}) => {
      const res = await fetch(app.url + path, { redirect: 'manual', ...init });
      const body = Buffer.from(await res.arrayBuffer());
      outputs.push({ where, text: `${res.status} ${JSON.stringify([...res.headers])}\n${body.toString('latin1')}` });
      return { status: res.status, body, text: body.toString('utf8') };
    };
    const journeys: string[] = [];
    const journey = (name: string) => journeys.push(name);

    try {
      // First run with the setup code from the log, sign in.
      const setupCode = app.deps.setupCode!.display;
      await c.signIn(PASSWORD);
      journey('setup and sign-in');

      // Connect: 93000 (bot unknown), 45009, HTTP 500, a reset, then success; each failure's page is scanned too.
      expect((await c.submit('/channels/wecom/connect', { url: URL_ })).redirectedTo).toBe('/channels?form=add');
      fake.addKey(KEY);
      fake.setFailure('errcode', { errcode: 45009, times: 1, errmsg: `api freq out of limit, key=${KEY}` });
      expect((await c.submit('/channels/wecom/connect', { url: URL_ })).redirectedTo).toBe('/channels?form=add');
      // A 45009 blocks every call, connects included, for a whole window.
      await sleep(WINDOW_MS);
      fake.setFailure('http500', { times: 1 });
      expect((await c.submit('/channels/wecom/connect', { url: ` ${URL_}&debug=1 ` })).redirectedTo).toBe('/channels?form=add');
      fake.setFailure('reset', { times: 1 });
      expect((await c.submit('/channels/wecom/connect', { url: KEY })).redirectedTo).toBe('/channels?form=add');
      // Format errors that quote parts of what was pasted.
      expect((await c.postForm('/channels/wecom/connect', { url: URL_.replace('https', 'http') })).status).toBe(422);
      expect((await c.postForm('/channels/wecom/connect', { url: URL_ + ' x' })).status).toBe(422);
      expect((await c.postForm('/channels/wecom/connect', { url: URL_.replace('qyapi.weixin.qq.com', 'evil.example') })).status).toBe(422);
      expect((await c.postForm('/channels/wecom/connect', { url: URL_ }, { 'hx-request': 'true' })).status).toBe(200);
      journey('connect (93000, 45009, 500, reset, format errors, success)');

      // Test sends: ok, then 45009.
      await sleep(WINDOW_MS);
      expect((await c.submit('/channels/wecom/test')).redirectedTo).toBe('/channels');
      fake.setFailure('errcode', { errcode: 45009, times: 1 });
      expect((await c.postForm('/channels/wecom/test', {}, { 'hx-request': 'true' })).status).toBe(502);
      journey('test notification (ok, 45009)');

      // An inbound token made in the console, then events through the API and Alertmanager.
      await c.get('/inbound');
      const created = await c.submit('/inbound/tokens', { name: 'leak-scan', scope: 'send' });
      expect(created.redirectedTo).toMatch(/^\/inbound\/tokens\/\d+\/created$/);
      const token = /scn_[A-Za-z0-9_-]+/.exec(created.body)![0];
      const signingSecret = /scs_[A-Za-z0-9_-]{43}/.exec(created.body)![0];
      const signed = await postEvent(app.url, token, { kind: 'alert', category: 'orders', title: 'signed leak scan' }, { sign: { secret: signingSecret } });
      expect(signed.status).toBe(202);
      outputs.push({ where: 'POST /api/v1/events (signed)', text: signed.text + JSON.stringify([...signed.headers]) });
      app.deps.settings.setRules({ ...app.deps.settings.rules(), dedupeWindowMinutes: 0 });
      for (let i = 0; i < 5; i++) {
        const res = await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: i ? 'warning' : 'critical', title: `leak scan #${i}`, url: `https://storeclaw.example/o/${i}` });
        outputs.push({ where: 'POST /api/v1/events', text: res.text + JSON.stringify([...res.headers]) });
      }
      for (const body of [
        { kind: 'report', category: 'store', title: 'Daily', summary: 'x'.repeat(1800), fields: { a: 1 } },
        { kind: 'task_result', category: 'task', title: 'sync', status: 'failed', task_name: 'sync', duration_ms: 5 },
        { kind: 'metric', category: 'orders', name: 'gmv', value: 1, title: 'gmv' },
      ]) {
        const res = await postEvent(app.url, token, body);
        outputs.push({ where: 'POST /api/v1/events', text: res.text });
      }
      const am = await postEvent(
        app.url,
        token,
        { version: '4', status: 'firing', receiver: 'wecom', alerts: [{ status: 'firing', labels: { alertname: 'DiskFull', severity: 'critical' }, annotations: { summary: 'disk' }, startsAt: '2026-01-01T00:00:00Z' }] },
        { path: '/api/v1/alertmanager' },
      );
      outputs.push({ where: 'POST /api/v1/alertmanager', text: am.text });
      for (const bad of ['{', '{"kind":"nope"}']) outputs.push({ where: 'API 400', text: (await postEvent(app.url, token, bad)).text });
      outputs.push({ where: 'API 401', text: (await postEvent(app.url, 'scn_wrong', { kind: 'alert' })).text });
      expect(await waitFor(() => outcomes(app.deps.db).pending === 0 && app.worker.idle(), 20_000, 50)).toBe(true);
      journey('inbound API, Alertmanager, token created in the console');

      // The worker meets WeCom's failures: 500, 45009, 93000 (channel invalid, banner), a permanent error → dead → retry.
      fake.setFailure('http500', { times: 2 });
      await postEvent(app.url, token, { kind: 'alert', category: 'store', title: 'worker 500' });
      expect(await waitFor(() => outcomes(app.deps.db).pending === 0 && app.worker.idle(), 10_000, 50)).toBe(true);
      fake.setFailure('errcode', { errcode: 45009, times: 1 });
      await postEvent(app.url, token, { kind: 'alert', category: 'store', title: 'worker 45009' });
      expect(await waitFor(() => outcomes(app.deps.db).pending === 0 && app.worker.idle(), 10_000, 50)).toBe(true);
      fake.setFailure('errcode', { errcode: 40008, times: 1, errmsg: `invalid message type, url ${URL_}` });
      const dying = await postEvent(app.url, token, { kind: 'alert', category: 'store', title: 'worker dead' });
      expect(await waitFor(() => app.deps.db.$client.prepare('select status from events where id = ?').get(dying.json.id) !== undefined && (app.deps.db.$client.prepare('select status from events where id = ?').get(dying.json.id) as { status: string }).status === 'dead', 10_000)).toBe(true);
      fake.removeKey(KEY);
      await postEvent(app.url, token, { kind: 'alert', category: 'store', title: 'worker 93000' });
      expect(await waitFor(() => (app.deps.db.$client.prepare('select status from channel').get() as { status: string }).status === 'invalid', 10_000)).toBe(true);
      await c.get('/');
      await c.get('/channels');
      await c.get('/troubleshooting');
      await c.postForm('/troubleshooting/test');
      fake.addKey(KEY);
      await sleep(WINDOW_MS);
      expect((await c.submit('/channels/wecom/test')).redirectedTo).toBe('/channels');
      const deadRow = app.deps.db.$client.prepare("select id from deliveries where status = 'dead' order by id desc").get() as { id: number };
      await c.get(`/send-log/${deadRow.id}`);
      expect((await c.postForm(`/send-log/${deadRow.id}/retry`)).status).toBe(303);
      expect(await waitFor(() => outcomes(app.deps.db).pending === 0 && app.worker.idle(), 10_000, 50)).toBe(true);
      journey('worker faults (500, 45009, 40008 → dead, 93000 → invalid + banner), retry from the send log');

      // Reports: run the seeded jobs by hand when the reports area is there.
      const routes = createApp(app.deps).routes;
      if (routes.some((r) => r.method === 'POST' && r.path === '/reports/:id/run')) {
        const jobs = app.deps.db.$client.prepare('select id from report_jobs').all() as Array<{ id: number }>;
        for (const job of jobs) expect((await c.postForm(`/reports/${job.id}/run`)).status).toBeLessThan(500);
        expect(await waitFor(() => outcomes(app.deps.db).pending === 0 && app.worker.idle(), 10_000, 50)).toBe(true);
        journey(`reports (${jobs.length} jobs run by hand)`);
      }

      // Every console page, every send-log detail, every fragment.
      const ids = (app.deps.db.$client.prepare('select id from deliveries').all() as Array<{ id: number }>).map((r) => r.id);
      for (const id of ids) await c.get(`/send-log/${id}`);
      for (const route of routes.filter((r) => r.method === 'GET' && !r.path.includes('*'))) {
        for (const id of route.path.includes(':') ? ['1', '2', '3'] : ['']) await c.get(route.path.replace(/:\w+/g, id));
      }
      await c.get('/send-log?status=dead');
      await c.get('/send-log/rows');
      await c.get('/', { 'accept-language': 'zh-CN' });
      await c.get('/channels', { 'accept-language': 'zh-CN' });
      journey(`every GET route (${routes.filter((r) => r.method === 'GET').length}) and ${ids.length} send-log details, EN and ZH`);

      // Error pages: 404, 403 (CSRF), 400 (broken form), 413, 401 (no session), 503 (database locked).
      await c.get('/no-such-page');
      const csrf = c.csrf;
      c.csrf = undefined;
      await c.postForm('/channels/wecom/test');
      c.csrf = csrf;
      await c.request('POST', '/channels/wecom/connect', { body: 'x', headers: { 'content-type': 'multipart/form-data; boundary=nope' } });
      await c.postForm('/channels/wecom/connect', { url: URL_ + 'x'.repeat(CONSOLE_BODY_LIMIT) });
      await raw('anonymous', '/channels/wecom/test', { method: 'POST', headers: { origin: app.url } });
      app.deps.db.$client.pragma('busy_timeout = 100');
      const lock = new Database(join(app.dataDir, DB_FILE));
      lock.exec('BEGIN EXCLUSIVE');
      await postEvent(app.url, token, { kind: 'alert', category: 'orders', title: 'locked' }).then((r) => outputs.push({ where: 'API 503', text: r.text }));
      await c.postForm('/channels/wecom/connect', { url: URL_ });
      lock.exec('ROLLBACK');
      lock.close();
      app.deps.db.$client.pragma('busy_timeout = 5000');
      journey('error pages (404, 403, 400, 413, 401, 503)');

      // Metrics, and a backup from the console and from the CLI.
      const metrics = await raw('GET /metrics', '/metrics');
      expect(metrics.status).toBe(200);
      await c.get('/backup');
      const download = await raw('POST /backup/download', '/backup/download', {
        method: 'POST',
        headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '), origin: app.url, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: c.csrf! }).toString(),
      });
      expect(download.status).toBe(200);
      expect(download.body.subarray(0, 15).toString()).toBe('SQLite format 3');
      const cliOut = join(scratch, 'cli-backup.db');
      const cli = await new Promise<string>((resolve) => {
        const p = spawn(process.execPath, ['--import', 'tsx', 'server/backupCli.ts', cliOut], { env: { ...process.env, DATA_DIR: app.dataDir } });
        let text = '';
        p.stdout.on('data', (d: Buffer) => (text += d.toString()));
        p.stderr.on('data', (d: Buffer) => (text += d.toString()));
        p.on('close', (code) => resolve(`exit ${code}\n${text}`));
      });
      expect(cli).toMatch(/^exit 0/);
      outputs.push({ where: 'backup CLI output', text: cli });
      outputs.push({ where: 'backup CLI file', text: readFileSync(cliOut).toString('latin1') });
      journey('metrics, backup download, backup CLI');

      // The self-watch's verbose health, then the downloaded backup restored from the console (every page of it, the kept copy too).
      const verbose = await raw('GET /healthz?verbose', '/healthz?verbose');
      expect(verbose.status).toBe(200);
      await c.get('/backup');
      const form = new FormData();
      form.set('_csrf', c.csrf!);
      form.set('backup', new Blob([new Uint8Array(download.body)]), 'notifier-backup.db');
      const restored = await raw('POST /backup/restore', '/backup/restore', { method: 'POST', headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '), origin: app.url }, body: form });
      expect(restored.status).toBe(303);
      await raw('GET /login?restored=1', '/login?restored=1');
      await c.signIn(PASSWORD);
      await c.get('/');
      await c.get('/audit');
      journey('self-watch (healthz verbose, dashboard), restore from the console');

      // Sign out, and the data files as they are on disk (WAL included, then checkpointed).
      await c.postForm('/logout');
      const files = readdirSync(app.dataDir);
      for (const f of files) outputs.push({ where: `data dir ${f} (live)`, text: readFileSync(join(app.dataDir, f)).toString('latin1') });
      app.deps.db.$client.pragma('wal_checkpoint(TRUNCATE)');
      outputs.push({ where: `data dir ${DB_FILE} (checkpointed)`, text: readFileSync(join(app.dataDir, DB_FILE)).toString('latin1') });
      // The stored key really is there, encrypted: the scan would see a clear one.
      const sealed = (app.deps.db.$client.prepare('select key_ciphertext as k from channel').get() as { k: string }).k;
      expect(app.deps.secretBox.open(sealed)).toBe(KEY);

      for (const cap of c.captured) outputs.push({ where: `${cap.method} ${cap.path} → ${cap.status}`, text: cap.headers + '\n' + cap.body });
      // The setup code's one line is the log's purpose (the operator reads the code there); nothing else may carry it.
      const codeLines = app.logs.filter((l) => l.includes(setupCode));
      expect(codeLines).toHaveLength(1);
      expect(codeLines[0]).toContain('setup code');
      outputs.push({ where: 'log lines (debug)', text: app.logs.filter((l) => l !== codeLines[0]).join('\n') });
      expect(app.logs.some((l) => l.includes('"level":"debug"') || l.includes('"level":"info"'))).toBe(true);

      const hits: string[] = [];
      for (const { where, text } of outputs) for (const needle of NEEDLES) if (text.includes(needle)) hits.push(`${where}: contains ${needle === KEY ? 'the key' : JSON.stringify(needle)}`);
      const bytes = outputs.reduce((n, o) => n + o.text.length, 0);
      console.log(`leak scan: ${journeys.length} journeys, ${outputs.length} outputs, ${(bytes / 1024 / 1024).toFixed(1)} MiB searched for ${NEEDLES.length} forms of the key, ${hits.length} hits\n  ${journeys.join('\n  ')}`);
      expect(hits).toEqual([]);
      // The new secrets: the setup code appears nowhere but its log line, the signing secret nowhere but the page that showed it once.
      const codeForms = [setupCode, setupCode.replace(/-/g, ''), setupCode.toLowerCase()];
      const secretForms = [signingSecret, signingSecret.slice(4)];
      const shownOnce = `GET ${created.redirectedTo} → 200`;
      expect(outputs.filter((o) => o.where === shownOnce && secretForms.some((f) => o.text.includes(f)))).toHaveLength(1);
      const secretHits: string[] = [];
      for (const { where, text } of outputs) {
        if (codeForms.some((s) => text.includes(s))) secretHits.push(`${where}: contains the setup code`);
        if (where !== shownOnce && secretForms.some((s) => text.includes(s))) secretHits.push(`${where}: contains the signing secret`);
      }
      expect(secretHits).toEqual([]);
      // And the fake did get the key: the journeys really used it.
      expect(fake.receivedFor(KEY).length).toBeGreaterThan(5);
    } finally {
      await app.stop();
      await fake.close();
    }
  }, 90_000);
});
