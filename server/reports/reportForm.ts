// The report job form: every field read through valibot, the custom template and chart fields
// checked with the report code, and each refusal in the reader's words (as metricRules/ruleForm.ts
// does for the rule editor).
import * as v from 'valibot';
import type { ReportJobRow } from '../../db/queries/reports.ts';
import { REPORT_TYPES } from '../../db/schema.ts';
import { EVENT_LIMITS, hasControlCharacter } from '../events/schema.ts';
import type { MessageKey, Translate } from '../strings/translate.ts';
import { canonicalTimeZone } from '../time/zone.ts';
import { CALENDAR_CHOICES, calendarAllowsDate, type CalendarChoice, type WorkdayCalendar } from '../calendar/workdays.ts';
import { parseChartMetrics } from './chartData.ts';
import { invalidCronField, nextFireTimes, normaliseCron, parseSchedule } from './cron.ts';
import { GRACE_MINUTES } from './reportSettings.ts';
import { parseTemplate, TEMPLATE_MAX_CHARS, type TemplateProblem } from './reportTemplate.ts';

const REPORT_NAME_MAX = 60;
export const CHART_METRICS_MAX_CHARS = 2000;
const NEXT_RUNS = 3;

/** The fields a refusal can name, in the order the form shows them. */
export const REPORT_FORM_FIELDS = ['name', 'type', 'cron', 'timezone', 'template', 'chartMetrics'] as const;
export type ReportField = (typeof REPORT_FORM_FIELDS)[number];
export type ReportFieldErrors = Partial<Record<ReportField, string>>;

export interface ReportFormValues {
  name: string;
  type: string;
  cron: string;
  timezone: string;
  template: string;
  enabled: boolean;
  attachChart: boolean;
  chartMetrics: string;
  /** every_day, workdays_cn or non_workdays_cn. */
  calendar: string;
}

/** The next run times of a schedule, or why there are none. */
export type CronPreviewState = { runs: number[]; timeZone: string } | { error: string };

/** Whatever speaks the reader's language: the console's view context, say. */
type Speaker = { t: Translate };

// Every message below is an i18n key; the route adds parameters when it translates.
const text = v.optional(v.string(), '');
const checkbox = v.pipe(v.optional(v.string(), ''), v.transform((s) => s !== ''));

export function reportFormSchema(defaultZone: string) {
  return v.pipe(
    v.object({
      name: v.pipe(
        text,
        v.trim(),
        v.nonEmpty('reports.error.nameEmpty'),
        v.check((s) => !hasControlCharacter(s), 'reports.error.nameInvalid'),
        v.check((s) => [...s].length <= REPORT_NAME_MAX, 'reports.error.nameLong'),
      ),
      type: v.picklist(REPORT_TYPES, 'reports.error.type'),
      cron: v.pipe(
        text,
        v.transform(normaliseCron),
        v.nonEmpty('reports.error.cronEmpty'),
        v.maxLength(200, 'reports.error.cronInvalid'),
        // croner decides; the route turns its verdict into the precise message.
        v.check((s) => parseSchedule(s, 'UTC').ok, 'reports.error.cronInvalid'),
      ),
      timezone: v.pipe(
        text,
        v.trim(),
        v.transform((s) => s || defaultZone),
        v.check((tz) => canonicalTimeZone(tz) !== undefined, 'reports.error.timezone'),
        v.transform((tz) => canonicalTimeZone(tz)!),
      ),
      template: v.pipe(
        text,
        v.transform((s) => s.replace(/\r\n?/g, '\n')),
      ),
      enabled: checkbox,
      attachChart: checkbox,
      calendar: v.pipe(
        text,
        v.transform((s) => s || 'every_day'),
        v.picklist(CALENDAR_CHOICES, 'reports.error.calendar'),
      ),
      chartMetrics: v.pipe(
        text,
        v.transform(parseChartMetrics),
        // Each line is a metric name, held to the rules of names everywhere else (and of the import).
        v.check((names) => names.every((n) => !hasControlCharacter(n)), 'reports.error.chartMetricInvalid'),
        v.check((names) => names.every((n) => [...n].length <= EVENT_LIMITS.metricName), 'reports.error.chartMetricLong'),
        v.transform((names) => names.join('\n')),
        v.maxLength(CHART_METRICS_MAX_CHARS, 'reports.error.chartMetricsLong'),
      ),
    }),
    v.forward(
      v.partialCheck([['type'], ['template']], (i) => i.type !== 'custom' || i.template.trim() !== '', 'reports.error.templateEmpty'),
      ['template'],
    ),
    v.forward(
      v.partialCheck([['type'], ['template']], (i) => i.type !== 'custom' || i.template.length <= TEMPLATE_MAX_CHARS, 'reports.error.templateLong'),
      ['template'],
    ),
    v.forward(
      v.partialCheck([['type'], ['template']], (i) => i.type !== 'custom' || parseTemplate(i.template).problems.length === 0, 'reports.error.templateUnknown'),
      ['template'],
    ),
  );
}

