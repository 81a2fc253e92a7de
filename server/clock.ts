/** Time source passed to everything that reads the time, so tests can drive it. */
export interface Clock {
  now(): number;
  /**
   * Milliseconds on a clock that is never stepped: the wall clock's reading when the process
   * started, then the time elapsed since. The rate limiter counts WeCom's window on it, as WeCom
   * does on its own clock. A clock without it has one time line (most tests).
   */
  monotonic?(): number;
}

export const systemClock: Clock = { now: () => Date.now(), monotonic: () => performance.timeOrigin + performance.now() };
