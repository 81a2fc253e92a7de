import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listAudit } from '../../db/queries/audit.ts';
import { getEvent } from '../../server/delivery/store.ts';
import { listApiTokens } from '../../db/queries/tokens.ts';
import { listRefusals, recordRefusal, REFUSALS_KEPT } from '../../db/queries/refusals.ts';
import { signBody } from '../../server/security/apiAuth.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { sha256 } from '../../server/security/tokens.ts';
import { translator } from '../../server/strings/translate.ts';
import { DEFAULT_RULES } from '../../server/settings/settingsStore.ts';
import { listDeliveries } from '../../db/queries/deliveries.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { ConsoleClient, textOf, type Page } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '3f2a9c4e-1b7d-4e8a-9c0f-5d6e7f8a1b2c';
const TOKEN_RE = /scn_[A-Za-z0-9_-]{43}/;
// Asynchronous on purpose: the appliance answering the snippets runs in this process.
const run = promisify(execFile);

function unescapeHtml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The text of every <pre> block on a page, as a person would copy it. */
function preBlocks(html: string): string[] {
  return [...html.matchAll(/<pre[^>]*>([\s\S]*?)<\/pre>/g)].map((m) => unescapeHtml(m[1]!));
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An appliance connected to its own fake WeCom, with a signed-in console. */
async function connectedConsole(): Promise<{ fake: FakeWecom; app: TestAppliance; client: ConsoleClient }> {
  const fake = await startFakeWecom({ keys: [KEY] });
  const app = await startTestAppliance({ wecomOrigin: fake.origin, wecomTimeoutMs: 1000 });
  const client = new ConsoleClient(app.url);
  await client.signIn('correct horse battery');
  expect((await client.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
  return { fake, app, client };
}

describe('the Inbound API page over real HTTP', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let client: ConsoleClient;
  /** Every token the console showed, with the capture index of the answer that showed it. */
  const shown: Array<{ token: string; at: number }> = [];

  const post = (path: string, token: string, body: string, headers: Record<string, string> = {}) =>
    fetch(app.url + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, body });
  const alert = (title: string, category = 'inventory') => JSON.stringify({ kind: 'alert', category, severity: 'warning', title, store: 'Tmall Flagship' });

  async function createToken(name: string, requireSignature = false, scopes = ['send']): Promise<{ token: string; signingSecret: string; page: Page }> {
    await client.get('/inbound');
    // A ticked checkbox per scope, as a browser sends them: the same field once per value.
    const form = new URLSearchParams({ _csrf: client.csrf!, name, ...(requireSignature ? { requireSignature: 'on' } : {}) });
    for (const scope of scopes) form.append('scope', scope);
    const posted = await client.request('POST', '/inbound/tokens', { body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(posted.location, textOf(posted.body).slice(0, 300)).toMatch(/^\/inbound\/tokens\/\d+\/created$/);
    const page = { ...(await client.get(posted.location!)), redirectedTo: posted.location };
    const token = TOKEN_RE.exec(page.body)?.[0];
    const signingSecret = /scs_[A-Za-z0-9_-]{43}/.exec(page.body)?.[0];
    if (!token || !signingSecret) throw new Error('no token or signing secret on the page');
    shown.push({ token, at: client.captured.length - 1 }, { token: signingSecret, at: client.captured.length - 1 });
    // Reloading the token page creates nothing and shows the token no more, saying why.
    const count = listApiTokens(app.deps.db).length;
    const reload = await client.get(page.redirectedTo!);
    expect(reload.body).not.toContain(token);
    expect(reload.body).not.toContain(signingSecret);
    expect(textOf(reload.body)).toContain('was shown once and is not kept');
    expect(listApiTokens(app.deps.db)).toHaveLength(count);
    return { token, signingSecret, page };
  }

  beforeAll(async () => {
    ({ fake, app, client } = await connectedConsole());
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('shows the endpoints as this browser reached the appliance, and a curl example with a placeholder', async () => {
    const page = await client.get('/inbound');
    expect(page.status).toBe(200);
    const text = textOf(page.body);
    expect(text).toContain(`POST ${app.url}/api/v1/events`);
    expect(text).toContain(`POST ${app.url}/api/v1/alertmanager`);
    expect(text).toContain(`curl -X POST ${app.url}/api/v1/events`);
    expect(text).toContain("-H 'Authorization: Bearer <token>'");
    expect(text).toContain('"title":"SKU-1024 low stock","store":"Tmall Flagship"');
    expect(text).toContain('x-signature-timestamp');
    expect(text).toContain('No tokens yet.');
    const ids = [...page.body.matchAll(/<input\b[^>]*\bid="([^"]+)"/g)].map((m) => m[1]!);
    expect(ids).toEqual(['token-name', 'token-signature', 'token-hooks', 'token-scope-send', 'token-scope-read', 'token-scope-admin']);
    for (const id of ids) expect(page.body).toContain(`<label for="${id}"`);
    const zh = await client.get('/inbound', { 'accept-language': 'zh-CN' });
    expect(textOf(zh.body)).toContain('接入 API');
    expect(textOf(zh.body)).toContain('令牌名称');
  });

  it('creates a token, shows it once with a curl example, and stores only its hash', async () => {
    const { token, page } = await createToken('StoreClaw production');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const text = textOf(page.body);
    expect(text).toContain('will not be shown again');
    expect(text).toContain(`Bearer ${token}`);
    // A read-only field with a label: selectable and copyable without JavaScript; the copy button needs it.
    const field = /<input id="new-token"[^>]*>/.exec(page.body)![0];
    expect(field).toContain(`value="${token}"`);
    expect(field).toContain('readonly');
    expect(page.body).toContain('<label for="new-token">');
    expect(page.body).toContain('data-copy="new-token"');

    const [row] = listApiTokens(app.deps.db);
    expect(row).toMatchObject({ name: 'StoreClaw production', tokenHash: sha256(token), prefix: token.slice(0, 8), requireSignature: false, revokedAt: null });
    expect(JSON.stringify(row)).not.toContain(token);

    const later = await client.get('/inbound');
    expect(later.body).not.toContain(token);
    expect(textOf(later.body)).toContain(`${token.slice(0, 8)}…`);
    expect(textOf(later.body)).toContain('StoreClaw production');

    const res = await post('/api/v1/events', token, alert('SKU-1024 low stock'));
    expect(res.status).toBe(202);

    const audit = listAudit(app.deps.db, { limit: 1000 }).find((a) => a.action === 'token.create')!;
    expect(JSON.parse(audit.detail!)).toMatchObject({ name: 'StoreClaw production', prefix: token.slice(0, 8) });
    expect(audit.detail).not.toContain(token);
  });

  it('the audit log on a Chinese console names a token’s scopes in words, not as the codes stored ("send")', async () => {
    const zh = translator('zh');
    const page = await client.get('/audit', { 'accept-language': 'zh-CN' });
    const row = page.body.split('<tr>').map(textOf).find((r) => r.includes(zh('audit.action.token.create')));
    expect(row).toContain(`${zh('audit.detail.scopes')}: ${zh('audit.value.scope.send')}`);
    expect(row!.match(/: (send|read|admin)\b/g) ?? []).toEqual([]);
  });

  it('refuses an empty, a too long or a duplicate active name with 422, in EN and ZH', async () => {
    const count = listApiTokens(app.deps.db).length;
    const cases: Array<[string, string, string]> = [
      ['', 'Enter a name for the token.', '请输入令牌名称。'],
      ['   ', 'Enter a name for the token.', '请输入令牌名称。'],
      ['x'.repeat(61), 'The name must be at most 60 characters.', '名称最多 60 个字符。'],
      ['StoreClaw production', 'An active token is already called “StoreClaw production”', '已有名为“StoreClaw production”的有效令牌'],
      ['  storeclaw PRODUCTION ', 'An active token is already called “storeclaw PRODUCTION”', '已有名为“storeclaw PRODUCTION”的有效令牌'],
      ['line\nbreak', 'must not contain line breaks', '不能包含换行'],
    ];
    for (const [name, en, zh] of cases) {
      const res = await client.postForm('/inbound/tokens', { name, scope: 'send' });
      expect(res.status, name).toBe(422);
      expect(textOf(res.body)).toContain(en);
      expect(res.body).toContain('aria-invalid="true"');
      expect(TOKEN_RE.test(res.body)).toBe(false);
      const resZh = await client.postForm('/inbound/tokens', { name, scope: 'send' }, { 'accept-language': 'zh-CN' });
      expect(resZh.status).toBe(422);
      expect(textOf(resZh.body)).toContain(zh);
    }
    expect(listApiTokens(app.deps.db)).toHaveLength(count);
    // 60 characters (CJK counts as one each) is fine.
    const { token } = await createToken('库存'.repeat(30));
    expect(token).toMatch(TOKEN_RE);
  });

  it('revokes a token after a confirmation page; the token then gets 401 and its name is free again', async () => {
    const { token } = await createToken('Nightly script');
    const row = listApiTokens(app.deps.db).find((t) => t.name === 'Nightly script')!;
    expect((await post('/api/v1/events', token, alert('before revoke'))).status).toBe(202);

    const confirm = await client.get(`/inbound/tokens/${row.id}/revoke`);
    expect(confirm.status).toBe(200);
    expect(textOf(confirm.body)).toContain('Revoke the token “Nightly script”?');
    expect(textOf(confirm.body)).toContain('Yes, revoke');
    const res = await client.submit(`/inbound/tokens/${row.id}/revoke`);
    expect(res.redirectedTo).toBe('/inbound');
    expect(textOf(res.body)).toContain('The token “Nightly script” was revoked.');
    expect(res.body).not.toContain(`href="/inbound/tokens/${row.id}/revoke"`);

    const refused = await post('/api/v1/events', token, alert('after revoke'));
    expect(refused.status).toBe(401);
    const audit = listAudit(app.deps.db, { limit: 1 })[0]!;
    expect(audit.action).toBe('token.revoke');
    expect(JSON.parse(audit.detail!)).toMatchObject({ name: 'Nightly script', prefix: token.slice(0, 8) });
    expect(audit.detail).not.toContain(token);

    const again = await client.submit(`/inbound/tokens/${row.id}/revoke`);
    expect(textOf(again.body)).toContain('already revoked');
    expect((await client.get(`/inbound/tokens/${row.id}/revoke`)).status).toBe(302);
    expect((await client.get('/inbound/tokens/999999/revoke')).status).toBe(404);
    expect((await client.postForm('/inbound/tokens/999999/revoke')).status).toBe(404);
    // A revoked token's name can be given to a new one.
    await createToken('Nightly script');
  });

  it('lists recent events with their status, the reason for suppressed ones, and a link to the send log', async () => {
    const { token } = await createToken('Events sender');
    const sent = (await (await post('/api/v1/events', token, alert('Warehouse sync lagging'))).json()) as { id: number };
    const duplicate = (await (await post('/api/v1/events', token, alert('Warehouse sync lagging'))).json()) as { id: number; status: string };
    expect(duplicate.status).toBe('suppressed');
    app.deps.settings.setRules({ ...app.deps.settings.rules(), categories: { ...DEFAULT_RULES.categories, ads: false } });
    const ads = (await (await post('/api/v1/events', token, alert('Campaign paused', 'ads'))).json()) as { id: number; status: string };
    expect(ads.status).toBe('suppressed');
    await until(() => getEvent(app.deps.db, sent.id)?.status === 'sent');

    const page = await client.get('/inbound');
    const row = (id: number) => textOf(/<tr id="event-(\d+)"[\s\S]*?<\/tr>/.exec(page.body.slice(page.body.indexOf(`<tr id="event-${id}"`)))![0]);
    expect(row(sent.id)).toContain('Warehouse sync lagging');
    expect(row(sent.id)).toContain('sent');
    expect(row(sent.id)).toContain('Inventory');
    expect(row(sent.id)).toContain('Warning');
    expect(row(sent.id)).toContain('Tmall Flagship');
    expect(page.body).toContain(`href="/send-log?event=${sent.id}"`);
    expect(row(duplicate.id)).toContain('suppressed');
    expect(row(duplicate.id)).toContain(`duplicate of #${sent.id}`);
    expect(row(ads.id)).toContain('its category is turned off');
    expect(page.body).not.toContain(`href="/send-log?event=${ads.id}"`);

    const zh = await client.get('/inbound', { 'accept-language': 'zh-CN' });
    expect(textOf(zh.body)).toContain('已抑制');
    expect(textOf(zh.body)).toContain('该类别已关闭');
    expect(textOf(zh.body)).toContain(`与 #${sent.id} 重复`);
    app.deps.settings.setRules({ ...app.deps.settings.rules(), categories: { ...DEFAULT_RULES.categories } });
  });

  it('a token that requires a signature: signed requests work, unsigned ones get 401', async () => {
    const { token, signingSecret, page } = await createToken('Signed sender', true);
    expect(listApiTokens(app.deps.db).find((t) => t.name === 'Signed sender')?.requireSignature).toBe(true);
    expect(textOf((await client.get('/inbound')).body)).toContain('required');

    const body = alert('signed alert');
    const unsigned = await post('/api/v1/events', token, body);
    expect(unsigned.status).toBe(401);
    const ts = String(Math.floor(Date.now() / 1000));
    // Keyed with the token, which travels with every request, a signature proves nothing: refused.
    const tokenKeyed = await post('/api/v1/events', token, body, { 'x-signature': signBody(token, ts, body), 'x-signature-timestamp': ts });
    expect(tokenKeyed.status).toBe(401);
    const signed = await post('/api/v1/events', token, body, { 'x-signature': signBody(signingSecret, ts, body), 'x-signature-timestamp': ts });
    expect(signed.status).toBe(202);

    // The snippets on the answer page work as printed, and each one is signed (Try it included).
    const blocks = preBlocks(page.body);
    expect(textOf(page.body)).toContain('every example here is signed');
    const requests = blocks.filter((b) => /curl|fetch\(/.test(b));
    expect(requests.length).toBe(2);
    for (const b of requests) expect(b).toContain('x-signature');
    const nodeSnippet = blocks.find((b) => b.includes('createHmac'))!;
    const dir = mkdtempSync(join(tmpdir(), 'sign-'));
    try {
      writeFileSync(join(dir, 'sign.mjs'), nodeSnippet);
      const { stdout } = await run(process.execPath, [join(dir, 'sign.mjs')], { env: { ...process.env, SCN_TOKEN: token, SCN_SIGNING_SECRET: signingSecret }, timeout: 10_000 });
      expect(stdout).toMatch(/^202 /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const shellSnippet = blocks.find((b) => b.includes('openssl'))!;
    if (existsSync('/usr/bin/openssl') && existsSync('/usr/bin/curl')) {
      // Same body, so wait for the next second: each signature is accepted only once.
      await new Promise((r) => setTimeout(r, 1100));
      const { stdout } = await run('bash', ['-c', `${shellSnippet} -s -o /dev/null -w '%{http_code}'`], { timeout: 10_000 });
      expect(stdout).toBe('202');
    }
  });

  it('a token for the configuration only: Try it exports the configuration (signed when required), and it cannot send', async () => {
    for (const requireSignature of [false, true]) {
      const { token, page } = await createToken(`Config exporter ${requireSignature ? 'signed' : 'plain'}`, requireSignature, ['read', 'admin']);
      expect(textOf(page.body)).toContain('read, admin');
      const blocks = preBlocks(page.body).filter((b) => b.includes('curl'));
      expect(blocks).toHaveLength(1);
      expect(blocks[0]).toContain('/api/v1/config');
      expect(blocks[0]!.includes('x-signature')).toBe(requireSignature);
      const dir = mkdtempSync(join(tmpdir(), 'config-try-'));
      try {
        const { stdout } = await run('bash', ['-c', `${blocks[0]} -sS -w '%{http_code}'`], { cwd: dir, timeout: 10_000 });
        expect(stdout).toBe('200');
        expect(JSON.parse(readFileSync(join(dir, 'notifier-config.json'), 'utf8'))).toMatchObject({ format: 'storeclaw-notifier-config', version: 1 });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      expect((await post('/api/v1/events', token, alert('not for this token'))).status).toBe(requireSignature ? 401 : 403);
    }
    const list = textOf((await client.get('/inbound')).body);
    expect(list).toContain('read, admin');
  });

  it('never shows a token again after its answer page: not in pages, the audit log, logs or the SQLite files', async () => {
    await client.get('/inbound');
    await client.get('/audit');
    const audit = textOf(client.captured[client.captured.length - 1]!.body);
    expect(audit).toContain('created an API token');
    expect(audit).toContain('revoked an API token');
    expect(shown.length).toBeGreaterThanOrEqual(5);
    app.deps.db.$client.pragma('wal_checkpoint(FULL)');
    const files = readdirSync(app.dataDir).map((f) => readFileSync(join(app.dataDir, f)).toString('latin1'));
    for (const { token, at } of shown) {
      client.captured.forEach((c, i) => {
        if (i !== at) expect(c.body.includes(token), `${c.method} ${c.path}`).toBe(false);
      });
      for (const line of app.logs) expect(line.includes(token)).toBe(false);
      for (const file of files) expect(file.includes(token)).toBe(false);
    }
  });
});

describe('Inbound API page: refused requests and sample events', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let client: ConsoleClient;

  beforeAll(async () => {
    ({ fake, app, client } = await connectedConsole());
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('lists refused requests with time, reason and token prefix, never the token, and keeps the list bounded', async () => {
    const wrong = 'scn_wrongwrongwrongwrongwrongwrongwrong00';
    const send = (auth?: string) =>
      fetch(app.url + '/api/v1/events', { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body: '{}' });
    expect((await send(`Bearer ${wrong}`)).status).toBe(401);
    expect((await send()).status).toBe(401);
    const page = await client.get('/inbound');
    const text = textOf(/<section class="card" id="refused"[\s\S]*?<\/section>/.exec(page.body)![0]);
    expect(text).toContain('unknown token');
    expect(text).toContain('scn_wron…');
    expect(text).toContain('no “Authorization: Bearer” header');
    expect(text).toMatch(/\d{4}/);
    expect(page.body).not.toContain(wrong);
    const zh = textOf((await client.get('/inbound', { 'accept-language': 'zh-CN' })).body);
    expect(zh).toContain('被拒绝的请求');
    expect(zh).toContain('未知的令牌');
  });

  it('coalesces refusals by source, so a 401 flood cannot push a real sender’s entry out; the list stays bounded (issue 20)', async () => {
    app.deps.db.$client.prepare('DELETE FROM refused_requests').run();
    // A real sender with a revoked token, from its own address.
    const revoked = issueApiToken(app.deps, { name: 'old storeclaw', requireSignature: false, now: Date.now() }).token;
    app.deps.db.$client.prepare("UPDATE api_tokens SET revoked_at = 1 WHERE name = 'old storeclaw'").run();
    const from = (localAddress: string, token: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(app.url + '/api/v1/events', { method: 'POST', localAddress, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        });
        req.on('error', reject);
        req.end('{}');
      });
    expect(await from('127.0.0.7', revoked)).toBe(401);
    // A flood of invented tokens from one other address.
    for (let i = 0; i < 3 * REFUSALS_KEPT; i++) expect(await from('127.0.0.8', `scn_flood${String(i).padStart(30, '0')}`)).toBe(401);
    const rows = listRefusals(app.deps.db);
    expect(rows.map((r) => [r.ip, r.reason, r.count])).toEqual([
      ['127.0.0.8', 'unknown_token', 3 * REFUSALS_KEPT],
      ['127.0.0.7', 'revoked_token', 1],
    ]);
    expect(rows[0]!.firstAt).toBeLessThan(rows[0]!.at);
    const text = textOf(/<section class="card" id="refused"[\s\S]*?<\/section>/.exec((await client.get('/inbound')).body)![0]);
    expect(text).toMatch(/127\.0\.0\.8 300 since /);
    expect(text).toContain('revoked token');
    // Many sources: still at most REFUSALS_KEPT rows, the latest kept.
    const t0 = Date.now();
    for (let i = 0; i < REFUSALS_KEPT + 20; i++) recordRefusal(app.deps.db, { at: t0 + i, reason: 'no_token', tokenPrefix: null, path: '/api/v1/events', ip: `198.51.100.${i % 250}`, source: `source-${i}` });
    const kept = listRefusals(app.deps.db);
    expect(kept).toHaveLength(REFUSALS_KEPT);
    expect(kept[0]!.source).toBe(`source-${REFUSALS_KEPT + 19}`);
    expect(app.deps.db.$client.prepare('SELECT count(*) AS n FROM refused_requests').get()).toEqual({ n: REFUSALS_KEPT });
  });

  it('sends a sample event of each kind in the notification language, without curl', async () => {
    app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), language: 'zh' });
    const before = fake.receivedFor(KEY).length;
    const sent = await client.submit('/inbound/sample', { kind: 'alert' });
    expect(sent.redirectedTo).toBe('/inbound');
    expect(textOf(sent.body)).toMatch(/Sample alert accepted as event #\d+: queued\./);
    await until(() => fake.receivedFor(KEY).length > before);
    expect(JSON.stringify(fake.receivedFor(KEY).at(-1)!.body)).toContain('库存不足');
    for (const kind of ['task_result', 'report', 'metric']) {
      const res = await client.submit('/inbound/sample', { kind });
      expect(textOf(res.body)).toContain(kind === 'metric' ? 'stored' : 'queued');
    }
    expect((await client.postForm('/inbound/sample', { kind: 'nope' })).status).toBe(422);
  });
});

describe('Inbound API page: events folded into a digest that has not gone out (no bot connected)', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let c: ConsoleClient;
  let token: string;
  let offset = 0;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: 'digest-waits-pass' }, clock: { now: () => Date.now() + offset } });
    c = new ConsoleClient(app.url);
    await c.signIn('digest-waits-pass');
    token = issueApiToken(app.deps, { name: 'review', requireSignature: false, now: Date.now() }).token;
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('Recent events does not say "已合并发送" (merged and sent) while the digest waits in the queue, as the dashboard counts them waiting', async () => {
    const tz = 'Asia/Shanghai';
    const hhmm = (ms: number) => new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hour12: false }).format(ms);
    const now = Date.now();
    app.deps.settings.setRules({ ...app.deps.settings.rules(), quietHours: { enabled: true, start: hhmm(now - 3600_000), end: hhmm(now + 60_000), timeZone: tz } });
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: `夜间订单异常 #${i}` });
      expect(r.json.status).toBe('held');
      ids.push(r.json.id as number);
    }
    // Quiet hours end: the three go out as one digest, which waits in the queue (no bot).
    offset = 120_000;
    app.worker.wake();
    expect(await waitFor(() => listDeliveries(app.deps.db, { kind: 'digest' }, { limit: 5 }).length === 1)).toBe(true);
    const digest = listDeliveries(app.deps.db, { kind: 'digest' }, { limit: 5 })[0]!;
    expect(digest.status, 'sanity: the digest has not gone out').toBe('queued');

    const dashboard = textOf((await c.get('/dashboard/panel', { 'accept-language': 'zh-CN' })).body);
    expect(dashboard, 'sanity: the dashboard counts the three as waiting').toMatch(/今日.*等待中?\D*3/);

    const inbound = await c.get('/inbound', { 'accept-language': 'zh-CN' });
    for (const id of ids) {
      const row = new RegExp(`<tr id="event-${id}"[^>]*>[\\s\\S]*?</tr>`).exec(inbound.body)?.[0] ?? '';
      expect(row, `event #${id} is listed`).not.toBe('');
      // Nothing was sent: "已合并发送" with a green badge tells the admin the group has it.
      expect(textOf(row), `event #${id}'s row`).not.toContain('已合并发送');
    }
  }, 30_000);
});