export const graceSchema = v.pipe(
  text,
  v.trim(),
  v.regex(/^\d{1,4}$/, 'reports.error.grace'),
  v.transform(Number),
  v.minValue(GRACE_MINUTES.min, 'reports.error.grace'),
  v.maxValue(GRACE_MINUTES.max, 'reports.error.grace'),
);

/** Why croner refuses a cron expression, in the reader's language. */
export function cronMessage(ctx: Speaker, cron: string): string | undefined {
  const normal = normaliseCron(cron);
  const parsed = parseSchedule(normal, 'UTC');
  if (parsed.ok) return undefined;
  switch (parsed.code) {
    case 'empty':
      return ctx.t('reports.error.cronEmpty');
    case 'fields':
      return ctx.t('reports.error.cronFields', { count: parsed.count });
    case 'never':
      return ctx.t('reports.error.cronNever');
    default: {
      const bad = invalidCronField(normal);
      if (!bad) return ctx.t('reports.error.cronInvalid');
      return ctx.t('reports.error.cronField', { field: ctx.t(`reports.cron.field.${bad.field.name}`), value: bad.value, range: bad.field.range });
    }
  }
}

function templateMessage(ctx: Speaker, problems: TemplateProblem[]): string {
  const messages: string[] = [];
  const unclosed = problems.find((p) => p.code === 'unclosed');
  if (unclosed?.code === 'unclosed') messages.push(ctx.t('reports.error.templateUnclosed', { snippet: unclosed.snippet }));
  for (const p of problems) if (p.code === 'metricArgs') messages.push(ctx.t('reports.error.templateMetric', { placeholder: p.placeholder }));
  const unknown = [...new Set(problems.flatMap((p) => (p.code === 'unknown' ? [p.placeholder] : [])))];
  if (unknown.length) messages.push(ctx.t('reports.error.templateUnknown', { list: unknown.join(', ') }));
  return messages.join(' ');
}

/** The next runs of a schedule in its zone (on its calendar's days), or the message saying why there are none. */
export function cronPreviewState(ctx: Speaker, cron: string, timeZone: string, now: number, on?: { choice: CalendarChoice; calendar: WorkdayCalendar | undefined }): CronPreviewState {
  const message = cronMessage(ctx, cron);
  if (message) return { error: message };
  const parsed = parseSchedule(cron, timeZone, now);
  if (!parsed.ok) return { error: ctx.t(parsed.code === 'never' ? 'reports.error.cronNever' : 'reports.error.timezone') };
  const keep = on && on.choice !== 'every_day' ? (date: string) => calendarAllowsDate(on.choice, on.calendar, date) : undefined;
  return { runs: nextFireTimes(parsed.cron, NEXT_RUNS, now, keep), timeZone: parsed.timeZone };
}

/** The schema's issues (message keys per field) in the reader's words, with their parameters. */
export function reportFieldErrors(ctx: Speaker, issues: Record<string, string[] | undefined>, f: Record<string, string>): ReportFieldErrors {
  const errors: ReportFieldErrors = {};
  for (const field of REPORT_FORM_FIELDS) {
    const key = issues[field]?.[0];
    if (!key) continue;
    if (field === 'cron' && key === 'reports.error.cronInvalid') errors.cron = cronMessage(ctx, f.cron ?? '') ?? ctx.t('reports.error.cronInvalid');
    else if (field === 'template' && key === 'reports.error.templateUnknown') errors.template = templateMessage(ctx, parseTemplate(f.template ?? '').problems);
    else if (key === 'reports.error.nameLong') errors.name = ctx.t(key, { max: REPORT_NAME_MAX });
    else if (key === 'reports.error.templateLong') errors.template = ctx.t(key, { max: TEMPLATE_MAX_CHARS });
    else if (key === 'reports.error.chartMetricsLong') errors.chartMetrics = ctx.t(key, { max: CHART_METRICS_MAX_CHARS });
    else if (key === 'reports.error.chartMetricLong') errors.chartMetrics = ctx.t(key, { max: EVENT_LIMITS.metricName });
    else errors[field] = key.startsWith('reports.error.') ? ctx.t(key as MessageKey) : ctx.t('form.error.invalid');
  }
  return errors;
}

export function valuesFromForm(f: Record<string, string>): ReportFormValues {
  return {
    name: f.name ?? '',
    type: f.type ?? '',
    cron: f.cron ?? '',
    timezone: f.timezone ?? '',
    template: f.template ?? '',
    enabled: (f.enabled ?? '') !== '',
    attachChart: (f.attachChart ?? '') !== '',
    chartMetrics: f.chartMetrics ?? '',
    calendar: f.calendar ?? 'every_day',
  };
}

export function valuesFromJob(job: ReportJobRow): ReportFormValues {
  return {
    name: job.name,
    type: job.type,
    cron: job.cron,
    timezone: job.timezone,
    template: job.template ?? '',
    enabled: job.enabled,
    attachChart: job.attachChart,
    chartMetrics: job.chartMetrics,
    calendar: job.calendar,
  };
}

