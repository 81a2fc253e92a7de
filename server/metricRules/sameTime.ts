// "The same time 1 day (or 7 days) earlier" is a wall-clock question: 09:00 yesterday, in the
// settings' time zone, which is 23 or 25 hours ago across a DST change (always 24 h in Asia/Shanghai).

const DAY = 86_400_000;

// One formatter per zone: building one costs ~0.1 ms, and change rules ask on every point.
const formats = new Map<string, Intl.DateTimeFormat>();

// Offsets by zone and UTC quarter hour: zone offsets and their changes fall on quarter hours, so
// one answer holds for the whole quarter. Bounded: cleared when it grows past a few days of zones.
const QUARTER = 900_000;
const offsets = new Map<string, number>();

/** Offset of `timeZone` from UTC at `at`, in ms (+8 h for Asia/Shanghai). */
function offsetMs(at: number, timeZone: string): number {
  const key = `${timeZone}|${Math.floor(at / QUARTER)}`;
  const known = offsets.get(key);
  if (known !== undefined) return known;
  if (offsets.size > 10_000) offsets.clear();
  const offset = computeOffsetMs(Math.floor(at / QUARTER) * QUARTER, timeZone);
  offsets.set(key, offset);
  return offset;
}

function computeOffsetMs(at: number, timeZone: string): number {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formats.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(at)) p[part.type] = Number(part.value);
  const whole = at - (((at % 1000) + 1000) % 1000);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - whole;
}

/** Epoch ms of the same local wall-clock time `days` calendar days before `at`, in `timeZone`. */
export function sameTimeDaysEarlier(at: number, days: number, timeZone: string): number {
  const offset = offsetMs(at, timeZone);
  const wall = at + offset - days * DAY;
  const guess = wall - offsetMs(wall - offset, timeZone);
  // Re-check at the candidate itself: the offset there may differ from the one at `at`.
  return wall - offsetMs(guess, timeZone);
}