describe('Inbound API page: the token form refused for its hooks or scopes', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let c: ConsoleClient;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: 'token-form-pass' } });
    c = new ConsoleClient(app.url);
    await c.signIn('token-form-pass');
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('a bad hook name marks the hooks field invalid, not the (valid) token name', async () => {
    await c.get('/inbound');
    const res = await c.postForm('/inbound/tokens', { name: 'Uptime Kuma 监控', hooks: 'uptime kuma!', scope: 'send' });
    expect(res.status).toBe(422);
    const name = /<input[^>]*id="token-name"[^>]*>/.exec(res.body)?.[0] ?? '';
    const hooks = /<input[^>]*id="token-hooks"[^>]*>/.exec(res.body)?.[0] ?? '';
    const error = /<p class="notice bad" id="([^"]+)"[^>]*>([^<]*)<\/p>/.exec(res.body);
    expect(error?.[2], 'the message is about the hooks').toMatch(/hook/i);
    // A screen reader announces the field marked invalid and the message tied to it.
    expect(hooks, `the hooks field (the message is "${error?.[2]}")`).toContain('aria-invalid="true"');
    expect(name, 'the token name, which is fine').not.toContain('aria-invalid="true"');
    expect(hooks).toContain(`aria-describedby="token-hooks-help ${error?.[1]}"`);
  });

  it('no scope ticked: the message is tied to the scopes, and the name and hooks are not marked invalid', async () => {
    const res = await c.postForm('/inbound/tokens', { name: 'Nightly script', hooks: '' });
    expect(res.status).toBe(422);
    expect(res.body).toMatch(/<fieldset aria-describedby="token-scopes-error">/);
    expect(res.body).toContain('<p class="notice bad" id="token-scopes-error" role="alert">');
    expect(res.body).not.toContain('aria-invalid="true"');
  });
});
