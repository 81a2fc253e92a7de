// The rule editor's form: every field read through valibot, only the chosen condition's fields
// required, errors as i18n keys with their parameters (the route translates them).
import * as v from 'valibot';
import type { MessageKey, Params } from '../strings/translate.ts';
import { CATEGORIES, EVENT_LIMITS, hasControlCharacter, isMentionTarget, SEVERITIES } from '../events/schema.ts';
import { TITLE_PLACEHOLDERS, titleProblems } from './alerts.ts';
import { CHANGE_BASELINES, CHANGE_DIRECTIONS, CHANGE_UNITS, DEFAULT_REMINDER_HOURS, THRESHOLD_OPS, type Condition, type Hold, type MetricRule } from './definition.ts';

export const RULE_FORM_FIELDS = [
  'name',
  'metric',
  'store',
  'conditionType',
  'thresholdOp',
  'thresholdValue',
  'changeDirection',
  'changeAmount',
  'changeBy',
  'changeBaseline',
  'changeSkipHolidays',
  'noDataAmount',
  'noDataUnit',
  'holdKind',
  'holdCount',
  'holdMinutes',
  'severity',
  'category',
  'mentionMode',
  'mentionTargets',
  'title',
  'reminderHours',
  'enabled',
  'backtestDays',
] as const;
export type RuleFormField = (typeof RULE_FORM_FIELDS)[number];
export type RuleFormValues = Record<RuleFormField, string>;
export type RuleFormErrors = Partial<Record<RuleFormField, { key: MessageKey; params?: Params }>>;
export type RuleDraft = Omit<MetricRule, 'id' | 'createdAt'>;

export const RANGES = {
  holdCount: { min: 1, max: 100 },
  holdMinutes: { min: 0, max: 10_080 },
  noDataAmount: { min: 1, max: 10_080 },
  reminderHours: { min: 0, max: 168 },
  backtestDays: { min: 1, max: 30 },
} as const;
const NUMBER_LIMIT = 1e12;

export const BACKTEST_DAYS_DEFAULT = 7;
const TITLE_LIST = TITLE_PLACEHOLDERS.map((p) => `{{${p}}}`).join(' ');

export function emptyRuleForm(): RuleFormValues {
  return {
    name: '',
    metric: '',
    store: '',
    conditionType: 'threshold',
    thresholdOp: 'above',
    thresholdValue: '',
    changeDirection: 'down',
    changeAmount: '',
    changeBy: 'percent',
    changeBaseline: 'previous',
    changeSkipHolidays: '',
    noDataAmount: '2',
    noDataUnit: 'hours',
    holdKind: 'points',
    holdCount: '1',
    holdMinutes: '15',
    severity: 'warning',
    category: 'other',
    mentionMode: 'none',
    mentionTargets: '',
    title: '{{metric}} {{value}}{{unit}} ({{store}})',
    reminderHours: String(DEFAULT_REMINDER_HOURS),
    enabled: 'on',
    backtestDays: String(BACKTEST_DAYS_DEFAULT),
  };
}

export function formFromRule(rule: MetricRule): RuleFormValues {
  const f = { ...emptyRuleForm(), name: rule.name, metric: rule.metric, store: rule.store ?? '', severity: rule.severity, category: rule.category, title: rule.title };
  const c = rule.condition;
  f.conditionType = c.type;
  if (c.type === 'threshold') Object.assign(f, { thresholdOp: c.op, thresholdValue: String(c.value) });
  if (c.type === 'change') Object.assign(f, { changeDirection: c.direction, changeAmount: String(c.amount), changeBy: c.by, changeBaseline: c.baseline, changeSkipHolidays: c.skipHolidays ? 'on' : '' });
  if (c.type === 'no_data') {
    const hours = c.minutes % 60 === 0;
    Object.assign(f, { noDataAmount: String(hours ? c.minutes / 60 : c.minutes), noDataUnit: hours ? 'hours' : 'minutes' });
  }
  f.holdKind = rule.hold.kind;
  if (rule.hold.kind === 'points') f.holdCount = String(rule.hold.count);
  else f.holdMinutes = String(rule.hold.minutes);
  f.mentionMode = rule.mention === 'none' || rule.mention === 'all' ? rule.mention : 'list';
  f.mentionTargets = Array.isArray(rule.mention) ? rule.mention.join('\n') : '';
  f.reminderHours = String(rule.reminderHours);
  f.enabled = rule.enabled ? 'on' : '';
  return f;
}

