// A wall clock that steps back (NTP, a VM resumed) must not stall what was due before the step.

/** Steps smaller than this are jitter between two readings, not a clock change. */
export const CLOCK_STEP_TOLERANCE_MS = 1_000;

/** How far the clock went back since the previous reading; 0 when it did not. */
export function backwardStepMs(previous: number | undefined, now: number): number {
  if (previous === undefined) return 0;
  const back = previous - now;
  return back > CLOCK_STEP_TOLERANCE_MS ? back : 0;
}
