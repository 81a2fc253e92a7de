// Slow-body floods against the real HTTP server (issue 20): connections past the caps answered 503
// with Retry-After, slow bodies cut by the request timeout, drops counted in /metrics and never
// logged one line each, and /healthz and a real alert getting through the whole time.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HTTP_LIMITS } from '../../server/security/connectionLimits.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { seedDataDir, startChild } from '../helpers/childAppliance.ts';
import { ConsoleClient } from '../helpers/consoleClient.ts';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.ts';
import { startTestAppliance } from '../helpers/testAppliance.ts';

const KEY = '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f';
const PASSWORD = 'connection-limits-pass';

/** A client that sends headers promising a 60,000-byte body, then one byte every `everyMs`; `status` is what it was answered. */
interface SlowBody {
  socket: Socket;
  status: Promise<number | 'closed'>;
}

function slowBody(url: string, localAddress: string, everyMs = 500): Promise<SlowBody> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), localAddress });
    let answer = '';
    const status = new Promise<number | 'closed'>((settle) => {
      socket.on('data', (d: Buffer) => {
        answer += d.toString();
        const m = /^HTTP\/1\.1 (\d{3})/.exec(answer);
        if (m) settle(Number(m[1]));
      });
      socket.on('close', () => settle('closed'));
    });
    let dribble: NodeJS.Timeout | undefined;
    socket.on('close', () => clearInterval(dribble));
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      socket.write(`POST /api/v1/events HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{`);
      dribble = setInterval(() => socket.writable && socket.write(' '), everyMs);
      resolve({ socket, status });
    });
    socket.once('error', reject);
  });
}

