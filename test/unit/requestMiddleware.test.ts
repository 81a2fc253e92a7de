import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import type { AppEnv } from '../../server/env.ts';
import { apiRequest, consoleRequest } from '../../server/security/webMiddleware.ts';
import { API_HEADERS, apiJson } from '../../server/security/apiHeaders.ts';

// The one middleware every console request passes, and the one every API request passes
// (webMiddleware.ts), in two apps as createApp builds them: what each kind of answer carries.
type Sender = { request: (url: string, init: RequestInit) => Response | Promise<Response> };
function app(): Sender {
  const deps = { build: { version: '1.2.3', commit: 'abc' }, config: { trustProxy: [], publicUrl: 'https://notify.example.com', allowedHosts: [] } };
  const a = new Hono<AppEnv>();
  const api = new Hono<AppEnv>();
  for (const x of [a, api]) x.onError((_err, c) => c.text('failed', 500));
  a.use('*', consoleRequest(deps));
  api.use('*', apiRequest(deps));
  a.get('/page', (c) => c.text(`${c.var.lang} ${c.var.t('host.refused', { host: 'x' }).length > 0} ${c.var.build.version} ${c.var.https}`));
  a.get('/cached', (c) => c.text('static', 200, { 'cache-control': 'public, max-age=60' }));
  a.get('/boom', () => {
    throw new Error('boom');
  });
  a.get('/healthz', (c) => c.text('ok'));
  api.post('/api/v1/events', (c) => c.json({ id: 1 }, 202));
  api.post('/api/v1/fast', (c) => apiJson(c, { id: 2, lang: c.var.lang ?? null }, 202));
  api.get('/api/v1/doc', (c) => c.json({}, 200, { 'cache-control': 'no-cache' }));
  api.get('/api/v1/boom', () => {
    throw new Error('boom');
  });
  return { request: (url, init) => (new URL(url).pathname.startsWith('/api/') ? api : a).request(url, init) };
}

/** As a browser would send it: with the URL's host in a Host header (app.request sends none). */
const send = (a: Sender, url: string, init: { method?: string; headers?: Record<string, string> } = {}): Response | Promise<Response> =>
  a.request(url, { ...init, headers: { host: new URL(url).host, ...init.headers } });

const secure = (res: Response) => {
  expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('same-origin');
};

describe('consoleRequest and apiRequest', () => {
  it('sets the language, the build and https for the handlers; answers carry the secure headers and no-store', async () => {
    const res = await send(app(), 'http://localhost/page', { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
    expect(await res.text()).toBe('zh true 1.2.3 false');
    secure(res);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });

  it('keeps a cache-control the handler chose, and adds HSTS only over HTTPS', async () => {
    const res = await send(app(), 'http://localhost/cached', { headers: { 'x-forwarded-proto': 'https' } });
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    expect(res.headers.get('strict-transport-security')).toBe('max-age=15552000; includeSubDomains');
    secure(res);
  });

  it('refuses a console path for an unknown Host with 421 in the user language, still with the secure headers and HSTS', async () => {
    const res = await send(app(), 'http://evil.example.net/page', { headers: { 'x-forwarded-proto': 'https', 'accept-language': 'en' } });
    expect(res.status).toBe(421);
    expect(await res.text()).toContain('evil.example.net');
    secure(res);
    expect(res.headers.get('strict-transport-security')).toBe('max-age=15552000; includeSubDomains');
  });

  it('lets health checks and the API answer for any Host, and the PUBLIC_URL host and localhost for console paths', async () => {
    const a = app();
    expect((await send(a, 'http://container-name/healthz')).status).toBe(200);
    expect((await send(a, 'http://container-name/api/v1/events', { method: 'POST' })).status).toBe(202);
    expect((await send(a, 'http://notify.example.com/page')).status).toBe(200);
    expect((await send(a, 'http://localhost:8080/page')).status).toBe(200);
  });

  it('puts the secure headers and no-store on the answer of a handler that failed', async () => {
    const res = await send(app(), 'http://localhost/boom');
    expect(res.status).toBe(500);
    secure(res);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('gives every API answer the same security headers and no-store as a page, built whole or set one by one, with no language', async () => {
    const a = app();
    const page = await send(a, 'http://localhost/page');
    const pageHeaders = Object.fromEntries([...page.headers].filter(([name]) => name !== 'content-type'));
    expect(API_HEADERS).toEqual(pageHeaders);
    const fast = await send(a, 'http://localhost/api/v1/fast', { method: 'POST', headers: { 'accept-language': 'zh-CN' } });
    expect(fast.status).toBe(202);
    expect(await fast.json()).toEqual({ id: 2, lang: null });
    const slow = await send(a, 'http://localhost/api/v1/events', { method: 'POST' });
    const failed = await send(a, 'http://localhost/api/v1/boom');
    expect(failed.status).toBe(500);
    for (const res of [fast, slow, failed]) {
      expect(Object.fromEntries([...res.headers].filter(([name]) => name !== 'content-type' && name !== 'content-length'))).toEqual(API_HEADERS);
      expect(res.headers.get('content-type')).toMatch(/^(application\/json|text\/plain)/);
    }
  });

  it('keeps the cache-control an API handler chose, and adds HSTS to API answers only over HTTPS', async () => {
    const a = app();
    expect((await send(a, 'http://localhost/api/v1/doc')).headers.get('cache-control')).toBe('no-cache');
    const plain = await send(a, 'http://localhost/api/v1/fast', { method: 'POST' });
    expect(plain.headers.get('strict-transport-security')).toBeNull();
    for (const path of ['/api/v1/fast', '/api/v1/events']) {
      const res = await send(a, `http://localhost${path}`, { method: 'POST', headers: { 'x-forwarded-proto': 'https' } });
      expect(res.headers.get('strict-transport-security'), path).toBe('max-age=15552000; includeSubDomains');
    }
    expect((await send(a, 'https://localhost/api/v1/fast', { method: 'POST' })).headers.get('strict-transport-security')).toBe('max-age=15552000; includeSubDomains');
  });
});
