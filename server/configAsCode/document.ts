// Configuration as code: the appliance's setup (notification rules, quiet hours, message templates,
// hook mappings, metric rules, report jobs, silences) as one versioned JSON document. Only what an
// admin configures is in it; secrets never are (the webhook key, tokens, signing secrets, passwords
// live elsewhere and have no field here). Every field is checked by the rules its console form uses,
// and each refusal names the document path ("metric_rules.2.condition.value: …").
import * as v from 'valibot';
import { parseMessageTemplate, TEMPLATE_KINDS, type MessageTemplateProblem, type TemplateKind } from '../render/messageTemplate.ts';
import { rendersEmptyWhenBare } from '../render/messageTemplateRender.ts';
import { sampleEvent } from '../render/sampleEvents.ts';
import { sampleHeartbeatAlert } from '../heartbeats/alerts.ts';
import type { AlertEvent, TaskResultEvent } from '../events/schema.ts';
import { translator, type Lang } from '../strings/translate.ts';
import { CATEGORIES, EVENT_LIMITS, hasControlCharacter, isMentionTarget, SEVERITIES } from '../events/schema.ts';
import { compileHook, HOOK_MAPPING_NAME, hookDefinitionSchema, type HookDefinition, type HookField, type HookProblem } from '../hooks/mapping.ts';
import { titleProblems } from '../metricRules/alerts.ts';
import { CHANGE_BASELINES, CHANGE_DIRECTIONS, CHANGE_UNITS, NO_DATA_HOLD, THRESHOLD_OPS, type MetricRule } from '../metricRules/definition.ts';
import { RANGES } from '../metricRules/ruleForm.ts';
import { normaliseCron, parseSchedule } from '../reports/cron.ts';
import { parseTemplate as parseReportTemplate, TEMPLATE_MAX_CHARS, type TemplateProblem } from '../reports/reportTemplate.ts';
import { CALENDAR_CHOICES, REPORT_TYPES } from '../../db/schema.ts';
import { deliverySettingsSchema, rulesSchema } from '../settings/settingsStore.ts';
import { canonicalTimeZone } from '../time/zone.ts';
import { MAX_SILENCE_MS, MAX_SILENCES } from '../rules/silences.ts';
import { parseIsoDateTime } from '../events/schema.ts';

export const CONFIG_FORMAT = 'storeclaw-notifier-config';
export const CONFIG_VERSION = 1;
/** The largest document accepted (API and console): the sections' caps below fit in it. */
export const CONFIG_MAX_BYTES = 1024 * 1024;

/** Caps per section: every list the document carries is bounded. */
export const CONFIG_LIMITS = { messageTemplates: 64, hookMappings: 100, metricRules: 200, reportJobs: 50, silences: MAX_SILENCES } as const;
const REPORT_NAME_MAX = 60;
const CHART_METRICS_MAX_CHARS = 2000;
const RULE_NAME_MAX = 100;
const NUMBER_LIMIT = 1e12;

/** Hook mapping fields as the document spells them (snake_case, like the rest of the API). */
export const HOOK_FIELD_NAMES = {
  title: 'title',
  summary: 'summary',
  severity: 'severity',
  severityMap: 'severity_map',
  defaultSeverity: 'default_severity',
  category: 'category',
  defaultCategory: 'default_category',
  store: 'store',
  url: 'url',
  idempotencyKey: 'idempotency_key',
  fields: 'fields',
  dropWhen: 'drop_when',
} as const satisfies Record<HookField, string>;

const R = rulesSchema.entries;
const D = deliverySettingsSchema.entries;
const QH = R.quietHours.entries;
const CM = R.criticalMention.entries;

const chars = (s: string) => [...s].length;
const name = (max: number) =>
  v.pipe(
    v.string(),
    v.check((s) => s.trim() !== '', 'must not be empty'),
    v.check((s) => s === s.trim(), 'must not start or end with spaces'),
    v.check((s) => !hasControlCharacter(s), 'must not contain line breaks or control characters'),
    v.check((s) => chars(s) <= max, `must be at most ${max} characters`),
  );
