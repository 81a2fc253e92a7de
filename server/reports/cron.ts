// Cron expressions as report jobs use them: croner, five fields (minute precision: a report every
// second would only trip WeCom's 20 messages per minute), evaluated in the job's own IANA time zone.
import { Cron } from 'croner';
import { addDays, localDate, localDateStart } from '../time/calendar.ts';
import { canonicalTimeZone } from '../time/zone.ts';

export type CronProblem =
  | { code: 'empty' }
  | { code: 'fields'; count: number }
  | { code: 'invalid'; detail: string }
  | { code: 'never' }
  | { code: 'timezone' };

export type ParsedSchedule = { ok: true; expr: string; timeZone: string; cron: Cron } | ({ ok: false } & CronProblem);

/** Whitespace collapsed, so "0  9 * * *" and "0 9 * * *" are one schedule. */
export function normaliseCron(expr: string): string {
  return expr.trim().replace(/\s+/g, ' ');
}

export const CRON_OPTIONS = { mode: '5-part' } as const;

/**
 * Validates a schedule without scheduling anything: croner parses it (`new Cron` without a
 * function), then `nextRun()` says whether it ever fires and exercises the time zone.
 */
export function parseSchedule(expr: string, timeZone: string, from: number = Date.now()): ParsedSchedule {
  const normal = normaliseCron(expr);
  if (normal === '') return { ok: false, code: 'empty' };
  const tz = canonicalTimeZone(timeZone);
  if (!tz) return { ok: false, code: 'timezone' };
  const fields = normal.split(' ').length;
  if (!normal.startsWith('@') && fields !== 5) return { ok: false, code: 'fields', count: fields };
  let cron: Cron;
  try {
    cron = new Cron(normal, { ...CRON_OPTIONS, timezone: tz });
  } catch (err) {
    return { ok: false, code: 'invalid', detail: err instanceof Error ? err.message.replace(/^CronPattern:\s*/, '') : String(err) };
  }
  try {
    if (cron.nextRun(new Date(from)) === null) return { ok: false, code: 'never' };
  } catch {
    return { ok: false, code: 'timezone' };
  }
  return { ok: true, expr: normal, timeZone: tz, cron };
}

/**
 * Which days' fire times count (a workday calendar), by local date (`yyyy-mm-dd`) in the
 * schedule's time zone; absent: all of them. A day left out is passed over at once, not fire time
 * by fire time.
 */
export type FireFilter = (localDate: string) => boolean;

/** Days a filter may leave out in a row looking for the next fire time: a yearly job on a date that is a holiday every year ends here. */
const MAX_DAYS_PASSED_OVER = 800;

/** The next `n` fire times strictly after `from` that the filter keeps, as epoch ms. */
export function nextFireTimes(cron: Cron, n: number, from: number, keep?: FireFilter): number[] {
  if (!keep) return cron.nextRuns(n, new Date(from)).map((d) => d.getTime());
  const times: number[] = [];
  for (let t = nextFireTime(cron, from, keep); t !== undefined && times.length < n; t = nextFireTime(cron, t, keep)) times.push(t);
  return times;
}

/**
 * The first fire time strictly after `from` that the filter keeps, or undefined when there is none
 * (in reach). A day left out costs a date lookup, not croner's every fire time on it: a job every
 * 5 minutes across the 8 days of 国庆 is a few steps, not 2,300.
 */
export function nextFireTime(cron: Cron, from: number, keep?: FireFilter): number | undefined {
  let t = cron.nextRun(new Date(from))?.getTime();
  if (!keep) return t;
  const zone = zoneOf(cron);
  let days = 0;
  while (t !== undefined) {
    let date = localDate(t, zone);
    if (keep(date)) return t;
    do {
      if (++days > MAX_DAYS_PASSED_OVER) return undefined;
      date = addDays(date, 1);
    } while (!keep(date));
    t = cron.nextRun(new Date(localDateStart(date, zone) - 1))?.getTime();
  }
  return undefined;
}

function zoneOf(cron: Cron): string {
  return cron.options.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * Fire times in (after, until] that the filter keeps, most recent first, at most `max` of them;
 * `more` is true when earlier kept ones exist that were not listed. A day left out is stepped over
 * whole (a weekend of a job every 5 minutes is two steps), so the newest kept fire time is found
 * however many left-out ones come after it.
 */
export function fireTimesBetween(cron: Cron, after: number, until: number, max: number, keep?: FireFilter): { times: number[]; more: boolean } {
  if (!keep) {
    // previousRuns counts a run in the reference's own second as earlier, so until + 1 includes `until`.
    const recent = cron.previousRuns(max + 1, new Date(until + 1)).map((d) => d.getTime());
    const times = recent.filter((t) => t > after && t <= until);
    return { times: times.slice(0, max), more: times.length > max };
  }
  const zone = zoneOf(cron);
  const times: number[] = [];
  let before = until + 1;
  let days = 0;
  while (times.length <= max) {
    const t = cron.previousRuns(1, new Date(before))[0]?.getTime();
    if (t === undefined || t <= after) break;
    const date = localDate(t, zone);
    if (keep(date)) {
      times.push(t);
      // A millisecond before it: the reference's own second would count it again.
      before = t - 1;
    } else {
      if (++days > MAX_DAYS_PASSED_OVER) break;
      before = localDateStart(date, zone) - 1;
    }
  }
  return { times: times.slice(0, max), more: times.length > max };
}

export const CRON_FIELDS = [
  { name: 'minute', range: '0–59' },
  { name: 'hour', range: '0–23' },
  { name: 'day', range: '1–31, L' },
  { name: 'month', range: '1–12, JAN–DEC' },
  { name: 'weekday', range: '0–7, SUN–SAT' },
] as const;

/** Which of five fields croner refuses on its own (the others replaced by `*`), to name it in the message. */
export function invalidCronField(expr: string): { field: (typeof CRON_FIELDS)[number]; value: string } | undefined {
  const fields = normaliseCron(expr).split(' ');
  if (fields.length !== 5) return undefined;
  for (let i = 0; i < 5; i++) {
    const probe = fields.map((f, j) => (j === i ? f : '*')).join(' ');
    try {
      new Cron(probe, CRON_OPTIONS);
    } catch {
      return { field: CRON_FIELDS[i]!, value: fields[i]! };
    }
  }
  return undefined;
}
