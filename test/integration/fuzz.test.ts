import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { request, Agent } from 'node:http';
import { connect } from 'node:net';
import { createApp } from '../../server/app.tsx';
import { CATEGORIES, KINDS } from '../../server/events/schema.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { createSession, SESSION_COOKIE } from '../../server/security/sessions.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { ConsoleClient } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

// FUZZ_RUNS multiplies every property's runs (default 1 keeps CI at a few seconds).
const SCALE = Number(process.env.FUZZ_RUNS ?? 1);
const SEED = Number(process.env.FUZZ_SEED ?? 4_2424);
const KEY = 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e';
const PASSWORD = 'fuzz-admin-password';
// Routes that talk to WeCom answer 502 with the reason in the card when WeCom refuses: a gateway
// answer by design, not a server failure. Any other 5xx fails the test.
const WECOM_ROUTES = ['/channels/wecom/connect', '/channels/wecom/test', '/troubleshooting/test'];

interface Answer {
  status: number;
  body: string;
  contentType: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/**
 * node:http, not fetch: duplicate headers and raw (even invalid UTF-8) bodies go out as given. A
 * reused keep-alive socket the server closed at that instant is retried once on a fresh connection.
 */
async function send(base: string, method: string, path: string, headers: Record<string, string | string[]>, body?: Buffer): Promise<Answer> {
  try {
    return await sendOnce(base, method, path, headers, body, agent);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ECONNRESET') throw err;
    return sendOnce(base, method, path, headers, body, false);
  }
}

function sendOnce(base: string, method: string, path: string, headers: Record<string, string | string[]>, body: Buffer | undefined, via: Agent | false): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) }, agent: via }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), contentType: String(res.headers['content-type'] ?? '') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A request line and headers written byte by byte on a socket: what node:http refuses to send. */
function sendRaw(base: string, bytes: Buffer): Promise<string> {
  const url = new URL(base);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let got = '';
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('error', () => resolve(got));
    socket.on('close', () => resolve(got));
    socket.setTimeout(2_000, () => socket.destroy());
    socket.end(bytes);
  });
}

const stats = { cases: 0, byStatus: new Map<number, number>() };
function count(status: number) {
  stats.cases++;
  stats.byStatus.set(status, (stats.byStatus.get(status) ?? 0) + 1);
}

/** API answers: never 5xx; every refusal is JSON that says what was wrong. */
function expectClearApiAnswer(res: Answer, what: string) {
  count(res.status);
  expect([200, 202, 400, 401, 413, 415, 431], `${what} → ${res.status} ${res.body.slice(0, 200)}`).toContain(res.status);
  if (res.status >= 400 && res.status !== 431) {
    const json = JSON.parse(res.body) as { error?: unknown; message?: unknown };
    expect(typeof json.error, what).toBe('string');
    expect(typeof json.message, what).toBe('string');
    expect((json.message as string).length, what).toBeGreaterThan(5);
  }
}

// ---- arbitraries ----

const anyJson = fc.jsonValue({ maxDepth: 3 });
const printable = fc.string({ unit: 'binary-ascii', maxLength: 60 }).filter((s) => /^[\x20-\x7e]*$/.test(s));

const eventish = fc.record(
  {
    kind: fc.oneof(fc.constantFrom(...KINDS), anyJson),
    category: fc.oneof(fc.constantFrom(...CATEGORIES), anyJson),
    severity: fc.oneof(fc.constantFrom('info', 'warning', 'critical', 'CRITICAL'), anyJson),
    title: fc.oneof(fc.string({ maxLength: 210 }), fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 80 }), anyJson),
    summary: fc.oneof(fc.string({ maxLength: 2_100 }), fc.string({ unit: 'binary', maxLength: 300 }), anyJson),
    fields: fc.oneof(fc.dictionary(fc.string({ maxLength: 20 }), fc.oneof(fc.string({ maxLength: 40 }), fc.double(), fc.integer()), { maxKeys: 24 }), anyJson),
    url: fc.oneof(fc.webUrl(), fc.constantFrom('javascript:alert(1)', 'http://127.0.0.1:1/x', 'file:///etc/passwd', 'https://u:p@evil.example/'), anyJson),
    store: fc.oneof(fc.string({ maxLength: 100 }), anyJson),
    occurred_at: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string({ maxLength: 30 }), anyJson),
    idempotency_key: fc.oneof(fc.string({ maxLength: 140 }), anyJson),
    mention: fc.oneof(fc.constantFrom('none', 'all'), fc.array(fc.string({ maxLength: 20 }), { maxLength: 6 }), anyJson),
    status: fc.oneof(fc.constantFrom('succeeded', 'failed', 'partial'), anyJson),
    task_name: fc.oneof(fc.string({ maxLength: 50 }), anyJson),
    duration_ms: fc.oneof(fc.integer(), fc.double(), anyJson),
    name: fc.oneof(fc.string({ maxLength: 50 }), anyJson),
    value: fc.oneof(fc.double(), fc.integer(), anyJson),
    unit: fc.oneof(fc.string({ maxLength: 10 }), anyJson),
    extra: anyJson,
  },
  { requiredKeys: [] },
);