export function formFromBody(body: Record<string, unknown>): RuleFormValues {
  const f = {} as RuleFormValues;
  for (const k of RULE_FORM_FIELDS) f[k] = typeof body[k] === 'string' ? (body[k] as string) : '';
  return f;
}

// A tab pasted from a spreadsheet would be saved, then refused by the configuration import.
const text = (max: number, required: boolean) =>
  v.pipe(
    v.string(),
    v.trim(),
    v.check((s) => !required || s !== '', 'form.error.required'),
    v.check((s) => !hasControlCharacter(s), 'form.error.controlCharacter'),
    v.maxLength(max, 'form.error.invalid'),
  );
const choice = <T extends readonly [string, ...string[]]>(values: T) => v.picklist(values, 'form.error.choice');
const integer = ({ min, max }: { min: number; max: number }) =>
  v.pipe(v.string(), v.trim(), v.nonEmpty('form.error.required'), v.regex(/^\d{1,7}$/, 'form.error.integerRange'), v.toNumber(), v.minValue(min, 'form.error.integerRange'), v.maxValue(max, 'form.error.integerRange'));
// Any number as people and JSON write it (0.0000005, 1e-7, .5, +5): a rule imported or made through
// the API with such a threshold must be savable from its own edit form.
const decimal = (min: number) =>
  v.pipe(
    v.string(),
    v.trim(),
    v.nonEmpty('form.error.required'),
    v.maxLength(32, 'form.error.numberRange'),
    v.regex(/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/, 'form.error.numberRange'),
    v.toNumber(),
    v.minValue(min, 'form.error.numberRange'),
    v.maxValue(NUMBER_LIMIT, 'form.error.numberRange'),
  );

const FIELD_SCHEMAS = {
  name: text(100, true),
  metric: text(EVENT_LIMITS.metricName, true),
  store: text(EVENT_LIMITS.store, false),
  conditionType: choice(['threshold', 'change', 'no_data']),
  thresholdOp: choice(THRESHOLD_OPS),
  thresholdValue: decimal(-NUMBER_LIMIT),
  changeDirection: choice(CHANGE_DIRECTIONS),
  changeAmount: decimal(0),
  changeBy: choice(CHANGE_UNITS),
  changeBaseline: choice(CHANGE_BASELINES),
  noDataAmount: integer(RANGES.noDataAmount),
  noDataUnit: choice(['minutes', 'hours']),
  holdKind: choice(['points', 'duration']),
  holdCount: integer(RANGES.holdCount),
  holdMinutes: integer(RANGES.holdMinutes),
  severity: choice(SEVERITIES),
  category: choice(CATEGORIES),
  mentionMode: choice(['none', 'all', 'list']),
  mentionTargets: v.pipe(
    v.string(),
    v.transform((s) => [...new Set(s.split(/[\s,，;；、]+/).filter((x) => x !== ''))]),
    v.check((list) => list.every(isMentionTarget), 'form.error.mentionTarget'),
    v.maxLength(EVENT_LIMITS.mentions, 'form.error.mentionTooMany'),
  ),
  title: text(EVENT_LIMITS.title, true),
  reminderHours: integer(RANGES.reminderHours),
  backtestDays: integer(RANGES.backtestDays),
} satisfies Partial<Record<RuleFormField, v.GenericSchema<string, unknown>>>;

type Parsed = { [K in keyof typeof FIELD_SCHEMAS]: v.InferOutput<(typeof FIELD_SCHEMAS)[K]> };

