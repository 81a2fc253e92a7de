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
  /** Calls that got no WeCom answer: http_status, timeout, network, malformed_response. */
  transportFailures: Map<string, number>;
  /** The HTTP server's open connections and the requests it dropped (timeouts, caps), by reason. */
  connections: ConnectionCounts;
  /** When the process started (ms since the epoch). */
  startedAt: number;
}

export function createOpsCounters(now: number = Date.now()): OpsCounters {
  return { rateLimitWaits: 0, errcodes: new Map(), transportFailures: new Map(), connections: createConnectionCounts(), startedAt: now };
}

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

export function countWecomResult(counters: OpsCounters, result: SendResult | UploadResult): void {
  if (result.ok) bump(counters.errcodes, 0);
  else if (result.errcode !== null) bump(counters.errcodes, result.errcode);
  else bump(counters.transportFailures, result.reason);
}

/** Wraps the WeCom client so every call (worker, connect, test) is counted in one place. */
export function countingWecomClient(client: WecomClient, counters: OpsCounters): WecomClient {
  return {
    async send(key, message) {
      const result = await client.send(key, message);
      countWecomResult(counters, result);
      return result;
    },
    async uploadMedia(key, media) {
      const result = await client.uploadMedia(key, media);
      countWecomResult(counters, result);
      return result;
    },
  };
}
