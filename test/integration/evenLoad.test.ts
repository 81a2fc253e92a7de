import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { evenLoad } from '../../bench/evenLoad.ts';

// The bench's open-loop generator: it must send at the rate asked whatever the server does, and a
// server that stops answering must show in the latency of every request due meanwhile.
let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A server that answers its n-th request with `answer(n)`'s status after its delay. */
function listen(answer: (n: number) => { status: number; delayMs?: number }): Promise<string> {
  let n = 0;
  server = createServer((req, res) => {
    const { status, delayMs = 0 } = answer(n++);
    req.resume();
    req.on('end', () => setTimeout(() => res.writeHead(status).end(), delayMs));
  });
  return new Promise((r) => server!.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server!.address() as AddressInfo).port}/in`)));
}

describe('evenLoad', () => {
  it('sends the asked number of requests over the duration, and counts 2xx and others apart', async () => {
    const url = await listen((n) => ({ status: n % 10 === 9 ? 400 : 202 }));
    const started = performance.now();
    const r = await evenLoad({ url, headers: {}, body: () => '{}', ratePerSecond: 200, durationMs: 500, connections: 5 });
    const elapsed = performance.now() - started;
    expect(r.sent).toBe(100);
    expect(r.ok + r.failed).toBe(100);
    expect(r.failed).toBe(10);
    expect(elapsed).toBeGreaterThanOrEqual(490);
  });

  it('counts latency from when a request was due, so a stalled server shows in requests queued behind it', async () => {
    // The 20th request is held 300 ms; with one connection, the ones due after it wait for it.
    const url = await listen((n) => ({ status: 202, delayMs: n === 20 ? 300 : 0 }));
    const r = await evenLoad({ url, headers: {}, body: () => '{}', ratePerSecond: 100, durationMs: 1000, connections: 1 });
    expect(r.ok).toBe(100);
    expect(r.max).toBeGreaterThanOrEqual(290);
    // 30 requests fell due during the stall, so well over 1 % of them were late: p99 shows it.
    expect(r.p99).toBeGreaterThan(200);
    expect(r.p50).toBeLessThan(100);
  });
});
