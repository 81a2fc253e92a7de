// The heartbeat check editor's form: every field read through valibot, only the chosen schedule's
// fields required, errors as i18n keys with their parameters (the route translates them).
import * as v from 'valibot';
import type { HeartbeatCheckInput } from '../../db/queries/heartbeats.ts';
import type { MessageKey, Params } from '../strings/translate.ts';
import { CALENDAR_CHOICES } from '../calendar/workdays.ts';
import { CATEGORIES, SEVERITIES } from '../events/schema.ts';
import { normaliseCron, parseSchedule } from '../reports/cron.ts';
import { canonicalTimeZone } from '../time/zone.ts';
import type { HeartbeatCheck } from './checks.ts';

export const CHECK_FORM_FIELDS = ['name', 'key', 'scheduleKind', 'periodMinutes', 'cron', 'timezone', 'graceMinutes', 'calendar', 'category', 'severity', 'reminderHours'] as const;
export type CheckFormField = (typeof CHECK_FORM_FIELDS)[number];
export type CheckFormValues = Record<CheckFormField, string>;
export type CheckFormErrors = Partial<Record<CheckFormField, { key: MessageKey; params?: Params }>>;

export const CHECK_RANGES = {
  periodMinutes: { min: 1, max: 44_640 },
  graceMinutes: { min: 1, max: 10_080 },
  reminderHours: { min: 0, max: 168 },
} as const;
export const KEY_MAX = 100;
export const NAME_MAX = 100;

/** A key is one URL path segment and a task_name: no slash, no control characters, no surrounding spaces. */
export function isCheckKey(s: string): boolean {
  return s !== '' && [...s].length <= KEY_MAX && s === s.trim() && !/[/\\?#%\u0000-\u001f\u007f]/.test(s);
}

export function emptyCheckForm(timeZone: string): CheckFormValues {
  return { name: '', key: '', scheduleKind: 'period', periodMinutes: '60', cron: '0 2 * * *', timezone: timeZone, graceMinutes: '15', calendar: 'every_day', category: 'task', severity: 'critical', reminderHours: '4' };
}

export function formFromCheck(c: HeartbeatCheck): CheckFormValues {
  return {
    name: c.name,
    key: c.key,
    scheduleKind: c.scheduleKind,
    periodMinutes: c.periodMinutes !== null ? String(c.periodMinutes) : '60',
    cron: c.cron ?? '0 2 * * *',
    timezone: c.timezone,
    graceMinutes: String(c.graceMinutes),
    calendar: c.calendar,
    category: c.category,
    severity: c.severity,
    reminderHours: String(c.reminderHours),
  };
}

export function formFromBody(body: Record<string, unknown>): CheckFormValues {
  const f = {} as CheckFormValues;
  for (const k of CHECK_FORM_FIELDS) f[k] = typeof body[k] === 'string' ? (body[k] as string) : '';
  return f;
}

const integer = ({ min, max }: { min: number; max: number }) =>
  v.pipe(v.string(), v.trim(), v.nonEmpty('form.error.required'), v.regex(/^\d{1,7}$/, 'form.error.integerRange'), v.toNumber(), v.minValue(min, 'form.error.integerRange'), v.maxValue(max, 'form.error.integerRange'));
const choice = <T extends readonly [string, ...string[]]>(values: T) => v.picklist(values, 'form.error.choice');

const FIELD_SCHEMAS = {
  name: v.pipe(v.string(), v.trim(), v.nonEmpty('form.error.required'), v.check((s) => [...s].length <= NAME_MAX, 'hb.error.nameLong')),
  key: v.pipe(v.string(), v.trim(), v.nonEmpty('form.error.required'), v.check(isCheckKey, 'hb.error.key')),
  scheduleKind: choice(['period', 'cron']),
  periodMinutes: integer(CHECK_RANGES.periodMinutes),
  cron: v.pipe(v.string(), v.transform(normaliseCron), v.nonEmpty('form.error.required'), v.maxLength(200, 'hb.error.cron'), v.check((s) => parseSchedule(s, 'UTC').ok, 'hb.error.cron')),
  timezone: v.pipe(v.string(), v.trim(), v.check((tz) => canonicalTimeZone(tz) !== undefined, 'form.error.timeZone'), v.transform((tz) => canonicalTimeZone(tz)!)),
  graceMinutes: integer(CHECK_RANGES.graceMinutes),
  calendar: choice(CALENDAR_CHOICES),
  category: choice(CATEGORIES),
  severity: choice(SEVERITIES),
  reminderHours: integer(CHECK_RANGES.reminderHours),
} satisfies Record<CheckFormField, v.GenericSchema<string, unknown>>;

export type ParsedCheckForm = { ok: true; check: HeartbeatCheckInput } | { ok: false; errors: CheckFormErrors };

export function parseCheckForm(f: CheckFormValues): ParsedCheckForm {
  const needed: CheckFormField[] = ['name', 'key', 'scheduleKind', 'timezone', 'graceMinutes', 'calendar', 'category', 'severity', 'reminderHours'];
  needed.push(f.scheduleKind === 'cron' ? 'cron' : 'periodMinutes');
  const errors: CheckFormErrors = {};
  const out: Record<string, unknown> = {};
  for (const field of needed) {
    const r = v.safeParse(FIELD_SCHEMAS[field] as v.GenericSchema<string, unknown>, f[field]);
    if (r.success) out[field] = r.output;
    else errors[field] = { key: r.issues[0].message as MessageKey, params: field in CHECK_RANGES ? { ...CHECK_RANGES[field as keyof typeof CHECK_RANGES] } : field === 'name' ? { max: NAME_MAX } : field === 'key' ? { max: KEY_MAX } : {} };
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  const cron = out.scheduleKind === 'cron';
  return {
    ok: true,
    check: {
      name: out.name as string,
      key: out.key as string,
      scheduleKind: cron ? 'cron' : 'period',
      periodMinutes: cron ? null : (out.periodMinutes as number),
      cron: cron ? (out.cron as string) : null,
      timezone: out.timezone as string,
      graceMinutes: out.graceMinutes as number,
      calendar: out.calendar as HeartbeatCheckInput['calendar'],
      category: out.category as string,
      severity: out.severity as string,
      reminderHours: out.reminderHours as number,
    },
  };
}
