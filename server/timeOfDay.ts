/** Whether `tz` is an IANA time zone this runtime knows (as typed: no trimming). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The canonical spelling of an IANA zone ("asia/shanghai" → "Asia/Shanghai"), or undefined. */
export function canonicalTimeZone(tz: string): string | undefined {
  const trimmed = tz.trim();
  if (trimmed === '' || trimmed.length > 64) return undefined;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: trimmed }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** Epoch ms of the most recent local midnight in `timeZone` at `now` (DST-safe via Intl offsets). */
export function startOfDay(now: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hour12: false,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(now);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0) % 24;
  const h = get('hour');
  const m = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
  const s = Number(parts.find((p) => p.type === 'second')?.value ?? 0);
  return now - ((h * 60 + m) * 60 + s) * 1000 - (now % 1000);
}

/** Offset of `timeZone` from UTC at `at`, in ms (e.g. +8 h for Asia/Shanghai). */
export function zoneOffsetMs(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hour12: false,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour') % 24, n('minute'), n('second'));
  return asUtc - (at - (at % 1000));
}

/** Epoch ms of local midnight starting the calendar day `yyyy-mm-dd` in `timeZone`. */
export function localDateStart(date: string, timeZone: string): number {
  const guess = Date.parse(`${date}T00:00:00Z`);
  const first = guess - zoneOffsetMs(guess, timeZone);
  // Re-check at the candidate itself: the offset can differ across a DST change that day.
  return guess - zoneOffsetMs(first, timeZone);
}