/** Valid events whose free text is anything Unicode can hold (lone surrogates, RTL, emoji, NUL). */
const validish = fc.record(
  {
    kind: fc.constantFrom('alert', 'task_result', 'report'),
    category: fc.constantFrom(...CATEGORIES),
    severity: fc.constantFrom('info', 'warning', 'critical'),
    title: fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }),
    summary: fc.string({ unit: 'grapheme', maxLength: 600 }),
    store: fc.string({ unit: 'binary', maxLength: 60 }),
    fields: fc.dictionary(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 15 }), fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.integer()), { maxKeys: 20 }),
    idempotency_key: fc.string({ minLength: 1, maxLength: 128 }),
  },
  { requiredKeys: ['kind', 'category', 'title'] },
);

const alertmanagerish = fc.record(
  {
    version: fc.oneof(fc.constant('4'), anyJson),
    status: fc.oneof(fc.constantFrom('firing', 'resolved'), anyJson),
    receiver: fc.oneof(fc.string({ maxLength: 30 }), anyJson),
    groupLabels: fc.oneof(fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 })), anyJson),
    externalURL: fc.oneof(fc.webUrl(), anyJson),
    alerts: fc.oneof(
      fc.array(
        fc.record(
          {
            status: fc.oneof(fc.constantFrom('firing', 'resolved'), anyJson),
            labels: fc.oneof(fc.dictionary(fc.constantFrom('alertname', 'severity', 'instance', 'job', 'category'), fc.string({ maxLength: 40 })), anyJson),
            annotations: fc.oneof(fc.dictionary(fc.constantFrom('summary', 'description', 'runbook_url'), fc.string({ maxLength: 300 })), anyJson),
            startsAt: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), anyJson),
            endsAt: fc.oneof(fc.constant('0001-01-01T00:00:00Z'), anyJson),
            generatorURL: fc.oneof(fc.webUrl(), anyJson),
            fingerprint: fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 16 }), anyJson),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 30 },
      ),
      anyJson,
    ),
  },
  { requiredKeys: [] },
);

const INVALID_UTF8 = [[0xc3, 0x28], [0xed, 0xa0, 0x80], [0xff], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf], [0xe2, 0x82], [0x00]];

/** Bodies: valid-ish objects, random JSON, random text, giant strings, deep nesting, invalid UTF-8. */
const bodyFrom = (objects: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 4, arbitrary: objects.map((o) => Buffer.from(JSON.stringify(o))) },
    { weight: 2, arbitrary: fc.json({ maxDepth: 4 }).map((s) => Buffer.from(s)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 400 }).map((s) => Buffer.from(s)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('x', 'é', '😀', '\u0000', '"', '\\', '\u2028'), fc.integer({ min: 20_000, max: 80_000 }), fc.constantFrom('title', 'summary', 'store', 'zzz'))
        .map(([c, n, field]) => Buffer.from(JSON.stringify({ kind: 'alert', category: 'orders', title: 'giant', [field]: c.repeat(Math.ceil(n / c.length)) }))),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 10, max: 30_000 }), fc.constantFrom(['[', ']'], ['{"a":', '}'], ['{"fields":{"x":', '}}']))
        .map(([depth, [open, close]]) => Buffer.from(open!.repeat(depth) + '1' + close!.repeat(depth))),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(objects, fc.constantFrom(...INVALID_UTF8), fc.nat()).map(([o, bad, at]) => {
        const text = Buffer.from(JSON.stringify({ kind: 'alert', category: 'orders', title: 'bad bytes', ...(o as object) }));
        const i = text.length ? at % text.length : 0;
        return Buffer.concat([text.subarray(0, i), Buffer.from(bad), text.subarray(i)]);
      }),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2_000 }).map((a) => Buffer.from(a)) },
  );

