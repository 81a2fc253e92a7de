// The one place that asks Intl about time zones: an instant's wall-clock parts in a zone, and the
// zone's offset from UTC. Everything else (calendar days, periods, formats) is built on these.

/** An instant on the wall clock of a zone: zero-padded like "2026", "03", "09"; offset like "GMT+8". */
export interface ZonedParts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
  offset: string;
}

// Building an Intl.DateTimeFormat costs ~0.1 ms, and rendering, quiet hours and change rules ask
// on every event or point: one formatter per zone is kept.
const formats = new Map<string, Intl.DateTimeFormat>();

function formatOf(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'shortOffset',
    });
    formats.set(timeZone, format);
  }
  return format;
}

export function zonedParts(ms: number, timeZone: string): ZonedParts {
  const p: ZonedParts = { year: '', month: '', day: '', hour: '', minute: '', second: '', offset: '' };
  for (const part of formatOf(timeZone).formatToParts(ms)) {
    if (part.type === 'timeZoneName') p.offset = part.value;
    else if (part.type !== 'literal' && part.type in p) p[part.type as keyof ZonedParts] = part.value;
  }
  return p;
}

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

// Offsets by zone and UTC quarter hour: zone offsets and their changes fall on quarter hours, so
// one answer holds for the whole quarter. Bounded: cleared when it grows past a few days of zones.
const QUARTER = 900_000;
const offsets = new Map<string, number>();

/** Offset of `timeZone` from UTC at `at`, in ms (+8 h for Asia/Shanghai). */
export function zoneOffsetMs(at: number, timeZone: string): number {
  const key = `${timeZone}|${Math.floor(at / QUARTER)}`;
  const known = offsets.get(key);
  if (known !== undefined) return known;
  if (offsets.size > 10_000) offsets.clear();
  const quarter = Math.floor(at / QUARTER) * QUARTER;
  const p = zonedParts(quarter, timeZone);
  const offset = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) - quarter;
  offsets.set(key, offset);
  return offset;
}
