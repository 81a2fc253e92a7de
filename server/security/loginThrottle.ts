import type { Clock } from '../clock.ts';

export interface LoginThrottle {
  /** Milliseconds until this client may try again; 0 when it may try now. */
  retryAfterMs(client: string): number;
  recordFailure(client: string): void;
  recordSuccess(client: string): void;
}

/**
 * At most `maxFailures` failed sign-ins per client in a sliding `windowMs`; then the client waits
 * until the oldest failure leaves the window. In memory: a restart forgives, which is acceptable for
 * a single-admin appliance and keeps a full disk from locking the admin out.
 */
export function createLoginThrottle(opts: { clock: Clock; maxFailures?: number; windowMs?: number }): LoginThrottle {
  const max = opts.maxFailures ?? 5;
  const windowMs = opts.windowMs ?? 15 * 60_000;
  const failures = new Map<string, number[]>();
  const recent = (client: string) => {
    const cutoff = opts.clock.now() - windowMs;
    const list = (failures.get(client) ?? []).filter((t) => t > cutoff);
    if (list.length) failures.set(client, list);
    else failures.delete(client);
    return list;
  };
  return {
    retryAfterMs(client) {
      const list = recent(client);
      if (list.length < max) return 0;
      return list[list.length - max]! + windowMs - opts.clock.now();
    },
    recordFailure(client) {
      failures.set(client, [...recent(client), opts.clock.now()]);
    },
    recordSuccess(client) {
      failures.delete(client);
    },
  };
}

/** How long a throttled client waits: seconds for Retry-After, whole minutes (at least 1) to tell a person. */
export function throttledFor(throttle: LoginThrottle, client: string): { seconds: number; minutes: number } | undefined {
  const ms = throttle.retryAfterMs(client);
  return ms > 0 ? { seconds: Math.ceil(ms / 1000), minutes: Math.max(1, Math.ceil(ms / 60_000)) } : undefined;
}
