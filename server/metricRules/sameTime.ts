// "The same time 1 day (or 7 days) earlier" is a wall-clock question: 09:00 yesterday, in the
// settings' time zone, which is 23 or 25 hours ago across a DST change (always 24 h in Asia/Shanghai).
import { zoneOffsetMs } from '../timeOfDay.ts';

const DAY = 86_400_000;

/** Epoch ms of the same local wall-clock time `days` calendar days before `at`, in `timeZone`. */
export function sameTimeDaysEarlier(at: number, days: number, timeZone: string): number {
  const wall = at + zoneOffsetMs(at, timeZone) - days * DAY;
  const guess = wall - zoneOffsetMs(wall - zoneOffsetMs(at, timeZone), timeZone);
  // Re-check at the candidate itself: the offset there may differ from the one at `at`.
  return wall - zoneOffsetMs(guess, timeZone);
}