const int = (min: number, max: number) => v.pipe(v.number(), v.integer('must be a whole number'), v.minValue(min, `must be at least ${min}`), v.maxValue(max, `must be at most ${max}`));
const bounded = (min: number) => v.pipe(v.number(), v.finite(), v.minValue(min, `must be at least ${min}`), v.maxValue(NUMBER_LIMIT, `must be at most ${NUMBER_LIMIT}`));
const mentionTarget = v.pipe(v.string(), v.check(isMentionTarget, 'must be a WeCom user id or a mobile number'));
const list = <T extends v.GenericSchema>(item: T, max: number) => v.pipe(v.array(item), v.maxLength(max, `must hold at most ${max} items`));

const notificationRulesSchema = v.strictObject({
  categories: v.strictObject(R.categories.entries),
  min_severity: R.minSeverity,
  critical_mention: v.pipe(
    v.strictObject({ mode: CM.mode, targets: v.pipe(v.array(mentionTarget), v.maxLength(EVENT_LIMITS.mentions)) }),
    // The Notifications form's check: a list that mentions nobody would show as on.
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed || dataset.value.mode !== 'list' || dataset.value.targets.length > 0) return;
      const { targets } = dataset.value;
      addIssue({ message: 'must list at least one user id or mobile number when the mode is "list"', path: [{ type: 'object', origin: 'value', input: dataset.value, key: 'targets', value: targets }] });
    }),
  ),
  dedupe_window_minutes: R.dedupeWindowMinutes,
  language: D.language,
  format: D.format,
  rate_limit: D.rateLimit,
  digest_window_seconds: D.digestWindowSeconds,
  max_age_hours: D.maxAgeHours,
});

// An optional field left out reads as its default, the value the import sets: the plan then
// compares like with like and lists no change for a field already at its default.

/** `non_workdays`: quiet all day on China's weekends, holidays and the admin's days off (left out: false). */
const quietHoursSchema = v.pipe(
  v.strictObject({
    enabled: QH.enabled,
    start: QH.start,
    end: QH.end,
    // By its canonical name, as the console and report_jobs store a zone.
    time_zone: v.pipe(QH.timeZone, v.transform((tz) => canonicalTimeZone(tz)!)),
    non_workdays: v.optional(v.boolean(), false),
  }),
  // The Notifications form's check: quiet hours that are on and hold nothing would show as on.
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed || !dataset.value.enabled || dataset.value.start !== dataset.value.end) return;
    const { end } = dataset.value;
    addIssue({ message: 'must differ from start while quiet hours are on', path: [{ type: 'object', origin: 'value', input: dataset.value, key: 'end', value: end }] });
  }),
);

const messageTemplateSchema = v.strictObject({
  kind: v.picklist(TEMPLATE_KINDS),
  /** null: every category without a template of its own. */
  category: v.nullable(v.picklist(CATEGORIES)),
  lang: v.picklist(['zh', 'en']),
  body: v.string(),
});

const H = hookDefinitionSchema.entries;
const hookMappingSchema = v.strictObject({
  name: v.pipe(v.string(), v.regex(HOOK_MAPPING_NAME, 'must be 1-40 lower-case letters, digits, "-" or "_", starting with a letter or digit, and not "new"')),
  title: H.title,
  summary: H.summary,
  severity: H.severity,
  severity_map: H.severityMap,
  default_severity: H.defaultSeverity,
  category: H.category,
  default_category: H.defaultCategory,
  store: H.store,
  url: H.url,
  idempotency_key: H.idempotencyKey,
  fields: H.fields,
  drop_when: H.dropWhen,
});

