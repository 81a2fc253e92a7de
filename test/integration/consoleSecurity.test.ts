import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_BODY_LIMIT, createApp, PUBLIC_BODY_LIMIT, PUBLIC_ROUTES } from '../../server/app.tsx';
import { isPublic } from '../../server/security/webMiddleware.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { rawRequest } from '../helpers/api.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const PASSWORD = 'a-long-admin-password';
const ZH = { 'accept-language': 'zh-CN,zh;q=0.9' };
const HAN = /[\u4e00-\u9fff]/;

describe('console security over real HTTP', () => {
  let fake: FakeWecom;
  let app: TestAppliance;

  beforeAll(async () => {
    fake = await startFakeWecom();
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD } });
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('refuses every registered console route without a session (route-table walk)', async () => {
    const routes = createApp(app.deps).routes.filter((r) => r.method !== 'ALL');
    const guarded = routes.filter((r) => !isPublic(r.path.replace(/:\w+/g, '1'), PUBLIC_ROUTES));
    expect(guarded.length).toBeGreaterThanOrEqual(10);
    const anon = new ConsoleClient(app.url);
    for (const route of guarded) {
      const path = route.path.replace(/:\w+/g, '1');
      const res = route.method === 'GET' ? await anon.get(path) : await anon.postForm(path, { url: 'x' });
      if (route.method === 'GET') {
        expect(res.status, `${route.method} ${path}`).toBe(302);
        expect(res.location, `${route.method} ${path}`).toMatch(/^\/login\?next=/);
      } else {
        expect(res.status, `${route.method} ${path}`).toBe(401);
      }
    }
  });

  it('a form posted after the session ended is answered in the reader language (ZH), not "Sign in first."', async () => {
    const c = new ConsoleClient(app.url); // no session cookie: it expired or was revoked
    const res = await c.postForm('/settings', { language: 'zh', timeZone: 'Asia/Shanghai', retentionDays: '90' }, ZH);
    expect(res.status).toBe(401);
    expect(textOf(res.body)).toMatch(HAN);
    // The sign-in page, saying why, leading back to the form's page once signed in.
    expect(textOf(res.body)).toContain('会话已结束');
    expect(res.body).toContain('<input type="hidden" name="next" value="/settings"/>');
    // htmx follows its redirect header, as before.
    const htmx = await c.postForm('/settings', { language: 'zh' }, { ...ZH, 'hx-request': 'true' });
    expect(htmx.status).toBe(401);
    expect(htmx.headers.get('hx-redirect')).toBe('/login?next=%2Fsettings');
  });

  it('an htmx form posted after the session ended leads, after sign-in, back to the page it was posted from (not to its action, a 404)', async () => {
    // The WeCom Bot card's "Send test notification" is an htmx form (hx-post="/channels/wecom/test"): no page of its own.
    const tab = new ConsoleClient(app.url);
    const res = await tab.postForm('/channels/wecom/test', {}, { 'hx-request': 'true', 'hx-current-url': `${app.url}/channels?form=replace` });
    expect(res.status).toBe(401);
    expect(res.headers.get('hx-redirect')).toBe('/login?next=%2Fchannels%3Fform%3Dreplace');
    const { location } = await tab.signInThrough(res.headers.get('hx-redirect')!, PASSWORD);
    expect(location).toBe('/channels?form=replace');
    expect((await tab.get(location!)).status).toBe(200);
    // A page of another host is not followed: the form's area, as for a plain form.
    const foreign = await new ConsoleClient(app.url).postForm('/channels/wecom/test', {}, { 'hx-request': 'true', 'hx-current-url': 'https://evil.example/channels' });
    expect(foreign.headers.get('hx-redirect')).toBe('/login?next=%2Fchannels');
  });

  it('an htmx refresh after the session ended sends the whole page to sign-in (401 + HX-Redirect), not the sign-in page into the panel', async () => {
    // The dashboard's panel refreshes itself every 10 s (hx-get="/dashboard/panel"), the send log's rows
    // every 5 s: htmx's XHR follows a redirect, and would swap the sign-in page into the panel.
    const tab = new ConsoleClient(app.url);
    const poll = await tab.get('/dashboard/panel', { 'hx-request': 'true', 'hx-current-url': `${app.url}/`, 'hx-target': 'dashboard-panel' });
    expect(poll.status).toBe(401);
    expect(poll.location).toBeNull();
    expect(poll.headers.get('hx-redirect')).toBe('/login?next=%2F');
    const { location } = await tab.signInThrough(poll.headers.get('hx-redirect')!, PASSWORD);
    expect(location).toBe('/');
    expect((await tab.get(location!)).body, 'a whole page, not the panel').toMatch(/^<!DOCTYPE html>/);
    const rows = await new ConsoleClient(app.url).get('/send-log/rows?status=failed', { 'hx-request': 'true', 'hx-current-url': `${app.url}/send-log?status=failed` });
    expect(rows.status).toBe(401);
    expect(rows.headers.get('hx-redirect')).toBe('/login?next=%2Fsend-log%3Fstatus%3Dfailed');
  });

  it('signs in with ADMIN_PASSWORD; a wrong password is refused and the form says so', async () => {
    const c = new ConsoleClient(app.url);
    const wrong = await c.postForm('/login', { password: 'nope-nope' }, { 'x-forwarded-for': 'ignored' });
    expect(wrong.status).toBe(401);
    expect(textOf(wrong.body)).toContain('Wrong password.');
    const empty = await c.postForm('/login', { password: '' });
    expect(empty.status).toBe(422);
    expect(textOf(empty.body)).toContain('Enter the password.');
    await c.signIn(PASSWORD);
    const page = await c.get('/channels');
    expect(page.status).toBe(200);
  });

  it('sets an HttpOnly SameSite=Strict session cookie and a fresh one on each sign-in', async () => {
    const c = new ConsoleClient(app.url);
    c.cookies.set('scn_session', 'planted-by-attacker');
    const res = await c.postForm('/login', { password: PASSWORD });
    const set = res.headers.getSetCookie().find((s) => s.startsWith('scn_session='))!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(c.cookies.get('scn_session')).not.toBe('planted-by-attacker');
  });

  it('rejects state-changing requests without the CSRF token or from another origin', async () => {
    const c = new ConsoleClient(app.url);
    await c.signIn(PASSWORD);
    const token = c.csrf;
    c.csrf = undefined;
    const noToken = await c.postForm('/channels/wecom/disconnect');
    expect(noToken.status).toBe(403);
    expect(noToken.body).toContain('Reload the page');
    c.csrf = 'wrong';
    expect((await c.postForm('/channels/wecom/disconnect')).status).toBe(403);
    c.csrf = token;
    const crossSite = await c.postForm('/channels/wecom/disconnect', {}, { origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    const noOrigin = await fetch(app.url + '/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'password=x',
    });
    expect(noOrigin.status).toBe(403);
    expect((await c.postForm('/channels/wecom/disconnect')).status).toBe(303);
  });

  it('a form whose session was replaced (signed out and in again in another tab) answers a console page in Chinese, not a bare text/plain body', async () => {
    const c = new ConsoleClient(app.url);
    await c.signIn(PASSWORD);
    await c.get('/settings', ZH);
    const stale = c.csrf;
    // Another tab signs out and back in: the session, and its form token, are new.
    expect((await c.postForm('/logout')).status).toBe(303);
    await c.signIn(PASSWORD);
    c.csrf = stale;
    const form = { language: 'zh', timeZone: 'Asia/Shanghai', retentionDays: '90' };
    const res = await c.postForm('/settings', form, { ...ZH, referer: `${app.url}/settings` });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(textOf(res.body)).toContain('表单已过期或来自其他网站。请刷新页面后重试。');
    expect(res.body).toContain('<html lang="zh-CN">');
    expect(res.body.match(/<h1\b/g)).toHaveLength(1);
    // The way back is a fresh load of the form's page (a reload would send the expired form again).
    expect(res.body).toContain('<a href="/settings">返回原页面</a>');
    // From another site (hono/csrf's refusal): the same page, leading to the console's home, not back to that site.
    const crossSite = await c.postForm('/settings', form, { ...ZH, origin: 'https://evil.example', referer: 'https://evil.example/settings' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body).not.toContain('返回原页面');
    expect(crossSite.body).not.toContain('evil.example');
    // htmx swaps the answer into the form's place: the sentence alone.
    const htmx = await c.postForm('/settings', form, { ...ZH, 'hx-request': 'true' });
    expect(htmx.status).toBe(403);
    expect(htmx.body).toBe('表单已过期或来自其他网站。请刷新页面后重试。');
  });

  it('throttles sign-in after 5 failures, even for the right password', async () => {
    const c = new ConsoleClient(app.url);
    // A fresh appliance so earlier tests' failures from 127.0.0.1 do not count.
    const own = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD } });
    try {
      const oc = new ConsoleClient(own.url);
      for (let i = 0; i < 5; i++) expect((await oc.postForm('/login', { password: 'wrong-' + i })).status).toBe(401);
      const blocked = await oc.postForm('/login', { password: PASSWORD });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(textOf(blocked.body)).toMatch(/Too many failed attempts/);
    } finally {
      await own.stop();
    }
    expect(c.cookies.size).toBe(0);
  });

  it('sends secure headers with a CSP that allows no inline script', async () => {
    const res = await fetch(app.url + '/login');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).toContain('/static/htmx.min.js');
    const htmx = await fetch(app.url + '/static/htmx.min.js');
    expect(htmx.status).toBe(200);
    expect((await htmx.text()).length).toBeGreaterThan(10_000);
  });

  it('never redirects off-site after sign-in or a language switch', async () => {
    const c = new ConsoleClient(app.url);
    for (const next of ['//evil.example/x', 'https://evil.example', '/\\evil.example', '/%0d%0aSet-Cookie:x=y']) {
      const res = await c.postForm('/login', { password: PASSWORD, next });
      expect(res.status).toBe(303);
      expect(res.location?.startsWith('/') && !res.location.startsWith('//')).toBe(true);
      expect(res.location).not.toContain('evil');
      const lang = await c.get(`/lang/zh?next=${encodeURIComponent(next)}`);
      expect(lang.location).not.toContain('evil');
    }
    const ok = await c.postForm('/login', { password: PASSWORD, next: '/send-log' });
    expect(ok.location).toBe('/send-log');
  });

  it('switching the language on the sign-in page keeps where sign-in leads (its ?next= is part of the page)', async () => {
    const c = new ConsoleClient(app.url);
    const asked = await c.get('/channels');
    expect(asked.location).toBe('/login?next=%2Fchannels');
    const login = await c.get(asked.location!);
    const switchHref = /<a href="(\/lang\/zh\?next=[^"]*)"/.exec(login.body)?.[1]?.replace(/&amp;/g, '&');
    expect(switchHref, 'the 简体中文 link on the sign-in page').toBe('/lang/zh?next=%2Flogin%3Fnext%3D%252Fchannels');
    const switched = await c.get(switchHref!);
    expect(switched.location).toBe('/login?next=%2Fchannels');
    const { next, location } = await c.signInThrough(switched.location!, PASSWORD);
    expect(next, 'the return path on the sign-in page after the switch').toBe('/channels');
    expect(location).toBe('/channels');
    // A page's query is kept too, and the navigation still marks the page.
    const filtered = await c.get('/send-log?status=failed');
    expect(filtered.body).toContain('href="/lang/en?next=%2Fsend-log%3Fstatus%3Dfailed"');
    expect(filtered.body).toMatch(/<a href="\/send-log" aria-current="page">/);
  });

  it('answers health and readiness without a session, and 413 for a huge console form', async () => {
    expect((await fetch(app.url + '/healthz')).status).toBe(200);
    const ready = await fetch(app.url + '/readyz');
    expect(ready.status).toBe(200);
    const c = new ConsoleClient(app.url);
    await c.signIn(PASSWORD);
    const big = await c.postForm('/channels/wecom/connect', { url: 'x'.repeat(CONSOLE_BODY_LIMIT + 1) });
    expect(big.status).toBe(413);
  });

  it('keeps the forms anyone may post (sign-in) to 64 KiB: only a session earns the larger limit', async () => {
    const c = new ConsoleClient(app.url);
    await c.get('/login');
    const big = await c.postForm('/login', { password: 'x'.repeat(PUBLIC_BODY_LIMIT + 1) });
    expect(big.status).toBe(413);
    expect(PUBLIC_BODY_LIMIT).toBeLessThan(CONSOLE_BODY_LIMIT);
  });

  it('a console form over the body limit is refused in the reader language (ZH), not with "Request body too large"', async () => {
    const c = new ConsoleClient(app.url);
    await c.signIn(PASSWORD);
    await c.get('/settings', ZH);
    const res = await c.postForm('/settings', { language: 'zh', timeZone: 'Asia/Shanghai', retentionDays: '90', filler: 'x'.repeat(CONSOLE_BODY_LIMIT + 1024) }, ZH);
    expect(res.status).toBe(413);
    expect(textOf(res.body)).toMatch(HAN);
  });
});

