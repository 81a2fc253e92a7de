import type { Clock } from '../../server/clock.ts';

/**
 * Two views of one time line. WeCom (the fake) sees true time, which only moves forward; the
 * appliance reads a wall clock that can also be stepped back (NTP, a VM restore), so a backward
 * step changes what the appliance believes without turning back WeCom's rate window. The appliance's
 * steady clock (`monotonic`) runs with true time from the wall clock's reading at its process start.
 */
export class ModelClock {
  private trueMs: number;
  private skewMs = 0;
  /** The skew when the appliance's process started: its steady clock began at the wall clock then. */
  private startSkewMs = 0;

  constructor(startMs: number) {
    this.trueMs = startMs;
  }

  /** What WeCom sees. */
  readonly wecom = { now: () => this.trueMs };
  /** What the appliance sees. */
  readonly appliance: Clock = { now: () => this.trueMs + this.skewMs, monotonic: () => this.trueMs + this.startSkewMs };

  advance(ms: number): void {
    this.trueMs += ms;
  }

  /** The wall clock jumps back; true time stands still. */
  stepBack(ms: number): void {
    this.skewMs -= ms;
  }

  /** The wall clock jumps ahead (a slow clock corrected); true time stands still. */
  stepForward(ms: number): void {
    this.skewMs += ms;
  }

  /** A new process of the appliance starts. */
  processStarted(): void {
    this.startSkewMs = this.skewMs;
  }
}