async function timed(url: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - t0 };
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('connection caps and timeouts (issue 20)', () => {
  let fake: FakeWecom;

  it('past the per-client cap: 503 with Retry-After at once; slow bodies cut by the request timeout; /healthz and an alert get through; drops counted, not logged', async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    cleanups.push(() => fake.close());
    const app = await startTestAppliance({
      wecomOrigin: fake.origin,
      env: { ADMIN_PASSWORD: PASSWORD },
      httpLimits: { headersTimeoutMs: 1_000, requestTimeoutMs: 4_000, maxConnectionsPerClient: 20, maxConnections: 100 },
    });
    cleanups.push(() => app.stop());
    const admin = new ConsoleClient(app.url);
    await admin.signIn(PASSWORD);
    expect((await admin.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
    const token = issueApiToken(app.deps, { name: 'storeclaw', requireSignature: false, now: Date.now() }).token;

    const flood = await Promise.all(Array.from({ length: 60 }, () => slowBody(app.url, '127.0.0.2')));
    cleanups.push(() => flood.forEach((f) => f.socket.destroy()));
    // The 40 past the cap are answered at once (they sent their headers); 20 are held, still waiting.
    const settled: Array<number | 'closed'> = [];
    for (const f of flood) void f.status.then((s) => settled.push(s));
    expect(await waitFor(() => settled.length >= 40, 3_000)).toBe(true);
    expect(settled).toEqual(Array(40).fill(503));

    // Another client is unaffected: health checks, a real alert delivered.
    const health = await timed(app.url + '/healthz');
    expect(health.status).toBe(200);
    const alert = await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'critical', title: 'through the flood' });
    expect(alert.status).toBe(202);
    expect(await waitFor(() => fake.receivedFor(KEY).some((m) => JSON.stringify(m.body).includes('through the flood')), 10_000)).toBe(true);

    // The held slow bodies are cut by the request timeout (408), not Node's 300 s.
    await Promise.all(flood.map((f) => f.status));
    expect(settled.slice(40).every((s) => s === 408 || s === 'closed')).toBe(true);
    // This test's own keep-alive connections may stay open: at most a few.
    expect(await waitFor(() => app.deps.counters!.connections.open <= 4, 5_000)).toBe(true);

    const metrics = parsePrometheus(await (await fetch(app.url + '/metrics')).text());
    expect(sampleValue(metrics, 'notifier_http_dropped_requests_total', { reason: 'client_limit' })).toBe(40);
    expect(sampleValue(metrics, 'notifier_http_dropped_requests_total', { reason: 'timeout' })).toBe(20);
    expect(app.logs.filter((l) => /"level":"error"/.test(l))).toEqual([]);
  }, 60_000);

  it('the 503 says when to come back, and a connection that never sends its request is closed', async () => {
    const app = await startTestAppliance({ wecomOrigin: 'http://127.0.0.1:9', httpLimits: { maxConnectionsPerClient: 2, refusedGraceMs: 300 } });
    cleanups.push(() => app.stop());
    const held = await Promise.all([slowBody(app.url, '127.0.0.3'), slowBody(app.url, '127.0.0.3')]);
    cleanups.push(() => held.forEach((f) => f.socket.destroy()));
    const refused = await new Promise<string>((resolve) => {
      const { port } = new URL(app.url);
      const s = connect({ host: '127.0.0.1', port: Number(port), localAddress: '127.0.0.3' }, () => s.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`));
      let text = '';
      s.on('data', (d: Buffer) => (text += d.toString()));
      s.on('close', () => resolve(text));
    });
    expect(refused).toMatch(/^HTTP\/1\.1 503 /);
    expect(refused).toMatch(/\r\nretry-after: 5\r\n/i);
    expect(refused).toMatch(/\r\nconnection: close\r\n/i);
    expect(refused).toContain('Too many connections from this address');
    const silent = connect({ host: '127.0.0.1', port: Number(new URL(app.url).port), localAddress: '127.0.0.3' });
    const t0 = Date.now();
    await new Promise((resolve) => silent.on('close', resolve).on('error', () => undefined));
    expect(Date.now() - t0).toBeLessThan(2_000);
    // Both refused connections are counted, the silent one too.
    expect(app.deps.counters!.connections.dropped.get('client_limit')).toBe(2);
  });

  it('past the total cap every new connection is refused with 503, and the appliance answers again once the flood lets go', async () => {
    const app = await startTestAppliance({ wecomOrigin: 'http://127.0.0.1:9', httpLimits: { maxConnectionsPerClient: 20, maxConnections: 30 } });
    cleanups.push(() => app.stop());
    const flood = await Promise.all([
      ...Array.from({ length: 20 }, () => slowBody(app.url, '127.0.0.4')),
      ...Array.from({ length: 20 }, () => slowBody(app.url, '127.0.0.5')),
    ]);
    expect((await timed(app.url + '/healthz')).status).toBe(503);
    flood.forEach((f) => f.socket.destroy());
    expect(await waitFor(() => app.deps.counters!.connections.open === 0, 5_000)).toBe(true);
    expect((await timed(app.url + '/healthz')).status).toBe(200);
    const metrics = parsePrometheus(await (await fetch(app.url + '/metrics')).text());
    expect(sampleValue(metrics, 'notifier_http_dropped_requests_total', { reason: 'connection_limit' })).toBe(11);
  });
});

// 600 a round: well past the cap, and under the 1,024 open files a CI runner may allow this process.
const FLOOD = 600;

describe('a slow-body flood against the appliance as shipped (child process, default limits)', () => {
  it(`holds at most ${HTTP_LIMITS.maxConnectionsPerClient} of ${FLOOD} connections from one address; /healthz and an alert get through; memory comes back`, async () => {
    const fake = await startFakeWecom({ keys: [KEY] });
    cleanups.push(() => fake.close());
    const dataDir = mkdtempSync(join(tmpdir(), 'notifier-flood-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const { token } = seedDataDir(dataDir, { key: KEY });
    const child = await startChild({ DATA_DIR: dataDir, WECOM_API_ORIGIN: fake.origin });
    cleanups.push(async () => {
      child.process.kill('SIGTERM');
      await child.exited;
    });
    const rssMiB = () => Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${child.process.pid}/status`, 'utf8'))![1]) / 1024;
    const scrape = async () => parsePrometheus(await (await fetch(child.url + '/metrics')).text());
    // /metrics renders once per 5 s snapshot: poll until the gauge or counter shows what it should.
    const scrapeUntil = async (name: string, labels: Record<string, string>, ok: (n: number) => boolean) => {
      let value = NaN;
      for (let i = 0; i < 80 && !ok(value); i++) {
        value = sampleValue(await scrape(), name, labels);
        if (!ok(value)) await new Promise((r) => setTimeout(r, 100));
      }
      return value;
    };
    for (let i = 0; i < 20; i++) await timed(child.url + '/healthz');
    const before = rssMiB();

    // Twice: the memory the first flood took must be reused by the second, not added to.
    const rounds: Array<{ refused: number; open: number; p50: number; p99: number; peak: number; after: number }> = [];
    for (const round of [1, 2]) {
      const flood: SlowBody[] = [];
      for (let i = 0; i < FLOOD; i += 100) flood.push(...(await Promise.all(Array.from({ length: 100 }, () => slowBody(child.url, '127.0.0.6', 2_000)))));
      const refused = (await Promise.all(flood.slice(HTTP_LIMITS.maxConnectionsPerClient).map((f) => f.status))).filter((s) => s === 503).length;
      const probes: number[] = [];
      for (let i = 0; i < 50; i++) {
        const probe = await timed(child.url + '/healthz');
        expect(probe.status).toBe(200);
        probes.push(probe.ms);
      }
      const title = `through the slow bodies ${round}`;
      expect((await postEvent(child.url, token, { kind: 'alert', category: 'orders', severity: 'critical', title })).status).toBe(202);
      expect(await waitFor(() => fake.receivedFor(KEY).some((m) => JSON.stringify(m.body).includes(title)), 10_000)).toBe(true);
      const open = await scrapeUntil('notifier_http_open_connections', {}, (n) => n >= HTTP_LIMITS.maxConnectionsPerClient);
      const peak = rssMiB();
      flood.forEach((f) => f.socket.destroy());
      // This test's own keep-alive connections from 127.0.0.1 stay open: at most a few.
      expect(await scrapeUntil('notifier_http_open_connections', {}, (n) => n <= 4)).toBeLessThanOrEqual(4);
      probes.sort((a, b) => a - b);
      rounds.push({ refused, open, p50: probes[25]!, p99: probes[49]!, peak, after: rssMiB() });
    }
    for (const [i, r] of rounds.entries()) {
      console.log(
        `slow-body flood ${i + 1}: ${r.refused} of ${FLOOD} refused 503, ${r.open} connections open; /healthz p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms; ` +
          `RSS before ${before.toFixed(0)} MiB, during ${r.peak.toFixed(0)} MiB, after ${r.after.toFixed(0)} MiB`,
      );
      expect(r.refused).toBe(FLOOD - HTTP_LIMITS.maxConnectionsPerClient);
      expect(r.open).toBeLessThanOrEqual(HTTP_LIMITS.maxConnectionsPerClient + 4);
      expect(r.peak - before).toBeLessThan(96);
    }
    expect(rounds[1]!.after - rounds[0]!.after).toBeLessThan(16);
    const refusedTotal = 2 * (FLOOD - HTTP_LIMITS.maxConnectionsPerClient);
    expect(await scrapeUntil('notifier_http_dropped_requests_total', { reason: 'client_limit' }, (n) => n === refusedTotal)).toBe(refusedTotal);
    expect(child.output.join('')).not.toMatch(/"level":"error"/);
  }, 180_000);
});