describe('first-run setup', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  beforeAll(async () => {
    fake = await startFakeWecom();
    app = await startTestAppliance({ wecomOrigin: fake.origin });
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('leads every page to setup, asks for the setup code from the log, validates the form, then signs the admin in', async () => {
    // The code is printed once to the log at start, and the log is the only place it appears.
    const lines = app.logs.filter((l) => l.includes('setup code'));
    expect(lines).toHaveLength(1);
    const code = (JSON.parse(lines[0]!) as { setupCode: string }).setupCode;
    expect(code).toMatch(/^[A-Z0-9]{4}(-[A-Z0-9]{4}){4}$/);
    const c = new ConsoleClient(app.url);
    expect((await c.get('/')).location).toBe('/setup');
    expect((await c.get('/login')).location).toBe('/setup');
    const form = await c.get('/setup');
    expect(form.body).toMatch(/<label for="setupCode">Setup code<\/label>/);
    expect(form.body).not.toContain(code);
    // The command to find the code is set as code, not between literal backticks.
    expect(form.body).toContain('run <code>docker compose logs notifier | grep &quot;setup code&quot;</code> (or look at the terminal');
    expect(textOf(form.body)).not.toContain('`');
    expect(textOf((await c.get('/setup', { 'accept-language': 'zh-CN' })).body)).toMatch(/运行\s+docker compose logs notifier \| grep "setup code"\s*（或查看/);
    const noCode = await c.postForm('/setup', { password: 'long-enough-1', confirm: 'long-enough-1' });
    expect(noCode.status).toBe(422);
    expect(textOf(noCode.body)).toContain('Enter the setup code');
    const wrongCode = await c.postForm('/setup', { setupCode: 'AAAA-BBBB-CCCC-DDDD-EEEE', password: 'long-enough-1', confirm: 'long-enough-1' });
    expect(wrongCode.status).toBe(403);
    expect(textOf(wrongCode.body)).toContain('The setup code is wrong');
    expect(wrongCode.headers.getSetCookie()).toEqual([]);
    const short = await c.postForm('/setup', { setupCode: code, password: 'elevenchars', confirm: 'elevenchars' });
    expect(short.status).toBe(422);
    expect(textOf(short.body)).toContain('at least 12 characters');
    const mismatch = await c.postForm('/setup', { setupCode: code, password: 'long-enough-1', confirm: 'long-enough-2' });
    expect(mismatch.status).toBe(422);
    expect(textOf(mismatch.body)).toContain('do not match');
    const zh = await c.postForm('/setup', { setupCode: code, password: 'short', confirm: 'short' }, { 'accept-language': 'zh-CN,zh;q=0.9' });
    expect(textOf(zh.body)).toContain('密码至少需要 12 个字符');
    const zhCode = await c.postForm('/setup', { setupCode: 'x', password: 'long-enough-1', confirm: 'long-enough-1' }, { 'accept-language': 'zh-CN' });
    expect(textOf(zhCode.body)).toContain('设置码不正确');
    const ok = await c.postForm('/setup', { setupCode: code.toLowerCase(), password: 'long-enough-1', confirm: 'long-enough-1' });
    expect(ok.status).toBe(303);
    expect((await c.get('/channels')).status).toBe(200);
    const again = await new ConsoleClient(app.url).postForm('/setup', { setupCode: code, password: 'another-pass', confirm: 'another-pass' });
    expect(again.status).toBe(409);
  });

  it('throttles setup attempts like sign-in: five wrong codes per client, then 429 without an audit row (issue 20)', async () => {
    let offset = 0;
    const fresh = await startTestAppliance({ wecomOrigin: fake.origin, clock: { now: () => Date.now() + offset } });
    try {
      const code = fresh.deps.setupCode!.display;
      const attempt = (setupCode: string) => new ConsoleClient(fresh.url).postForm('/setup', { setupCode, password: 'long-enough-1', confirm: 'long-enough-1' });
      for (let i = 0; i < 5; i++) expect((await attempt(`WRNG-CODE-${i}AAA-BBBB-CCCC`)).status).toBe(403);
      const statuses = await Promise.all(Array.from({ length: 100 }, (_, i) => attempt(`FLOD-CODE-${i}-BBBB-CCCC`).then((r) => r.status)));
      expect(new Set(statuses)).toEqual(new Set([429]));
      const right = await attempt(code);
      expect(right.status).toBe(429);
      expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(800);
      expect(textOf(right.body)).toContain('Too many');
      const failures = fresh.deps.db.$client.prepare("select count(*) as n from audit_log where action = 'setup.failure'").get() as { n: number };
      expect(failures.n).toBe(5);
      offset += 15 * 60_000 + 1000;
      expect((await attempt(code)).status).toBe(303);
    } finally {
      await fresh.stop();
    }
  });

  it('a page on another host name (DNS rebinding) can neither set up nor use the console', async () => {
    const fresh = await startTestAppliance({ wecomOrigin: fake.origin });
    try {
      const code = fresh.deps.setupCode!.display;
      const port = new URL(fresh.url).port;
      // What a rebinding page sends: its own name as Host and as Origin, so the origin check alone passes.
      const rebound = { host: `attacker.example:${port}`, origin: `http://attacker.example:${port}` };
      const res = await rawRequest(fresh.url + '/setup', {
        method: 'POST',
        headers: { ...rebound, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ setupCode: code, password: 'attacker-password', confirm: 'attacker-password' }).toString(),
      });
      expect(res.status).toBe(421);
      expect(res.body).toContain('ALLOWED_HOSTS');
      expect((await rawRequest(fresh.url + '/login', { headers: rebound })).status).toBe(421);
      expect((await rawRequest(fresh.url + '/healthz', { headers: rebound })).status).toBe(200);
      expect(fresh.deps.db.$client.prepare('select count(*) as n from admin').get()).toEqual({ n: 0 });
      // The expected names pass: localhost, the loopback addresses (any port).
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST.']) {
        expect((await rawRequest(fresh.url + '/setup', { headers: { host } })).status, host).toBe(200);
      }
    } finally {
      await fresh.stop();
    }
    const named = await startTestAppliance({ wecomOrigin: fake.origin, env: { PUBLIC_URL: 'https://notifier.example.com', ALLOWED_HOSTS: 'notifier.lan,192.168.1.10' } });
    try {
      for (const host of ['notifier.example.com', 'notifier.lan:8080', '192.168.1.10:8080']) {
        expect((await rawRequest(named.url + '/setup', { headers: { host } })).status, host).toBe(200);
      }
      expect((await rawRequest(named.url + '/setup', { headers: { host: 'evil.notifier.lan' } })).status).toBe(421);
    } finally {
      await named.stop();
    }
  });
});
