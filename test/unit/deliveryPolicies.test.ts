import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRateLimiter } from '../../server/delivery/rateLimiter.ts';
import { backoffMs, DEFAULT_RETRY, isExpired } from '../../server/delivery/policy/retry.ts';
import { isQuiet, quietEndsAt } from '../../server/rules/quietHours.ts';

describe('rate limiter (fake clock)', () => {
  it('never lets any 60 s window hold more than the limit, whatever the arrival pattern', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 20 }), (gaps, limit) => {
        const limiter = createRateLimiter({ limit, windowMs: 60_000 });
        let now = 0;
        const sent: number[] = [];
        for (const gap of gaps) {
          now += gap;
          // A worker that waits exactly as long as the limiter says.
          now += limiter.waitMs(now);
          expect(limiter.waitMs(now)).toBe(0);
          limiter.record(now);
          sent.push(now);
        }
        for (let i = 0; i < sent.length; i++) {
          const inWindow = sent.filter((t) => t > sent[i]! - 60_000 && t <= sent[i]!).length;
          expect(inWindow).toBeLessThanOrEqual(limit);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('sends 20 at once, then waits for the oldest to leave the window', () => {
    const limiter = createRateLimiter({ limit: 20, windowMs: 60_000 });
    for (let i = 0; i < 20; i++) {
      expect(limiter.waitMs(1000 + i)).toBe(0);
      limiter.record(1000 + i);
    }
    expect(limiter.waitMs(1020)).toBe(60_000 - 20);
    expect(limiter.used(1020)).toBe(20);
    // A send counts for exactly 60 s: at 61 000 the one from 1 000 has left.
    expect(limiter.waitMs(60_999)).toBe(1);
    expect(limiter.waitMs(61_000)).toBe(0);
    expect(limiter.used(61_000)).toBe(19);
  });

  it('limiter saturate after 45009 blocks a whole window: 19 sends at t≈0 and a 45009 at 59 s allow nothing until 119 s', () => {
    const limiter = createRateLimiter({ limit: 20, windowMs: 60_000 });
    for (let i = 0; i < 19; i++) limiter.record(i);
    limiter.record(59_000);
    limiter.saturate(59_000);
    expect(limiter.used(59_000)).toBe(20);
    expect(limiter.waitMs(59_900)).toBe(59_100);
    expect(limiter.waitMs(61_000)).toBe(58_000);
    expect(limiter.waitMs(118_999)).toBe(1);
    expect(limiter.waitMs(119_000)).toBe(0);
  });

  it('honours a lower configured limit', () => {
    const limiter = createRateLimiter({ limit: 20, windowMs: 60_000, history: [0, 10, 20, 30, 40, 50] });
    expect(limiter.waitMs(100)).toBe(0);
    limiter.setLimit(5);
    expect(limiter.limit()).toBe(5);
    expect(limiter.waitMs(100)).toBe(60_010 - 100);
  });

  it('limiter history recorded out of order after a restart: never waits longer than one window', () => {
    const limiter = createRateLimiter({ limit: 2, windowMs: 60_000 });
    // Read from the send log in row order; the later one stamped before the clock stepped back 20 min.
    limiter.record(0);
    limiter.record(1_200_000);
    limiter.record(0);
    expect(limiter.waitMs(0)).toBeLessThanOrEqual(60_000);
    expect(limiter.waitMs(60_000)).toBe(0);
  });

  it('forward wall-clock step: the window is counted on the steady clock, so it does not empty', () => {
    // Wall and steady clock agree until the wall clock is corrected 10 minutes ahead.
    let wall = 5_000_000;
    let steady = 5_000_000;
    const clock = { now: () => wall, monotonic: () => steady };
    const limiter = createRateLimiter({ limit: 20, windowMs: 60_000, clock });
    for (let i = 0; i < 20; i++) limiter.record(wall);
    wall += 600_000 + 1_000;
    steady += 1_000;
    expect(limiter.used(wall)).toBe(20);
    expect(limiter.waitMs(wall)).toBe(59_000);
    wall += 59_000;
    steady += 59_000;
    expect(limiter.waitMs(wall)).toBe(0);
  });

  it('a send answered after a forward step counts from its answer', () => {
    let wall = 0;
    let steady = 0;
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000, clock: { now: () => wall, monotonic: () => steady } });
    const recorded = limiter.record(wall);
    // The wall clock is corrected while the call is on the wire; WeCom answers 2 s later.
    wall += 3_600_000 + 2_000;
    steady += 2_000;
    limiter.settle(recorded, wall);
    expect(limiter.used(wall)).toBe(1);
    expect(limiter.waitMs(wall)).toBe(60_000);
  });

  it('history read at start is placed on the steady clock by its wall times', () => {
    let wall = 1_000_000;
    let steady = 40_000;
    const limiter = createRateLimiter({ limit: 2, windowMs: 60_000, clock: { now: () => wall, monotonic: () => steady }, history: [990_000, 950_000] });
    // A second later the wall clock has been corrected 10 minutes ahead: both sends still count.
    wall += 601_000;
    steady += 1_000;
    expect(limiter.used(wall)).toBe(2);
    expect(limiter.waitMs(wall)).toBe(9_000);
  });

  it('backward wall-clock step: the limiter never waits longer than one window', () => {
    const limiter = createRateLimiter({ limit: 2, windowMs: 60_000 });
    limiter.record(10_000_000);
    limiter.record(10_000_000);
    // The clock steps back an hour.
    expect(limiter.waitMs(10_000_000 - 3600_000)).toBeLessThanOrEqual(60_000);
  });
});

