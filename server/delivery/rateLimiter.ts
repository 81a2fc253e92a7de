import type { Clock } from '../clock.ts';

/**
 * Rolling-window limiter for the one bot: at most `limit` sends in any `windowMs` span. Every call to
 * WeCom counts, refused ones included (WeCom counts them too), so a 45009 fills the window.
 *
 * Callers pass wall-clock times. WeCom counts its window on its own clock, so the limiter keeps them
 * on the steady clock (`Clock.monotonic`): each time is moved by the present difference between the
 * two, and a wall clock stepped forward (a slow clock corrected) does not empty the window.
 */
export interface RateLimiter {
  /** Milliseconds until one more send fits in the window; 0 when it fits now. */
  waitMs(now: number): number;
  /** Counts a send; returns its place in the window, for `settle`. */
  record(at: number): number;
  /**
   * Moves a recorded send to when its answer came. WeCom counts the call when it arrives, somewhere
   * between our start and the answer; counting from the answer keeps any two calls' arrivals at
   * least a window apart however slow the first one was.
   */
  settle(recorded: number, answeredAt: number): void;
  /** After a 45009: no call for a whole window from `now` on, whatever the window held. */
  saturate(now: number): void;
  /** Sends in the window ending at `now`. */
  used(now: number): number;
  setLimit(limit: number): void;
  readonly windowMs: number;
  limit(): number;
}

export function createRateLimiter(opts: { limit: number; windowMs: number; history?: number[]; clock?: Clock }): RateLimiter {
  let limit = opts.limit;
  const windowMs = opts.windowMs;
  const { clock } = opts;
  const steady = (wall: number) => (clock?.monotonic ? wall + clock.monotonic() - clock.now() : wall);
  // Ascending send times on the steady clock; only those inside the last window matter.
  let times: number[] = (opts.history ?? []).map(steady).sort((a, b) => a - b);
  let blockedUntil = -Infinity;
  const prune = (now: number) => {
    // The wall clock stepped back (without a steady clock, or before a restart): what was recorded
    // "in the future" counts from now, so the wait is never longer than one window.
    if (times.length && times[times.length - 1]! > now) times = times.map((t) => Math.min(t, now));
    if (blockedUntil > now + windowMs) blockedUntil = now + windowMs;
    const cutoff = now - windowMs;
    let i = 0;
    while (i < times.length && times[i]! <= cutoff) i++;
    if (i) times = times.slice(i);
  };
  // In order whatever order the times come in (a restart reads them from the send log): pruning and
  // the wait read the oldest from the front.
  const insert = (at: number) => {
    let j = times.length;
    while (j > 0 && times[j - 1]! > at) j--;
    times.splice(j, 0, at);
    return at;
  };
  return {
    windowMs,
    limit: () => limit,
    waitMs(wallNow) {
      const now = steady(wallNow);
      prune(now);
      const blocked = Math.max(0, blockedUntil - now);
      if (times.length < limit) return blocked;
      // The send that must leave the window before one more fits.
      return Math.max(blocked, times[times.length - limit]! + windowMs - now);
    },
    record: (at) => insert(steady(at)),
    settle(recorded, answeredAt) {
      const i = times.lastIndexOf(recorded);
      if (i === -1) return;
      times.splice(i, 1);
      insert(steady(answeredAt));
    },
    saturate(wallNow) {
      blockedUntil = Math.max(blockedUntil, steady(wallNow) + windowMs);
    },
    used(wallNow) {
      const now = steady(wallNow);
      prune(now);
      // Blocked after a 45009: the window is as good as full.
      return blockedUntil > now ? Math.max(limit, times.length) : times.length;
    },
    setLimit(next) {
      limit = next;
    },
  };
}

/**
 * One call to WeCom, counted by the limiter from its start and moved to its answer once it comes
 * (the worker's sends and the console's connect and test sends alike).
 */
export async function countedCall<T>(limiter: RateLimiter, clock: { now(): number }, call: () => Promise<T>): Promise<{ result: T; started: number; answered: number }> {
  const started = clock.now();
  const recorded = limiter.record(started);
  const result = await call();
  const answered = clock.now();
  limiter.settle(recorded, answered);
  return { result, started, answered };
}
