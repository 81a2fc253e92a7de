// Cron expressions as report jobs use them: croner, five fields (minute precision: a report every
// second would only trip WeCom's 20 messages per minute), evaluated in the job's own IANA time zone.
import { Cron } from 'croner';
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

/** The next `n` fire times strictly after `from`, as epoch ms. */
export function nextFireTimes(cron: Cron, n: number, from: number): number[] {
  return cron.nextRuns(n, new Date(from)).map((d) => d.getTime());
}

/** The first fire time strictly after `from`, or undefined when the schedule never fires again. */
export function nextFireTime(cron: Cron, from: number): number | undefined {
  return cron.nextRun(new Date(from))?.getTime() ?? undefined;
}

/**
 * Fire times in (after, until], most recent first, at most `max` of them; `more` is true when
 * earlier ones exist that were not listed.
 */
export function fireTimesBetween(cron: Cron, after: number, until: number, max: number): { times: number[]; more: boolean } {
  // previousRuns counts a run in the reference's own second as earlier, so until + 1 includes `until`.
  const recent = cron.previousRuns(max + 1, new Date(until + 1)).map((d) => d.getTime());
  const times = recent.filter((t) => t > after && t <= until);
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