export type ParsedRuleForm = { ok: true; rule: RuleDraft; backtestDays: number } | { ok: false; errors: RuleFormErrors };

export function parseRuleForm(f: RuleFormValues): ParsedRuleForm {
  const type = f.conditionType;
  const needed: Array<keyof typeof FIELD_SCHEMAS> = ['name', 'metric', 'store', 'conditionType', 'severity', 'category', 'mentionMode', 'title', 'reminderHours', 'backtestDays'];
  if (type === 'threshold') needed.push('thresholdOp', 'thresholdValue');
  if (type === 'change') needed.push('changeDirection', 'changeAmount', 'changeBy', 'changeBaseline');
  if (type === 'no_data') needed.push('noDataAmount', 'noDataUnit');
  else {
    needed.push('holdKind');
    needed.push(f.holdKind === 'duration' ? 'holdMinutes' : 'holdCount');
  }
  if (f.mentionMode === 'list') needed.push('mentionTargets');
  const errors: RuleFormErrors = {};
  const out: Partial<Parsed> = {};
  for (const field of needed) {
    const r = v.safeParse(FIELD_SCHEMAS[field] as v.GenericSchema<string, unknown>, f[field]);
    if (r.success) (out as Record<string, unknown>)[field] = r.output;
    else errors[field] = { key: r.issues[0].message as MessageKey, params: paramsFor(field, r.issues[0].message, f) };
  }
  if (out.mentionTargets && out.mentionTargets.length === 0 && f.mentionMode === 'list') errors.mentionTargets = { key: 'form.error.mentionEmpty' };
  if (out.title !== undefined) {
    const problem = titleProblems(out.title)[0];
    if (problem?.code === 'unclosed') errors.title = { key: 'mr.error.titleUnclosed', params: { snippet: problem.snippet } };
    else if (problem) errors.title = { key: 'mr.error.titlePlaceholder', params: { placeholder: problem.placeholder, list: TITLE_LIST } };
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  const p = out as Parsed;
  const condition: Condition =
    p.conditionType === 'threshold'
      ? { type: 'threshold', op: p.thresholdOp, value: p.thresholdValue }
      : p.conditionType === 'change'
        ? { type: 'change', baseline: p.changeBaseline, direction: p.changeDirection, by: p.changeBy, amount: p.changeAmount, ...(p.changeBaseline !== 'previous' && f.changeSkipHolidays !== '' ? { skipHolidays: true } : {}) }
        : { type: 'no_data', minutes: p.noDataAmount * (p.noDataUnit === 'hours' ? 60 : 1) };
  const hold: Hold = p.conditionType === 'no_data' || p.holdKind === 'points' ? { kind: 'points', count: p.holdCount ?? 1 } : { kind: 'duration', minutes: p.holdMinutes };
  return {
    ok: true,
    backtestDays: p.backtestDays,
    rule: {
      name: p.name,
      metric: p.metric,
      store: p.store === '' ? null : p.store,
      condition,
      hold,
      severity: p.severity,
      category: p.category,
      mention: p.mentionMode === 'list' ? p.mentionTargets : p.mentionMode === 'all' ? 'all' : 'none',
      title: p.title,
      reminderHours: p.reminderHours,
      enabled: f.enabled !== '',
    },
  };
}

function paramsFor(field: RuleFormField, key: string, f: RuleFormValues): Params {
  if (field in RANGES) return { ...RANGES[field as keyof typeof RANGES] };
  if (key === 'form.error.numberRange') return { min: field === 'changeAmount' ? 0 : -NUMBER_LIMIT, max: NUMBER_LIMIT };
  if (key === 'form.error.mentionTarget') return { target: f.mentionTargets.split(/[\s,，;；、]+/).find((t) => t !== '' && !isMentionTarget(t)) ?? '' };
  if (key === 'form.error.mentionTooMany') return { max: EVENT_LIMITS.mentions, count: f.mentionTargets.split(/[\s,，;；、]+/).filter(Boolean).length };
  return {};
}