const contentTypes = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'APPLICATION/JSON; charset=UTF-8',
      'application/json;charset=latin1',
      'application/problem+json',
      'application/json, text/plain',
      'text/plain',
      'text/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=xyz',
      'application/jsonx',
      ';;;',
      '',
      '*/*',
    ),
  },
  { weight: 1, arbitrary: printable },
);

describe('fuzzing the inbound API, the Alertmanager endpoint and every console form', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let token: string;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD }, wecomTimeoutMs: 300 });
    const c = new ConsoleClient(app.url);
    await c.signIn(PASSWORD);
    expect((await c.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
    token = issueApiToken(app.deps, { name: 'fuzz', requireSignature: false, now: Date.now() }).token;
  });
  afterAll(async () => {
    // The process is alive and nothing went to the generic 500 handler.
    expect((await fetch(app.url + '/healthz')).status).toBe(200);
    expect(app.logs.filter((l) => l.includes('"request failed"'))).toEqual([]);
    const statuses = [...stats.byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
    console.log(`fuzz: ${stats.cases} cases (seed ${SEED}), answers ${statuses}`);
    agent.destroy();
    await app.stop();
    await fake.close();
  });

  for (const [path, objects] of [
    ['/api/v1/events', fc.oneof(eventish, validish)],
    ['/api/v1/alertmanager', alertmanagerish],
  ] as const) {
    it(`${path}: random, malformed, giant, deep and invalid-UTF-8 bodies → 2xx or a clear 4xx`, async () => {
      await fc.assert(
        fc.asyncProperty(bodyFrom(objects as fc.Arbitrary<unknown>), contentTypes, fc.boolean(), async (body, type, authorized) => {
          const headers: Record<string, string> = { 'content-type': type };
          if (authorized || Math.random() < 0.9) headers.authorization = `Bearer ${token}`;
          expectClearApiAnswer(await send(app.url, 'POST', path, headers, body), `${path} ${type}`);
        }),
        { numRuns: 250 * SCALE, seed: SEED },
      );
    }, 120_000);

    it(`${path}: header games (duplicates, odd content types, bogus Authorization, signatures, huge headers)`, async () => {
      const valid = Buffer.from(JSON.stringify(path.endsWith('events') ? { kind: 'alert', category: 'orders', title: 'header games' } : { version: '4', status: 'firing', alerts: [] }));
      const authorization = fc.oneof(
        fc.constant([`Bearer ${token}`]),
        fc.constantFrom(
          [`Bearer ${token}`, 'Bearer wrong'],
          ['Bearer wrong', `Bearer ${token}`],
          [`bearer ${token}`],
          [`Bearer  ${token}  `],
          [`Bearer ${token} ${token}`],
          [`Bearer\t${token}`],
          ['Bearer'],
          ['Bearer '],
          [`Basic ${Buffer.from('user:' + token).toString('base64')}`],
          [token],
          ['Bearer ' + 'a'.repeat(8_000)],
          [`Bearer ${token.toUpperCase()}`],
        ),
        printable.map((s) => [s]),
      );
      const extra = fc.record(
        {
          'x-signature': fc.oneof(printable, fc.constant('sha256=' + '0'.repeat(64))),
          'x-signature-timestamp': fc.oneof(fc.integer().map(String), fc.constant(String(Math.floor(Date.now() / 1000))), fc.constant('9'.repeat(13)), printable),
          'x-junk': fc.integer({ min: 1_000, max: 40_000 }).map((n) => 'j'.repeat(n)),
          'content-encoding': fc.constantFrom('gzip', 'br', 'identity', 'x-unknown'),
          'transfer-encoding': fc.constant('chunked'),
          expect: fc.constant('100-continue'),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(
          authorization,
          fc.oneof(contentTypes.map((t) => [t]), fc.tuple(contentTypes, contentTypes)),
          extra,
          fc.integer({ min: 0, max: 150 }),
          async (auth, types, more, manyHeaders) => {
            const headers: Record<string, string | string[]> = { authorization: [...auth], 'content-type': [...types], ...more };
            for (let i = 0; i < manyHeaders; i++) headers[`x-h${i}`] = String(i);
            let body = valid;
            if (more['transfer-encoding']) {
              delete headers['content-length'];
              body = valid;
            }
            const res = await send(app.url, 'POST', path, headers, more['transfer-encoding'] ? undefined : body).catch(() => ({ status: 431, body: '', contentType: '' }));
            expectClearApiAnswer(res, `${path} headers ${JSON.stringify(Object.keys(more))}`);
          },
        ),
        { numRuns: 150 * SCALE, seed: SEED },
      );
    }, 60_000);
  }

  it('malformed HTTP on the wire (bad header bytes, folded lines, bare LF, odd methods) → 4xx or a closed socket, never 5xx', async () => {
    const line = fc.oneof(
      fc.constant(`Authorization: Bearer ${token}`),
      fc.constant('Content-Type: application/json'),
      fc.constant('Content-Type: application/json\r\nContent-Type: text/plain'),
      fc.constant(' folded continuation'),
      fc.constant('Bad Header: x'),
      fc.constant('X-Bytes: \u00ff\u00fe\u0080'),
      fc.constant('X-Nul: a\u0000b'),
      fc.constant('Content-Length: -1'),
      fc.constant('Content-Length: 5\r\nContent-Length: 6'),
      fc.constant('Transfer-Encoding: chunked\r\nContent-Length: 3'),
      fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, '')),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('POST', 'GET', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'BREW', 'post'),
        fc.constantFrom('/api/v1/events', '/api/v1/alertmanager', '/login', '/channels/wecom/connect', '/api/v1/events?x=%ff', '/%2e%2e/%2e%2e/etc/passwd', '*'),
        fc.array(line, { maxLength: 6 }),
        fc.constantFrom('\r\n', '\n'),
        fc.string({ unit: 'binary', maxLength: 200 }),
        async (method, target, lines, eol, body) => {
          const head = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', ...lines, `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close'].join(eol);
          const answer = await sendRaw(app.url, Buffer.concat([Buffer.from(head + eol + eol, 'latin1'), Buffer.from(body)]));
          const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
          count(status);
          if (status) expect(status, `${method} ${target} ${JSON.stringify(lines)} → ${answer.slice(0, 200)}`).toBeLessThan(500);
        },
      ),
      { numRuns: 80 * SCALE, seed: SEED },
    );
  }, 60_000);

  it('every console POST route (from the route table), signed in with a valid CSRF token: random forms → never 5xx', async () => {
    const routes = createApp(app.deps)
      .routes.filter((r) => r.method === 'POST' && !r.path.startsWith('/api/'))
      .map((r) => r.path);
    const unique = [...new Set(routes)];
    expect(unique.length).toBeGreaterThanOrEqual(10);

    // The field names every form uses, read from the pages themselves.
    const browse = new ConsoleClient(app.url);
    await browse.signIn(PASSWORD);
    const names = new Set<string>(['url', 'password', 'confirm', 'next', 'current', 'name']);
    for (const r of createApp(app.deps).routes.filter((x) => x.method === 'GET' && !x.path.includes('*'))) {
      const page = await browse.get(r.path.replace(/:\w+/g, '1'));
      for (const m of page.body.matchAll(/name="([^"]+)"/g)) if (m[1] !== '_csrf') names.add(m[1]!);
    }
    const fieldName = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) });
    const fieldValue = fc.oneof(
      { weight: 4, arbitrary: fc.string({ maxLength: 80 }) },
      { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
      { weight: 1, arbitrary: fc.constantFrom('', ' ', 'on', '0', '-1', '99999999999999999999', 'NaN', 'zh', 'en', 'Asia/Shanghai', '22:00', '* * * * *', '0 9 * * 1', KEY, 'true', 'critical') },
      { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 70_000 }).map((n) => 'v'.repeat(n)) },
    );
    const form = fc.array(fc.tuple(fieldName, fieldValue), { maxLength: 12 });
    const encoding = fc.constantFrom('urlencoded', 'urlencoded', 'urlencoded', 'multipart', 'badmultipart', 'json', 'invalid-utf8', 'none');
    const param = fc.oneof(fc.constantFrom('1', '2', '0', '-1', '999999999', '1.5', 'abc', '%00', '%ff', '..%2f', '9'.repeat(30)), fc.string({ maxLength: 10 }).map(encodeURIComponent));

    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...unique), param, form, encoding, fc.boolean(), async (route, id, fields, enc, withCsrf) => {
        // A fresh session for every case: a case that signs out or revokes sessions cannot blind the next.
        const { token: session, session: row } = createSession(app.deps.db, app.deps.clock);
        const path = route.replace(/:\w+/g, id);
        const csrf = withCsrf || Math.random() < 0.8 ? [['_csrf', row.csrfToken] as [string, string]] : [];
        const all = [...csrf, ...fields];
        const headers: Record<string, string> = { cookie: `${SESSION_COOKIE}=${session}`, origin: app.url, host: new URL(app.url).host };
        let body: Buffer;
        if (enc === 'multipart') {
          const fd = new FormData();
          for (const [k, v] of all) fd.append(k, v);
          const r = new Response(fd);
          headers['content-type'] = r.headers.get('content-type')!;
          body = Buffer.from(await r.arrayBuffer());
        } else if (enc === 'badmultipart') {
          headers['content-type'] = 'multipart/form-data; boundary=----nope';
          body = Buffer.from(new URLSearchParams(all).toString());
        } else if (enc === 'json') {
          headers['content-type'] = 'application/json';
          headers['x-csrf-token'] = row.csrfToken;
          body = Buffer.from(JSON.stringify(Object.fromEntries(fields)));
        } else if (enc === 'invalid-utf8') {
          headers['content-type'] = 'application/x-www-form-urlencoded';
          body = Buffer.concat([Buffer.from(new URLSearchParams(all).toString() + '&x='), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('&y=%ff%fe%c3%28')]);
        } else {
          headers['content-type'] = 'application/x-www-form-urlencoded';
          body = Buffer.from(new URLSearchParams(all).toString());
        }
        if (enc !== 'none' && Math.random() < 0.1) headers['hx-request'] = 'true';
        const res = await send(app.url, 'POST', path, headers, enc === 'none' ? undefined : body);
        count(res.status);
        const what = `POST ${path} (${enc}) → ${res.status} ${res.body.slice(0, 300)}`;
        if (res.status === 502) {
          expect(WECOM_ROUTES, what).toContain(route);
          expect(res.body, what).toContain('role="alert"');
        } else {
          expect(res.status, what).toBeLessThan(500);
        }
        if (res.status >= 400) expect(res.body.length, what).toBeGreaterThan(0);
      }),
      { numRuns: 600 * SCALE, seed: SEED },
    );
  }, 180_000);

  it('every console GET route with random query strings and path parameters → never 5xx', async () => {
    const routes = [...new Set(createApp(app.deps).routes.filter((r) => r.method === 'GET' && !r.path.includes('*')).map((r) => r.path))];
    const { token: session } = createSession(app.deps.db, app.deps.clock);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.oneof(fc.constantFrom('1', '0', '-1', 'x', '%ff', '%00', '9'.repeat(25)), fc.string({ maxLength: 12 }).map(encodeURIComponent)),
        fc.array(fc.tuple(fc.constantFrom('status', 'kind', 'category', 'from', 'to', 'event', 'before', 'form', 'next', 'page', 'cron', 'timezone', 'tz', 'q'), fc.string({ unit: 'binary', maxLength: 40 })), { maxLength: 5 }),
        async (route, id, query) => {
          const qs = new URLSearchParams(query).toString();
          const path = route.replace(/:\w+/g, id) + (qs ? `?${qs}` : '');
          const res = await send(app.url, 'GET', path, { cookie: `${SESSION_COOKIE}=${session}` });
          count(res.status);
          expect(res.status, `GET ${path} → ${res.status} ${res.body.slice(0, 300)}`).toBeLessThan(500);
        },
      ),
      { numRuns: 300 * SCALE, seed: SEED },
    );
  }, 60_000);
});