describe('retry policy', () => {
  it('backs off exponentially with jitter, capped', () => {
    expect(backoffMs(1, DEFAULT_RETRY, () => 1)).toBe(2_000);
    expect(backoffMs(3, DEFAULT_RETRY, () => 1)).toBe(8_000);
    expect(backoffMs(30, DEFAULT_RETRY, () => 1)).toBe(10 * 60_000);
    expect(backoffMs(3, DEFAULT_RETRY, () => 0)).toBe(1_000);
    const spread = new Set(Array.from({ length: 50 }, () => backoffMs(5, DEFAULT_RETRY)));
    expect(spread.size).toBeGreaterThan(10);
  });
  it('gives up after the maximum age', () => {
    expect(isExpired(0, 24 * 3600_000 - 1, 24 * 3600_000)).toBe(false);
    expect(isExpired(0, 24 * 3600_000, 24 * 3600_000)).toBe(true);
  });
});

describe('quiet hours', () => {
  const q = { enabled: true, start: '22:00', end: '08:00', timeZone: 'Asia/Shanghai' };
  const shanghai = (iso: string) => Date.parse(iso + '+08:00');
  it('spans midnight in the configured zone', () => {
    expect(isQuiet(shanghai('2026-11-25T21:59:00'), q)).toBe(false);
    expect(isQuiet(shanghai('2026-11-25T22:00:00'), q)).toBe(true);
    expect(isQuiet(shanghai('2026-11-26T03:00:00'), q)).toBe(true);
    expect(isQuiet(shanghai('2026-11-26T08:00:00'), q)).toBe(false);
    expect(isQuiet(shanghai('2026-11-26T03:00:00'), { ...q, enabled: false })).toBe(false);
    expect(isQuiet(shanghai('2026-11-26T13:00:00'), { ...q, start: '12:00', end: '14:00' })).toBe(true);
  });
  it('knows when they end, across a DST change too', () => {
    expect(quietEndsAt(shanghai('2026-11-26T03:30:20'), q)).toBe(shanghai('2026-11-26T08:00:00'));
    expect(quietEndsAt(shanghai('2026-11-26T09:00:00'), q)).toBeUndefined();
    const berlin = { enabled: true, start: '01:00', end: '04:00', timeZone: 'Europe/Berlin' };
    // 2026-03-29: clocks jump from 02:00 to 03:00 CET→CEST; 04:00 CEST is 02:00 UTC.
    expect(quietEndsAt(Date.parse('2026-03-29T00:30:00Z'), berlin)).toBe(Date.parse('2026-03-29T02:00:00Z'));
  });
});
