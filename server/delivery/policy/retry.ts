export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 2_000, maxMs: 10 * 60_000 };

/**
 * Exponential backoff with "full jitter": a random delay up to base·2^(attempt-1), capped, so a
 * recovering WeCom is not hit by every queued message at the same instant.
 */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(policy.baseMs / 2, Math.round(random() * ceiling));
}

/** A message older than the maximum age is given up on (dead) instead of retried again. */
export function isExpired(createdAt: number, now: number, maxAgeMs: number): boolean {
  return now - createdAt >= maxAgeMs;
}
