import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getChannel } from '../../db/queries/channel.ts';
import { createApp, PUBLIC_ROUTES } from '../../server/app.tsx';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { isPublic } from '../../server/security/webMiddleware.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { sleep } from '../helpers/random.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const PASSWORD = 'web-security-pass';
const KEY = 'd5e6f7a8-b9c0-4d1e-8f2a-3b4c5d6e7f8a';

describe('auth and web security, beyond the console route walk', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let offset = 0;
  const clock = { now: () => Date.now() + offset };

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD }, clock });
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('only the intended routes are public, and every API route refuses a missing, wrong or revoked token (route-table walk)', async () => {
    expect(PUBLIC_ROUTES.paths.sort()).toEqual(['/healthz', '/login', '/metrics', '/readyz', '/setup']);
    expect(PUBLIC_ROUTES.prefixes.sort()).toEqual(['/api/', '/lang/', '/static/']);
    const routes = createApp(app.deps).routes.filter((r) => r.method !== 'ALL');
    // The API document is public on purpose (it describes the API, nothing of its data).
    const api = routes.filter((r) => r.path.startsWith('/api/') && r.path !== '/api/v1/openapi.json');
    expect(api.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      'GET /api/v1/config',
      'GET /api/v1/events/:id',
      'POST /api/v1/alertmanager',
      'POST /api/v1/events',
      'POST /api/v1/heartbeats/:key',
      'POST /api/v1/heartbeats/:key/fail',
      'POST /api/v1/heartbeats/:key/pause',
      'POST /api/v1/heartbeats/:key/resume',
      'POST /api/v1/heartbeats/:key/start',
      'POST /api/v1/hooks/:name',
      'POST /api/v1/metrics',
      'PUT /api/v1/config',
    ]);
    const revoked = issueApiToken(app.deps, { name: 'revoked', requireSignature: false, now: Date.now() }).token;
    app.deps.db.$client.prepare("update api_tokens set revoked_at = ? where name = 'revoked'").run(Date.now());
    const before = (app.deps.db.$client.prepare('select count(*) as n from events').get() as { n: number }).n;
    for (const route of api) {
      for (const auth of [undefined, 'Bearer scn_not-a-token', `Bearer ${revoked}`, 'Basic YWRtaW46YWRtaW4=', `Bearer ${PASSWORD}`]) {
        const res = await fetch(app.url + route.path.replace(/:\w+/g, '1'), {
          method: route.method,
          headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
          ...(route.method !== 'GET' && { body: JSON.stringify({ kind: 'alert', category: 'orders', title: 'no token' }) }),
        });
        expect(res.status, `${route.method} ${route.path} ${auth}`).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(((await res.json()) as { error: string }).error).toBe('unauthorized');
      }
      // A console session is no API credential.
      const c = new ConsoleClient(app.url);
      await c.signIn(PASSWORD);
      const body = route.method !== 'GET' ? '{}' : undefined;
      expect((await c.request(route.method, route.path.replace(/:\w+/g, '1'), { body, headers: { 'content-type': 'application/json' } })).status).toBe(401);
    }
    expect((app.deps.db.$client.prepare('select count(*) as n from events').get() as { n: number }).n).toBe(before);
    // A path under /api/ that no route answers: an API error in JSON, not a console page.
    const unknown = await fetch(app.url + '/api/v1/event', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'not_found', message: 'No API endpoint answers POST /api/v1/event' });
    expect(unknown.headers.get('x-content-type-options')).toBe('nosniff');
    // The same path percent-encoded is the same route (RFC 3986): the API's, refused without a token.
    for (const path of ['/%61pi/v1/events', '/api/v1/%65vents']) {
      const res = await fetch(app.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res.status, path).toBe(401);
      expect(((await res.json()) as { error: string }).error, path).toBe('unauthorized');
    }
    // Public GET routes answer without a session but show nothing of the console.
    for (const route of routes.filter((r) => r.method === 'GET' && isPublic(r.path.replace(/:\w+/g, 'x'), PUBLIC_ROUTES))) {
      const res = await fetch(app.url + route.path.replace(/:\w+/g, 'en'), { redirect: 'manual' });
      expect(res.status, route.path).toBeLessThan(500);
      const text = await res.text();
      expect(text, route.path).not.toContain('name="_csrf"');
      expect(text, route.path).not.toContain(KEY);
    }
  });

  it('backup download needs a session and its CSRF token', async () => {
    const anon = new ConsoleClient(app.url);
    expect((await anon.get('/backup')).location).toMatch(/^\/login\?next=%2Fbackup$/);
    const refused = await anon.postForm('/backup/download');
    expect(refused.status).toBe(401);
    expect(refused.body).not.toContain('SQLite format 3');
    const c = new ConsoleClient(app.url);
    await c.signIn(PASSWORD);
    await c.get('/backup');
    const csrf = c.csrf;
    c.csrf = 'forged';
    expect((await c.postForm('/backup/download')).status).toBe(403);
    c.csrf = csrf;
    expect((await c.postForm('/backup/download', {}, { origin: 'https://evil.example' })).status).toBe(403);
  });

  it('session fixation: a session from before sign-in is never kept; sign-out kills the session server-side', async () => {
    const a = new ConsoleClient(app.url);
    await a.signIn(PASSWORD);
    const first = a.cookies.get('scn_session')!;
    // Signing in again on the same browser replaces the session, and the old token stops working.
    await a.postForm('/login', { password: PASSWORD });
    const second = a.cookies.get('scn_session')!;
    expect(second).not.toBe(first);
    const replay = new ConsoleClient(app.url);
    replay.cookies.set('scn_session', first);
    expect((await replay.get('/channels')).location).toMatch(/^\/login/);
    // Sign out: the cookie is cleared and the token is dead even if someone kept a copy.
    await a.get('/channels');
    const out = await a.postForm('/logout');
    expect(out.status).toBe(303);
    expect(out.headers.getSetCookie().some((s) => /^scn_session=;/.test(s) && /Max-Age=0/i.test(s))).toBe(true);
    const kept = new ConsoleClient(app.url);
    kept.cookies.set('scn_session', second);
    expect((await kept.get('/channels')).location).toMatch(/^\/login/);
    expect((await kept.postForm('/channels/wecom/disconnect')).status).toBe(401);
  });

  it('cookie flags: HttpOnly, SameSite=Strict, Path=/, a lifetime; over HTTPS __Host- and Secure, on plain HTTP neither', async () => {
    const plain = await new ConsoleClient(app.url).postForm('/login', { password: PASSWORD });
    const cookie = plain.headers.getSetCookie().find((s) => s.startsWith('scn_session='))!;
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).toMatch(/; Max-Age=43200/);
    expect(cookie).not.toMatch(/; Secure/);
    expect(cookie.split(';')[0]!.length).toBeGreaterThan('scn_session='.length + 40);
    expect(plain.headers.getSetCookie().some((s) => s.startsWith('__Host-'))).toBe(false);
    const proxied = await new ConsoleClient(app.url).postForm('/login', { password: PASSWORD }, { 'x-forwarded-proto': 'https' });
    const secure = proxied.headers.getSetCookie().find((s) => s.startsWith('__Host-scn_session='))!;
    expect(secure).toMatch(/; Secure/);
    expect(secure).toMatch(/; Path=\//);
    expect(secure).not.toMatch(/; Domain=/i);
    expect(proxied.headers.getSetCookie().some((s) => s.startsWith('scn_session='))).toBe(false);
    // Each scheme reads only its own cookie: the plain-http name is no session over HTTPS.
    const token = secure.split(';')[0]!.split('=')[1]!;
    const https = { 'x-forwarded-proto': 'https' };
    const overHttps = new ConsoleClient(app.url);
    overHttps.cookies.set('__Host-scn_session', token);
    expect((await overHttps.get('/channels', https)).status).toBe(200);
    const tossed = new ConsoleClient(app.url);
    tossed.cookies.set('scn_session', token);
    expect((await tossed.get('/channels', https)).location).toMatch(/^\/login/);
  });

  it('sends HSTS only over HTTPS (issue 20): never on plain http, where it means nothing', async () => {
    for (const path of ['/login', '/healthz', '/api/v1/openapi.json']) {
      expect((await fetch(app.url + path)).headers.get('strict-transport-security'), path).toBeNull();
      expect((await fetch(app.url + path, { headers: { 'x-forwarded-proto': 'https' } })).headers.get('strict-transport-security'), path).toBe('max-age=15552000; includeSubDomains');
    }
  });

  it('an idle session expires after 12 hours; throttled sign-in opens again when the 15-minute window has passed', async () => {
    const c = new ConsoleClient(app.url);
    await c.signIn(PASSWORD);
    offset += 11 * 3600_000;
    expect((await c.get('/channels')).status).toBe(200); // activity slides the idle timeout
    offset += 11 * 3600_000;
    expect((await c.get('/channels')).status).toBe(200);
    offset += 12 * 3600_000 + 60_000;
    expect((await c.get('/channels')).location).toMatch(/^\/login/);

    const t = new ConsoleClient(app.url);
    for (let i = 0; i < 5; i++) expect((await t.postForm('/login', { password: `wrong-${i}` })).status).toBe(401);
    const blocked = await t.postForm('/login', { password: PASSWORD });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.getSetCookie().some((s) => s.startsWith('scn_session='))).toBe(false);
    // The throttle also stops the sixth wrong guess from being checked at all.
    expect((await t.postForm('/login', { password: 'wrong-6' })).status).toBe(429);
    offset += 15 * 60_000 + 1_000;
    expect((await t.postForm('/login', { password: PASSWORD })).status).toBe(303);
    // A success forgives the failures.
    for (let i = 0; i < 4; i++) expect((await t.postForm('/login', { password: `wrong-again-${i}` })).status).toBe(401);
    expect((await t.postForm('/login', { password: PASSWORD })).status).toBe(303);
  });

  it("an active session's cookie lasts as the session does: each slide of the idle timeout sets it again, never past the absolute lifetime", async () => {
    // A browser keeps a cookie for its Max-Age from when it was last set: emulated on the appliance's clock.
    const browser = new ConsoleClient(app.url);
    let cookieExpiresAt = 0;
    let maxAge: number | undefined;
    const browse = async (path: string) => {
      if (offset + Date.now() >= cookieExpiresAt) browser.cookies.delete('scn_session');
      const page = await browser.get(path);
      const set = page.headers.getSetCookie().find((s) => s.startsWith('scn_session='));
      maxAge = set ? Number(/Max-Age=(\d+)/i.exec(set)?.[1]) : undefined;
      if (maxAge) cookieExpiresAt = offset + Date.now() + maxAge * 1000;
      return page;
    };
    const start = offset;
    await browser.signIn(PASSWORD);
    cookieExpiresAt = start + Date.now() + 12 * 3600_000;
    offset = start + 11 * 3600_000;
    expect((await browse('/channels')).status, 'in use 11 h after sign-in').toBe(200);
    expect(maxAge, 'the slide sets the cookie again for the idle timeout').toBe(12 * 3600);
    // Idle 2 h, 13 h after sign-in: the browser still holds the cookie, now for the 11 h left of the 24.
    offset = start + 13 * 3600_000;
    expect((await browse('/channels')).status, 'active 2 h ago').toBe(200);
    expect(maxAge).toBeGreaterThan(11 * 3600 - 5);
    expect(maxAge).toBeLessThanOrEqual(11 * 3600);
    // Within the minute the slide is not written, nor is the cookie set again.
    offset += 30_000;
    await browse('/channels');
    expect(maxAge).toBeUndefined();
    offset = start + 24 * 3600_000 + 1_000;
    expect((await browse('/channels')).location).toMatch(/^\/login/);
  });

  it('every page sends the secure headers and a CSP; no page has inline script, inline handlers or inline styles', async () => {
    const c = new ConsoleClient(app.url);
    await c.signIn(PASSWORD);
    const routes = createApp(app.deps).routes.filter((r) => r.method === 'GET' && !r.path.includes('*'));
    let pages = 0;
    for (const route of routes) {
      const res = await c.get(route.path.replace(/:\w+/g, '1'));
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, route.path).toContain("default-src 'self'");
      expect(csp, route.path).toContain("script-src 'self'");
      expect(csp, route.path).toContain("frame-ancestors 'none'");
      expect(csp, route.path).toContain("object-src 'none'");
      expect(csp, route.path).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(res.headers.get('x-content-type-options'), route.path).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), route.path).toBe('SAMEORIGIN');
      expect(res.headers.get('referrer-policy'), route.path).toBe('same-origin');
      if (!(res.headers.get('content-type') ?? '').includes('text/html')) continue;
      pages++;
      expect(res.body, route.path).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i);
      expect(res.body, route.path).not.toMatch(/\son[a-z]+\s*=/i);
      expect(res.body, route.path).not.toMatch(/\sstyle\s*=/i);
      expect(res.body, route.path).not.toMatch(/(href|src|action)="(javascript|data:text)/i);
    }
    expect(pages).toBeGreaterThan(10);
    for (const path of ['/api/v1/events', '/metrics', '/healthz', '/nope']) {
      const res = await fetch(app.url + path, { method: path.startsWith('/api') ? 'POST' : 'GET' });
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('content-security-policy'), path).toContain("default-src 'self'");
    }
  });

  it('open redirect: no sign-in return path, language switch or sign-in page leads off-site', async () => {
    const vectors = [
      '//evil.example',
      '///evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      '/\t/evil.example',
      '/ /evil.example',
      'https://evil.example',
      'https:evil.example',
      'javascript:alert(1)',
      '/%2F%2Fevil.example',
      '/%5Cevil.example',
      '/\u2215\u2215evil.example',
      '/\r\nLocation: https://evil.example',
      'evil.example',
    ];
    const c = new ConsoleClient(app.url);
    await c.signIn(PASSWORD);
    for (const next of vectors) {
      const post = await new ConsoleClient(app.url).postForm('/login', { password: PASSWORD, next });
      expect(post.status, next).toBe(303);
      expect(safe(post.location), `${JSON.stringify(next)} → ${post.location}`).toBe(true);
      const page = await new ConsoleClient(app.url).get(`/login?next=${encodeURIComponent(next)}`);
      const hidden = /name="next" value="([^"]*)"/.exec(page.body)?.[1] ?? '';
      expect(hidden === '' || safe(hidden.replace(/&amp;/g, '&')), `hidden next ${JSON.stringify(hidden)}`).toBe(true);
      const signedIn = await c.get(`/login?next=${encodeURIComponent(next)}`);
      expect(safe(signedIn.location), `signed in: ${JSON.stringify(next)} → ${signedIn.location}`).toBe(true);
      const lang = await c.get(`/lang/en?next=${encodeURIComponent(next)}`);
      expect(safe(lang.location), `lang: ${JSON.stringify(next)} → ${lang.location}`).toBe(true);
    }
    function safe(location: string | null): boolean {
      if (!location) return false;
      // What a browser would make of it, resolved against the appliance.
      const resolved = new URL(location.replace(/[\t\n\r]/g, ''), app.url);
      return resolved.origin === app.url && !/[\r\n]/.test(location);
    }
  });

  it('SSRF: no form or API makes the appliance call any host but the WeCom origin', async () => {
    const hits: string[] = [];
    const evil: Server = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      res.end('{"errcode":0,"errmsg":"ok"}');
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
    const port = (evil.address() as AddressInfo).port;
    const fakePort = new URL(fake.origin).port;
    try {
      const c = new ConsoleClient(app.url);
      await c.signIn(PASSWORD);
      await c.postForm('/channels/wecom/disconnect');
      const before = fake.received.length;
      const tricks = [
        `http://127.0.0.1:${port}/cgi-bin/webhook/send?key=${KEY}`,
        `https://127.0.0.1:${port}/cgi-bin/webhook/send?key=${KEY}`,
        `https://qyapi.weixin.qq.com@127.0.0.1:${port}/cgi-bin/webhook/send?key=${KEY}`,
        `https://user:pass@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`,
        `https://qyapi.weixin.qq.com:${port}/cgi-bin/webhook/send?key=${KEY}`,
        `https://qyapi.weixin.qq.com.127.0.0.1.nip.io/cgi-bin/webhook/send?key=${KEY}`,
        `https://qyapi.weixin.qq.com%2e127.0.0.1/cgi-bin/webhook/send?key=${KEY}`,
        `https://[::1]:${port}/cgi-bin/webhook/send?key=${KEY}`,
        `https://2130706433:${port}/cgi-bin/webhook/send?key=${KEY}`,
        `https://0x7f000001:${port}/cgi-bin/webhook/send?key=${KEY}`,
        `https://localhost:${fakePort}/cgi-bin/webhook/send?key=${KEY}`,
        `//127.0.0.1:${port}/cgi-bin/webhook/send?key=${KEY}`,
        `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}@127.0.0.1:${port}`,
        `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}#@127.0.0.1:${port}`,
        `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}&url=http://127.0.0.1:${port}/`,
        `https://qyapi.weixin.qq.com/../../127.0.0.1:${port}/cgi-bin/webhook/send?key=${KEY}`,
        `https://qyapi.weixin.qq.com/cgi-bin/webhook/send/../../../x?key=${KEY}`,
        `${KEY}/../../x`,
        `${KEY}%26url%3Dhttp%3A%2F%2F127.0.0.1%3A${port}`,
        `file:///etc/passwd`,
        `gopher://127.0.0.1:${port}/_POST`,
        `https://qyapi.weixin.qq.com\\@127.0.0.1:${port}/cgi-bin/webhook/send?key=${KEY}`,
        `https://qyapi.weixin.qq.com\u3002127.0.0.1/cgi-bin/webhook/send?key=${KEY}`,
      ];
      for (const url of tricks) {
        const res = await c.postForm('/channels/wecom/connect', { url });
        if (res.status === 303) {
          // Accepted only as WeCom's own URL for this key: the message went to the WeCom origin, nowhere else.
          expect(fake.received.at(-1)?.key, url).toBe(KEY);
          await c.postForm('/channels/wecom/disconnect');
        } else {
          expect(res.status, `${url} → ${res.status}`).toBe(422);
        }
        await sleep(5);
      }
      // Every call that did go out went to the configured WeCom origin, to the send path, with a well-formed key.
      for (const m of fake.received.slice(before)) expect(m.key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

      // Nothing an event carries is ever fetched: links, Alertmanager URLs, mention lists.
      expect((await c.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
      const token = issueApiToken(app.deps, { name: 'ssrf', requireSignature: false, now: Date.now() }).token;
      const target = `http://127.0.0.1:${port}/steal`;
      expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', title: 'link', url: target, fields: { img: `${target}.png` } })).status).toBe(202);
      expect(
        (
          await postEvent(
            app.url,
            token,
            { version: '4', status: 'firing', externalURL: target, alerts: [{ status: 'firing', labels: { alertname: 'x' }, annotations: { runbook_url: target }, generatorURL: target, startsAt: '2026-01-01T00:00:00Z' }] },
            { path: '/api/v1/alertmanager' },
          )
        ).status,
      ).toBe(202);
      expect(await waitFor(() => fake.received.some((m) => JSON.stringify(m.body).includes('/steal')), 10_000)).toBe(true);
      // The settings and troubleshooting forms take no URL at all.
      await c.postForm('/troubleshooting/test');
      await c.postForm('/settings', { language: 'en', timeZone: 'Asia/Shanghai', retentionDays: '90', url: target, origin: target });
      await sleep(300);
      expect(hits).toEqual([]);
      expect(getChannel(app.deps.db)?.keyLast4).toBe(KEY.slice(-4));
      console.log(`ssrf: ${tricks.length} URL tricks, 2 events with foreign URLs → ${hits.length} requests to the foreign listener`);
    } finally {
      await new Promise((r) => evil.close(r));
    }
  });

  it('the banner and error pages never reflect request input unescaped (XSS)', async () => {
    const c = new ConsoleClient(app.url);
    await c.signIn(PASSWORD);
    const payload = '"><script>alert(1)</script><img src=x onerror=alert(1)>';
    const res = await c.postForm('/channels/wecom/connect', { url: payload });
    expect(res.status).toBe(422);
    expect(res.body).not.toContain('<script>alert(1)</script>');
    expect(res.body).not.toContain('<img src=x');
    const notFound = await c.get(`/${encodeURIComponent(payload)}`);
    expect(notFound.status).toBe(404);
    expect(notFound.body).not.toContain('<script>alert(1)');
    const token = issueApiToken(app.deps, { name: 'xss', requireSignature: false, now: Date.now() }).token;
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', title: payload, store: payload })).status).toBe(202);
    for (const path of ['/inbound', '/send-log', '/']) {
      const page = await c.get(path);
      expect(page.body, path).not.toContain('<script>alert(1)</script>');
      expect(page.body, path).not.toMatch(/<img src=x/);
    }
    expect(textOf((await c.get('/send-log')).body)).toContain('<script>alert(1)</script>'.slice(0, 8));
  });
});