const conditionSchema = v.variant('type', [
  v.strictObject({ type: v.literal('threshold'), op: v.picklist(THRESHOLD_OPS), value: bounded(-NUMBER_LIMIT) }),
  v.strictObject({
    type: v.literal('change'),
    baseline: v.picklist(CHANGE_BASELINES),
    direction: v.picklist(CHANGE_DIRECTIONS),
    by: v.picklist(CHANGE_UNITS),
    amount: bounded(0),
    /** For 1d / 7d: compare with the last comparable day (workday with workday), skipping holidays. Not
     * skipping is written by leaving it out: false reads as left out, so the two compare equal. */
    skip_holidays: v.optional(v.pipe(v.boolean(), v.transform((skip) => skip || undefined))),
  }),
  v.strictObject({ type: v.literal('no_data'), minutes: int(RANGES.noDataAmount.min, RANGES.noDataAmount.max) }),
]);
const holdSchema = v.variant('kind', [
  v.strictObject({ kind: v.literal('points'), count: int(RANGES.holdCount.min, RANGES.holdCount.max) }),
  v.strictObject({ kind: v.literal('duration'), minutes: int(RANGES.holdMinutes.min, RANGES.holdMinutes.max) }),
]);

const metricRuleSchema = v.pipe(
  v.strictObject({
    name: name(RULE_NAME_MAX),
    metric: name(EVENT_LIMITS.metricName),
    /** null: every store separately. */
    store: v.nullable(name(EVENT_LIMITS.store)),
    condition: conditionSchema,
    hold: holdSchema,
    severity: v.picklist(SEVERITIES),
    category: v.picklist(CATEGORIES),
    mention: v.union([v.picklist(['none', 'all']), v.pipe(v.array(mentionTarget), v.minLength(1), v.maxLength(EVENT_LIMITS.mentions))], 'must be "none", "all" or a list of WeCom user ids / mobile numbers'),
    title: v.pipe(
      name(EVENT_LIMITS.title),
      v.rawCheck(({ dataset, addIssue }) => {
        if (!dataset.typed) return;
        for (const p of titleProblems(dataset.value)) addIssue({ message: templateProblemText(p, 'value, previous, change, store, metric, unit') });
      }),
    ),
    reminder_hours: int(RANGES.reminderHours.min, RANGES.reminderHours.max),
    enabled: v.boolean(),
  }),
  // A no-data rule uses no hold: stored as its form writes it, so an export, its import and the form agree.
  v.transform((rule) => (rule.condition.type === 'no_data' ? { ...rule, hold: NO_DATA_HOLD } : rule)),
);

const reportJobSchema = v.pipe(
  v.strictObject({
    name: name(REPORT_NAME_MAX),
    type: v.picklist(REPORT_TYPES),
    cron: v.pipe(
      v.string(),
      v.transform(normaliseCron),
      v.check((s) => s.length <= 200 && parseSchedule(s, 'UTC').ok, 'is not a 5-field cron expression that fires (minute hour day-of-month month day-of-week)'),
    ),
    timezone: v.pipe(v.string(), v.check((tz) => canonicalTimeZone(tz) !== undefined, 'is not a known IANA time zone'), v.transform((tz) => canonicalTimeZone(tz)!)),
    /** Custom reports only: markdown with {{placeholders}}. */
    template: v.nullable(v.pipe(v.string(), v.transform((s) => s.replace(/\r\n?/g, '\n')))),
    enabled: v.boolean(),
    attach_chart: v.boolean(),
    /** Metric names to draw; empty for every metric of the period. */
    chart_metrics: v.pipe(v.array(name(EVENT_LIMITS.metricName)), v.check((names) => names.join('\n').length <= CHART_METRICS_MAX_CHARS, `must be at most ${CHART_METRICS_MAX_CHARS} characters together`)),
    /** Which days it runs: every day, China's workdays, or its weekends and holidays (left out: every_day). */
    calendar: v.optional(v.picklist(CALENDAR_CHOICES), 'every_day'),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const { type, template } = dataset.value;
    const path = [{ type: 'object', origin: 'value', input: dataset.value, key: 'template', value: template }] as const;
    if (type !== 'custom') {
      if (template !== null && template.trim() !== '') addIssue({ message: 'must be null unless the type is "custom"', path: [...path] });
      return;
    }
    if (template === null || template.trim() === '') addIssue({ message: 'a custom report needs a template', path: [...path] });
    else if (chars(template) > TEMPLATE_MAX_CHARS) addIssue({ message: `must be at most ${TEMPLATE_MAX_CHARS} characters`, path: [...path] });
    else for (const p of parseReportTemplate(template).problems) addIssue({ message: templateProblemText(p), path: [...path] });
  }),
);

