import type { Clock } from '../clock.ts';

/** One admitted password check: report how it ended so the slot is released. */
export interface PasswordAttempt {
  succeeded(): void;
  failed(): void;
}

export type ThrottleVerdict =
  | { allowed: true; attempt: PasswordAttempt }
  /** `throttled`: this client used up its attempts; `busy`: too many password checks run at once. */
  | { allowed: false; reason: 'throttled' | 'busy'; retryAfterMs: number };

export interface LoginThrottle {
  /**
   * Admits a password check for this client, counting it as a failure right away (before the slow
   * hash), so a burst of concurrent guesses cannot all pass the check before any failure is recorded.
   */
  begin(client: string): ThrottleVerdict;
  /** Clients currently remembered (for tests: the map is pruned). */
  size(): number;
}

export interface LoginThrottleOptions {
  clock: Clock;
  maxFailures?: number;
  windowMs?: number;
  /** Password checks running at once, over all clients (each scrypt check holds 128 MiB). */
  maxConcurrent?: number;
  /** Password checks one client (an address, an IPv6 /64) may run at once; fewer than maxConcurrent, so one client never holds them all. */
  maxConcurrentPerClient?: number;
}

export const BUSY_RETRY_MS = 1_000;
/** Failed attempts a client may make within the window before it is refused. */
export const LOGIN_MAX_FAILURES = 5;
/** How long a client's failed attempts count against it: once it has made the maximum, it waits until the oldest is this old. */
export const LOGIN_WINDOW_MS = 15 * 60_000;

/**
 * At most `maxFailures` attempts per client in a sliding `windowMs` (a success forgives them); then
 * the client waits until the oldest leaves the window. In memory: a restart forgives, which is
 * acceptable for a single-admin appliance and keeps a full disk from locking the admin out.
 */
export function createLoginThrottle(opts: LoginThrottleOptions): LoginThrottle {
  const max = opts.maxFailures ?? LOGIN_MAX_FAILURES;
  const windowMs = opts.windowMs ?? LOGIN_WINDOW_MS;
  const maxConcurrent = opts.maxConcurrent ?? 2;
  const perClient = opts.maxConcurrentPerClient ?? 1;
  const attempts = new Map<string, number[]>();
  const runningBy = new Map<string, number>();
  let running = 0;
  let lastSweep = 0;

  const recent = (client: string, now: number) => {
    const list = (attempts.get(client) ?? []).filter((t) => t > now - windowMs);
    if (list.length) attempts.set(client, list);
    else attempts.delete(client);
    return list;
  };
  // Clients that never come back are forgotten once their attempts have left the window.
  const sweep = (now: number) => {
    if (now - lastSweep < 60_000) return;
    lastSweep = now;
    for (const client of [...attempts.keys()]) recent(client, now);
  };

  return {
    begin(client) {
      const now = opts.clock.now();
      sweep(now);
      const list = recent(client, now);
      if (list.length >= max) return { allowed: false, reason: 'throttled', retryAfterMs: list[list.length - max]! + windowMs - now };
      // The client's own slots first, then the global ones: a flood from one client waits on itself.
      const mine = runningBy.get(client) ?? 0;
      if (mine >= perClient || running >= maxConcurrent) return { allowed: false, reason: 'busy', retryAfterMs: BUSY_RETRY_MS };
      attempts.set(client, [...list, now]);
      running++;
      runningBy.set(client, mine + 1);
      let open = true;
      const release = () => {
        if (!open) return false;
        open = false;
        running--;
        const left = runningBy.get(client)! - 1;
        if (left) runningBy.set(client, left);
        else runningBy.delete(client);
        return true;
      };
      return {
        allowed: true,
        attempt: {
          succeeded: () => {
            if (release()) attempts.delete(client);
          },
          failed: () => void release(),
        },
      };
    },
    size: () => attempts.size,
  };
}
