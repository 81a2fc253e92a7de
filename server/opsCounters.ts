import { createConnectionCounts, type ConnectionCounts } from './security/connectionLimits.ts';
import type { SendResult, UploadResult, WecomClient } from './wecom/client.ts';

/**
 * Process counters for /metrics (Prometheus counters: they start at 0 with the process). Passed
 * through deps, never a module singleton, so each appliance (and each test) has its own.
 */
export interface OpsCounters {
  /** Times the delivery worker had to wait for the rate limiter before its next send. */
  rateLimitWaits: number;
  /** WeCom's answers by errcode (0 included), for every call the appliance made. */
  errcodes: Map<number, number>;
  /** Calls that got no WeCom answer: http_status, timeout, network, malformed_response, cut_off. */
  transportFailures: Map<string, number>;
  /** The HTTP server's open connections and the requests it dropped (timeouts, caps), by reason. */
  connections: ConnectionCounts;
  /** When the process started (ms since the epoch). */
  startedAt: number;
  /** How WeCom has been answering lately, for the self-watch. */
  wecom: WecomHealth;
  /** The last time a request failed because the database could not be written (disk full, read-only, locked). */
  lastStorageErrorAt?: number;
  /** Set by such a failure, cleared once /readyz sees a write commit again: not ready meanwhile. */
  writesFailing?: boolean;
}

export interface WecomHealth {
  /** The last call WeCom answered (any errcode), and the last call at all. */
  lastAnswerAt?: number;
  lastCallAt?: number;
  /** The first call without an answer since the last answer; cleared by an answer. */
  failingSince?: number;
  /** The last 45009 (rate limit) answer. */
  lastRateLimitedAt?: number;
  /** Answer times of the latest answered calls (newest last, at most LATENCY_SAMPLES). */
  latencies: Array<{ at: number; ms: number }>;
}

export const LATENCY_SAMPLES = 5;

export function createOpsCounters(now: number = Date.now()): OpsCounters {
  return { rateLimitWaits: 0, errcodes: new Map(), transportFailures: new Map(), connections: createConnectionCounts(), startedAt: now, wecom: { latencies: [] } };
}

/** A request the database could not store: the self-watch's storage problem, and /readyz not ready until a write commits. */
export function noteStorageError(counters: OpsCounters, at: number): void {
  counters.lastStorageErrorAt = at;
  counters.writesFailing = true;
}

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

export function countWecomResult(counters: OpsCounters, result: SendResult | UploadResult, at?: number): void {
  if (result.ok) bump(counters.errcodes, 0);
  else if (result.errcode !== null) bump(counters.errcodes, result.errcode);
  else bump(counters.transportFailures, result.reason);
  if (at === undefined) return;
  const w = counters.wecom;
  w.lastCallAt = at;
  if (result.ok || result.errcode !== null) {
    w.lastAnswerAt = at;
    w.failingSince = undefined;
    if (!result.ok && result.errcode === 45009) w.lastRateLimitedAt = at;
    w.latencies.push({ at, ms: result.latencyMs });
    if (w.latencies.length > LATENCY_SAMPLES) w.latencies.shift();
  } else {
    w.failingSince ??= at;
  }
}

/** Wraps the WeCom client so every call (worker, connect, test) is counted in one place. */
export function countingWecomClient(client: WecomClient, counters: OpsCounters, now: () => number = Date.now): WecomClient {
  return {
    async send(key, message) {
      const result = await client.send(key, message);
      countWecomResult(counters, result, now());
      return result;
    },
    async uploadMedia(key, media) {
      const result = await client.uploadMedia(key, media);
      countWecomResult(counters, result, now());
      return result;
    },
  };
}