const silenceSchema = v.strictObject({
  category: v.picklist(CATEGORIES),
  // A silence matches an event's title exactly, and muting from the send log copies it: the title
  // takes what intake takes (edge spaces and tabs included), or the export would not import again.
  title: v.pipe(
    v.string(),
    v.check((s) => s.trim() !== '', 'must not be empty'),
    v.check((s) => chars(s) <= EVENT_LIMITS.title, `must be at most ${EVENT_LIMITS.title} characters`),
  ),
  /** '' for alerts without a store. */
  store: v.pipe(v.string(), v.check((s) => chars(s) <= EVENT_LIMITS.store, `must be at most ${EVENT_LIMITS.store} characters`)),
  /** Exclusive: the silence ends at this instant. As the export writes it (UTC), so the same instant written with an offset plans no change. */
  until: v.pipe(
    v.string(),
    v.check((s) => parseIsoDateTime(s) !== undefined, 'must be an ISO 8601 date-time with a time zone, e.g. "2026-12-31T18:00:00+08:00"'),
    v.transform((s) => new Date(parseIsoDateTime(s)!).toISOString()),
  ),
});

export const configDocumentSchema = v.strictObject({
  format: v.literal(CONFIG_FORMAT, `must be "${CONFIG_FORMAT}"`),
  version: v.literal(CONFIG_VERSION, `this appliance reads version ${CONFIG_VERSION} documents`),
  exported_at: v.optional(v.string()),
  notification_rules: v.optional(notificationRulesSchema),
  quiet_hours: v.optional(quietHoursSchema),
  message_templates: v.optional(list(messageTemplateSchema, CONFIG_LIMITS.messageTemplates)),
  hook_mappings: v.optional(list(hookMappingSchema, CONFIG_LIMITS.hookMappings)),
  metric_rules: v.optional(list(metricRuleSchema, CONFIG_LIMITS.metricRules)),
  report_jobs: v.optional(list(reportJobSchema, CONFIG_LIMITS.reportJobs)),
  silences: v.optional(list(silenceSchema, CONFIG_LIMITS.silences)),
});

export type ConfigDocument = v.InferOutput<typeof configDocumentSchema>;
export type NotificationRulesDoc = v.InferOutput<typeof notificationRulesSchema>;
export type QuietHoursDoc = v.InferOutput<typeof quietHoursSchema>;
export type MessageTemplateDoc = v.InferOutput<typeof messageTemplateSchema>;
export type HookMappingDoc = v.InferOutput<typeof hookMappingSchema>;
export type MetricRuleDoc = v.InferOutput<typeof metricRuleSchema>;
export type ReportJobDoc = v.InferOutput<typeof reportJobSchema>;
export type SilenceDoc = v.InferOutput<typeof silenceSchema>;
/** The sections an import may carry; a section left out is left as it is. */
export const SECTIONS = ['notification_rules', 'quiet_hours', 'message_templates', 'hook_mappings', 'metric_rules', 'report_jobs', 'silences'] as const;
export type Section = (typeof SECTIONS)[number];

export interface ConfigIssue {
  /** Dotted document path: "hook_mappings.0.title", "(root)" for the document itself. */
  path: string;
  message: string;
}

function templateProblemText(p: TemplateProblem, names?: string): string {
  if (p.code === 'unclosed') return `"{{" without a closing "}}": ${p.snippet}`;
  if (p.code === 'metricArgs') return `${p.placeholder}: write {{metric "name"}} or {{metric "name" "store"}}`;
  return `unknown placeholder ${p.placeholder}${names ? ` (known: ${names})` : ''}`;
}

function messageTemplateProblemText(p: MessageTemplateProblem): string {
  if (p.code === 'empty') return 'must not be empty';
  if (p.code === 'tooLong') return `must be at most ${p.max} characters, not ${p.length}`;
  if (p.code === 'unclosed') return `"{{" without a closing "}}": ${p.snippet}`;
  return `unknown placeholder ${p.placeholder} for this kind of message`;
}

