export interface QuietHours {
  enabled: boolean;
  /** "HH:MM" local time in `timeZone`; a start after the end spans midnight. */
  start: string;
  end: string;
  timeZone: string;
}

function minutesOf(hhmm: string): number {
  const [h = '0', m = '0'] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

// Building an Intl.DateTimeFormat costs ~0.1 ms, and isQuiet runs for every alert while quiet
// hours are on (and up to 2,880 times in quietEndsAt): one formatter per zone is kept.
const hourMinuteFormats = new Map<string, Intl.DateTimeFormat>();

/** Minutes since local midnight in the zone. */
function localMinute(now: number, timeZone: string): number {
  let format = hourMinuteFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hour12: false, hour: '2-digit', minute: '2-digit' });
    hourMinuteFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(now);
  const h = Number(parts.find((p) => p.type === 'hour')?.value ?? 0) % 24;
  const m = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
  return h * 60 + m;
}

export function isQuiet(now: number, q: QuietHours): boolean {
  if (!q.enabled) return false;
  const start = minutesOf(q.start);
  const end = minutesOf(q.end);
  if (start === end) return false;
  const cur = localMinute(now, q.timeZone);
  return start < end ? cur >= start && cur < end : cur >= start || cur < end;
}

/**
 * The instant quiet hours end (the first minute at which isQuiet turns false), found by stepping
 * through whole minutes so daylight-saving jumps need no special cases. Undefined when not quiet.
 */
export function quietEndsAt(now: number, q: QuietHours): number | undefined {
  if (!isQuiet(now, q)) return undefined;
  let t = now - (now % 60_000) + 60_000;
  for (let i = 0; i < 48 * 60; i++, t += 60_000) {
    if (!isQuiet(t, q)) return t;
  }
  return undefined;
}
