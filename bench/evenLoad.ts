// An open-loop load at an even rate: request i is due at start + i / rate and is sent then over a
// pool of keep-alive connections, whether earlier ones have been answered or not. Its latency is
// counted from when it was due, so a server that falls behind shows it (no coordinated omission).
//
// autocannon's `overallRate` is not this: each connection sends its share of a second's requests
// back to back when its one-second timer fires, so "1,000/s over 50 connections" arrives as a
// burst of 1,000 at the start of every second, and its latency is the time to drain that burst.
import { Agent, request } from 'node:http';
import { percentile } from './lib.ts';

export interface EvenLoadOptions {
  url: string;
  headers: Record<string, string>;
  /** The next request's body. */
  body: () => string;
  ratePerSecond: number;
  durationMs: number;
  connections: number;
}

export interface EvenLoadResult {
  sent: number;
  ok: number;
  failed: number;
  /** Answered 2xx per second of the run. */
  rate: number;
  p50: number;
  p99: number;
  max: number;
}

export async function evenLoad(opts: EvenLoadOptions): Promise<EvenLoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections });
  const target = new URL(opts.url);
  const latencies: number[] = [];
  const total = Math.round((opts.ratePerSecond * opts.durationMs) / 1000);
  const intervalMs = 1000 / opts.ratePerSecond;
  let ok = 0;
  let failed = 0;
  let sent = 0;
  const pending: Array<Promise<void>> = [];
  const start = performance.now();

  const send = (dueAt: number) =>
    new Promise<void>((resolve) => {
      const body = opts.body();
      const req = request(
        { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { ...opts.headers, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) ok++;
            else failed++;
            latencies.push(performance.now() - dueAt);
            resolve();
          });
        },
      );
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end(body);
    });

  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * intervalMs <= now) pending.push(send(start + sent++ * intervalMs));
      if (sent < total) setTimeout(tick, 1);
      else done();
    };
    tick();
  });
  await Promise.all(pending);
  const elapsedS = (performance.now() - start) / 1000;
  agent.destroy();
  return {
    sent,
    ok,
    failed,
    rate: ok / Math.max(elapsedS, opts.durationMs / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(0, ...latencies),
  };
}