/** The console's check against its preview's sample (a resolution's differs in its badge only; the format, zone and time never make a template render to nothing). */
function rendersEmpty(kind: Exclude<TemplateKind, 'digest'>, lang: Lang, body: string): boolean {
  const sample: AlertEvent | TaskResultEvent =
    kind === 'task_result' ? (sampleEvent('task_result', lang) as TaskResultEvent) : kind === 'heartbeat' ? sampleHeartbeatAlert(lang, 'UTC', 0) : (sampleEvent('alert', lang) as AlertEvent);
  return rendersEmptyWhenBare(sample, kind, body, { lang, format: 'markdown', timeZone: 'UTC', receivedAt: 0 });
}

const HOOK_PROBLEMS: Record<Exclude<HookProblem['code'], 'syntax'>, string> = {
  titleRequired: 'a title template is required',
  badLine: 'write "name = value"',
  badSeverity: 'the severity must be info, warning or critical',
  badCondition: 'write "path == value", "path != value", "path exists" or "path missing"',
  tooManyLines: 'too many lines',
  badFieldName: 'field names are at most 64 characters and not __proto__, prototype or constructor',
};

function hookProblemText(p: HookProblem): string {
  const what = p.code === 'syntax' ? `${p.error.code === 'unclosed' ? '"{{" without a closing "}}"' : `bad placeholder or path (${p.error.code})`}${'at' in p.error ? ` at "${p.error.at}"` : ''}` : HOOK_PROBLEMS[p.code];
  return p.line === undefined ? what : `line ${p.line}: ${what}`;
}

export function hookDefinitionOf(doc: HookMappingDoc): HookDefinition {
  return Object.fromEntries(Object.entries(HOOK_FIELD_NAMES).map(([field, docName]) => [field, doc[docName]])) as HookDefinition;
}

export function hookDocOf(name: string, def: HookDefinition): HookMappingDoc {
  return { name, ...Object.fromEntries(Object.entries(HOOK_FIELD_NAMES).map(([field, docName]) => [docName, def[field as HookField]])) } as HookMappingDoc;
}

/** "metric_rules.2.condition.value", "(root)" for the document itself. */
function issuePath(issue: v.BaseIssue<unknown>): string {
  const keys = (issue.path ?? []).map((item) => String(item.key as string | number));
  return keys.length === 0 ? '(root)' : keys.map((k) => (k === '' ? '""' : k)).join('.');
}

function issueMessage(issue: v.BaseIssue<unknown>): string {
  if (issue.type === 'strict_object' && issue.expected === 'never') return `unknown field "${String(issue.input)}"`;
  if (issue.type === 'strict_object' && issue.input === undefined) return 'is required';
  if (issue.kind === 'schema' && (issue.type === 'picklist' || issue.type === 'variant')) return `must be one of ${issue.expected}, not ${issue.received}`;
  if (issue.kind === 'schema' && issue.message.startsWith('Invalid type')) return `must be ${issue.expected}, not ${issue.received}`;
  if (issue.kind === 'schema' && issue.message.startsWith('Invalid ')) return `must be one of ${issue.expected}, not ${issue.received}`;
  // valibot's own wording ("Invalid length: Expected <=1000 but received 1200") said as the rest is.
  if (issue.message.startsWith('Invalid ')) {
    const limit = String((issue as { requirement?: unknown }).requirement);
    switch (issue.type) {
      case 'max_length':
        return `must be at most ${limit} ${typeof issue.input === 'string' ? 'characters' : 'items'} long, not ${issue.received}`;
      case 'min_length':
        return `must be at least ${limit} ${typeof issue.input === 'string' ? 'characters' : 'items'} long`;
      case 'max_value':
        return `must be at most ${limit}, not ${issue.received}`;
      case 'min_value':
        return `must be at least ${limit}, not ${issue.received}`;
      case 'integer':
        return `must be a whole number, not ${issue.received}`;
      case 'finite':
        return 'must be a finite number';
      case 'regex':
        return `must match ${limit}`;
    }
  }
  return issue.message;
}

