import type { Clock } from '../../server/clock.ts';

/**
 * Two views of one time line. WeCom (the fake) sees true time, which only moves forward; the
 * appliance reads a wall clock that can also be stepped back (NTP, a VM restore), so a backward
 * step changes what the appliance believes without turning back WeCom's rate window.
 */
export class ModelClock {
  private trueMs: number;
  private skewMs = 0;

  constructor(startMs: number) {
    this.trueMs = startMs;
  }

  /** What WeCom sees. */
  readonly wecom = { now: () => this.trueMs };
  /** What the appliance sees. */
  readonly appliance: Clock = { now: () => this.trueMs + this.skewMs };

  advance(ms: number): void {
    this.trueMs += ms;
  }

  /** The wall clock jumps back; true time stands still. */
  stepBack(ms: number): void {
    this.skewMs -= ms;
  }
}
