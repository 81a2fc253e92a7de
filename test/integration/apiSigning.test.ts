import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveHookMapping } from '../../db/queries/hooks.ts';
import { listRefusals } from '../../db/queries/refusals.ts';
import { HOOK_EXAMPLES } from '../../server/hooks/examples.ts';
import { signBody } from '../../server/security/apiAuth.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { postEvent } from '../helpers/api.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance } from '../helpers/testAppliance.ts';

const PASSWORD = 'signing-test-password';
const dataDir = mkdtempSync(join(tmpdir(), 'notifier-signing-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const alert = (title: string) => ({ kind: 'alert', category: 'orders', title });
const replays = (db: { $client: { prepare(sql: string): { get(): unknown } } }) => (db.$client.prepare('select count(*) as n from signature_replays').get() as { n: number }).n;

describe('signed API requests: a signing secret apart from the token, replays remembered in SQLite', () => {
  it('refuses a replay after a restart, and forgets accepted signatures once the window has passed', async () => {
    let offset = 0;
    const clock = { now: () => Date.now() + offset };
    const first = await startTestAppliance({ wecomOrigin: 'http://127.0.0.1:9', env: { ADMIN_PASSWORD: PASSWORD }, dataDir, clock });
    const issued = issueApiToken(first.deps, { name: 'signed', requireSignature: true, now: Date.now() });
    expect(issued.signingSecret).not.toContain(issued.token);
    const ts = String(Math.floor(Date.now() / 1000));
    const sign = { timestamp: ts, secret: issued.signingSecret };
    expect((await postEvent(first.url, issued.token, alert('once'), { sign })).status).toBe(202);
    expect(replays(first.deps.db)).toBe(1);
    await first.stop();

    const second = await startTestAppliance({ wecomOrigin: 'http://127.0.0.1:9', env: { ADMIN_PASSWORD: PASSWORD }, dataDir, clock });
    try {
      const replay = await postEvent(second.url, issued.token, alert('once'), { sign });
      expect(replay.status).toBe(401);
      expect(replay.json.message).toMatch(/replay/);
      // Ten minutes on, the record is pruned at the next signed request (and the old one is stale anyway).
      offset = 11 * 60_000;
      const later = String(Math.floor(clock.now() / 1000));
      expect((await postEvent(second.url, issued.token, alert('later'), { sign: { timestamp: later, secret: issued.signingSecret } })).status).toBe(202);
      expect(replays(second.deps.db)).toBe(1);
      // The signing secret is stored sealed, never in clear.
      const row = second.deps.db.$client.prepare("select signing_secret from api_tokens where name = 'signed'").get() as { signing_secret: string };
      expect(row.signing_secret).not.toContain(issued.signingSecret);
      expect(second.deps.secretBox.open(row.signing_secret)).toBe(issued.signingSecret);
    } finally {
      await second.stop();
    }
  });

  it('tokens from before signing secrets keep signing with the token, and the console asks to replace them', async () => {
    const app = await startTestAppliance({ wecomOrigin: 'http://127.0.0.1:9', env: { ADMIN_PASSWORD: PASSWORD } });
    try {
      const legacy = issueApiToken(app.deps, { name: 'legacy sender', requireSignature: true, now: Date.now() });
      // What the migration leaves on a token created by an older version.
      app.deps.db.$client.prepare("update api_tokens set signing_secret = null where name = 'legacy sender'").run();
      expect((await postEvent(app.url, legacy.token, alert('legacy'), { sign: {} })).status).toBe(202);
      const c = new ConsoleClient(app.url);
      await c.signIn(PASSWORD);
      const page = textOf((await c.get('/inbound')).body);
      expect(page).toContain('Some tokens were created before signing secrets existed');
      expect(page).toContain('Signs with the token itself');
      const zh = textOf((await c.get('/inbound', { 'accept-language': 'zh-CN' })).body);
      expect(zh).toContain('部分令牌创建于签名密钥推出之前');
    } finally {
      await app.stop();
    }
  });
});

describe('a signed request the database could not store', () => {
  // README: 503 means nothing stored; only an accepted request's signature is remembered.
  it('a signed request refused 503 (disk full, nothing stored) is taken when sent again as it was', async () => {
    const app = await startTestAppliance({ wecomOrigin: 'http://127.0.0.1:9' });
    try {
      app.deps.settings.setRules({ ...app.deps.settings.rules(), dedupeWindowMinutes: 0 });
      const issued = issueApiToken(app.deps, { name: 'signed sender', requireSignature: true, now: Date.now() });
      const sqlite = app.deps.db.$client;
      const signed = (title: string) => {
        const body = JSON.stringify({ kind: 'alert', category: 'inventory', title, summary: 'x'.repeat(1900), fields: { sku: title } });
        const ts = String(Math.floor(Date.now() / 1000));
        return { title, body, ts, sig: signBody(issued.signingSecret, ts, body) };
      };
      const send = (r: { body: string; ts: string; sig: string }) =>
        fetch(app.url + '/api/v1/events', {
          method: 'POST',
          headers: { authorization: `Bearer ${issued.token}`, 'content-type': 'application/json', 'x-signature-timestamp': r.ts, 'x-signature': r.sig },
          body: r.body,
        });
      // The database may grow by a few pages only: SQLITE_FULL, as on a full disk.
      sqlite.pragma(`max_page_count = ${(sqlite.pragma('page_count', { simple: true }) as number) + 12}`);
      const refused: Array<ReturnType<typeof signed>> = [];
      for (let i = 0; i < 400 && refused.length < 4; i++) {
        const r = signed(`disk full #${i}`);
        const res = await send(r);
        if (res.status === 503) refused.push(r);
        else expect(res.status, await res.text()).toBe(202);
      }
      expect(refused.length).toBe(4);
      // Space is back; the sender does what the 503 asked (Retry-After): the same request again.
      sqlite.pragma('max_page_count = 1073741823');
      const retried: string[] = [];
      for (const r of refused) {
        const res = await send(r);
        retried.push(`${r.title}: ${res.status} ${await res.text()}`);
      }
      expect(retried.filter((line) => !/: 202 /.test(line)), 'retries of requests refused 503').toEqual([]);
      const stored = (sqlite.prepare("select title from events where title like 'disk full #%'").all() as Array<{ title: string }>).map((row) => row.title);
      for (const r of refused) expect(stored).toContain(r.title);
      // Accepted, it is a replay again; and of two identical requests at once, one is taken.
      expect((await send(refused[0]!)).status).toBe(401);
      const twin = signed('sent twice at once');
      expect((await Promise.all([send(twin), send(twin)])).map((res) => res.status).sort()).toEqual([202, 401]);
    } finally {
      await app.stop();
    }
  }, 30_000);
});

describe('a signed request refused after authentication, nothing stored', () => {
  // README: a signed request is accepted only once; one refused with nothing stored may be sent again as it was.
  it('a signed event refused 415 (wrong Content-Type) is taken when sent again with the right header, not refused as "already received (replay)"', async () => {
    const app = await startTestAppliance({ wecomOrigin: 'http://127.0.0.1:9' });
    try {
      const { token, signingSecret } = issueApiToken(app.deps, { name: 'signed', requireSignature: false, now: Date.now() });
      const body = JSON.stringify({ kind: 'alert', category: 'orders', severity: 'warning', title: 'Refunds above 5%', store: 'Tmall Flagship' });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = signBody(signingSecret, timestamp, body);
      const send = async (contentType: string, path = '/api/v1/events') => {
        const res = await fetch(`${app.url}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': contentType, 'x-signature-timestamp': timestamp, 'x-signature': signature },
          body,
        });
        return `${res.status} ${await res.text()}`;
      };
      // curl -d without -H sends a form type: the appliance says to send JSON with the right Content-Type.
      expect(await send('application/x-www-form-urlencoded')).toMatch(/^415 /);
      // The same signed request with the header fixed: nothing of the first was stored, so it is no replay.
      expect(await send('application/json')).toMatch(/^202 /);
      // Accepted, its record stays: neither a refused replay nor a request to no endpoint takes it back.
      expect(await send('application/json')).toMatch(/^401 .*replay/);
      expect(await send('application/json', '/api/v1/nowhere')).toMatch(/^404 /);
      expect(await send('application/json')).toMatch(/^401 .*replay/);
    } finally {
      await app.stop();
    }
  });

  it('a signed hook request answered 404 (its mapping not made yet) is taken when sent again as it was once the mapping exists', async () => {
    const app = await startTestAppliance({ wecomOrigin: 'http://127.0.0.1:9' });
    try {
      const { token, signingSecret } = issueApiToken(app.deps, { name: 'uptime kuma', requireSignature: true, now: Date.now() });
      const body = JSON.stringify({ heartbeat: { status: 0, msg: 'timeout', monitorID: 7, time: '2026-12-08 00:00:00' }, monitor: { name: 'Checkout', url: 'https://shop.example' }, msg: '[Checkout] [🔴 Down] timeout' });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-signature-timestamp': timestamp, 'x-signature': signBody(signingSecret, timestamp, body) };
      const send = async () => {
        const res = await fetch(`${app.url}/api/v1/hooks/kuma`, { method: 'POST', headers, body });
        return `${res.status} ${await res.text()}`;
      };
      expect(await send()).toMatch(/^404 .*hook_not_found/);
      // The admin makes the mapping the 404 asked for; the sender's queue sends the request again as it was.
      saveHookMapping(app.deps.db, 'kuma', JSON.stringify(HOOK_EXAMPLES.uptime_kuma), Date.now());
      expect(await send()).toMatch(/^202 /);
    } finally {
      await app.stop();
    }
  });
});

describe('a signed request after the data key changed', () => {
  it('is refused 401 naming SECRET_KEY and listed on the Inbound API page, not answered 500', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'signing-key-'));
    try {
      let app = await startTestAppliance({ wecomOrigin: 'http://127.0.0.1:9', dataDir, env: { ADMIN_PASSWORD: 'correct-horse-battery', SECRET_KEY: 'k'.repeat(40) } });
      const { token, signingSecret } = issueApiToken(app.deps, { name: 'signed', requireSignature: true, now: Date.now() });
      await app.stop();
      app = await startTestAppliance({ wecomOrigin: 'http://127.0.0.1:9', dataDir, env: { ADMIN_PASSWORD: 'correct-horse-battery', SECRET_KEY: 'z'.repeat(40) } });
      try {
        const body = JSON.stringify({ kind: 'alert', title: 'after key change' });
        const ts = String(Math.floor(Date.now() / 1000));
        const res = await fetch(`${app.url}/api/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-signature-timestamp': ts, 'x-signature': signBody(signingSecret!, ts, body) },
          body,
        });
        expect(res.status).toBe(401);
        expect(((await res.json()) as { message: string }).message).toContain('SECRET_KEY');
        expect(listRefusals(app.deps.db).map((r) => r.reason)).toEqual(['secret_unreadable']);
      } finally {
        await app.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