/** Names used twice in one list: the later one is refused with both places named. */
function duplicates<T>(items: readonly T[] | undefined, section: string, keyOf: (item: T) => string, what: string): ConfigIssue[] {
  const seen = new Map<string, number>();
  const out: ConfigIssue[] = [];
  (items ?? []).forEach((item, i) => {
    const key = keyOf(item);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else out.push({ path: `${section}.${i}`, message: `${what} is already in ${section}.${first}` });
  });
  return out;
}

export type ParsedConfig = { ok: true; document: ConfigDocument } | { ok: false; issues: ConfigIssue[] };

/** The document checked whole: shape, limits, each template, mapping, cron and time zone, silences' ends from `now`; every problem at once. */
export function parseConfigDocument(json: unknown, now: number): ParsedConfig {
  const parsed = v.safeParse(configDocumentSchema, json);
  if (!parsed.success) return { ok: false, issues: parsed.issues.map((issue) => ({ path: issuePath(issue), message: issueMessage(issue) })) };
  const doc = parsed.output;
  const issues: ConfigIssue[] = [];
  doc.message_templates?.forEach((t, i) => {
    const { problems } = parseMessageTemplate(t.kind, t.body);
    for (const p of problems) issues.push({ path: `message_templates.${i}.body`, message: messageTemplateProblemText(p) });
    if (!problems.length && t.kind !== 'digest' && rendersEmpty(t.kind, t.lang, t.body)) {
      issues.push({ path: `message_templates.${i}.body`, message: translator('en')('templates.error.rendersEmpty') });
    }
  });
  // The Mute form's bound: a silence is for a noisy alert, not a way to switch it off for good.
  doc.silences?.forEach((s, i) => {
    if (Date.parse(s.until) - now > MAX_SILENCE_MS) issues.push({ path: `silences.${i}.until`, message: 'must be at most a year ahead' });
  });
  doc.hook_mappings?.forEach((h, i) => {
    const compiled = compileHook(hookDefinitionOf(h));
    if (!compiled.ok) for (const p of compiled.problems) issues.push({ path: `hook_mappings.${i}.${HOOK_FIELD_NAMES[p.field]}`, message: hookProblemText(p) });
  });
  issues.push(
    ...duplicates(doc.message_templates, 'message_templates', (t) => `${t.kind}/${t.category ?? '*'}/${t.lang}`, 'a template for this kind, category and language'),
    ...duplicates(doc.hook_mappings, 'hook_mappings', (h) => h.name, 'a mapping with this name'),
  );
  return issues.length ? { ok: false, issues } : { ok: true, document: doc };
}

/** The condition as the document writes it (snake_case, as every other key). */
function conditionDoc(c: MetricRule['condition']): MetricRuleDoc['condition'] {
  if (c.type !== 'change') return c;
  const { skipHolidays, ...rest } = c;
  return skipHolidays ? { ...rest, skip_holidays: true } : rest;
}

function conditionOf(c: MetricRuleDoc['condition']): MetricRule['condition'] {
  if (c.type !== 'change') return c;
  const { skip_holidays, ...rest } = c;
  return skip_holidays ? { ...rest, skipHolidays: true } : rest;
}

/** A metric rule as the document writes it. */
export function metricRuleDoc(rule: Omit<MetricRule, 'id' | 'createdAt'>): MetricRuleDoc {
  return {
    name: rule.name,
    metric: rule.metric,
    store: rule.store,
    condition: conditionDoc(rule.condition),
    hold: rule.hold,
    severity: rule.severity,
    category: rule.category,
    mention: rule.mention,
    title: rule.title,
    reminder_hours: rule.reminderHours,
    enabled: rule.enabled,
  };
}

export function metricRuleOf(doc: MetricRuleDoc): Omit<MetricRule, 'id' | 'createdAt'> {
  return {
    name: doc.name,
    metric: doc.metric,
    store: doc.store,
    condition: conditionOf(doc.condition),
    hold: doc.hold,
    severity: doc.severity,
    category: doc.category,
    mention: doc.mention,
    title: doc.title,
    reminderHours: doc.reminder_hours,
    enabled: doc.enabled,
  };
}
