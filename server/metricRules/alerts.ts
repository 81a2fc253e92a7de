// What a rule's firing, reminder and resolution say: plain alert events, built here and raised by
// the caller through the inbound intake, so the notification rules, dedupe, digests and quiet hours
// apply to them exactly as to any alert StoreClaw sends.
import type { AlertEvent } from '../events/schema.ts';
import { EVENT_LIMITS } from '../events/schema.ts';
import { fillTemplate, parseTemplate, type TemplateProblem } from '../reports/reportTemplate.ts';
import { formatDateTime } from '../time/format.ts';
import { translator, type Lang } from '../strings/translate.ts';
import type { MetricRule } from './definition.ts';
import { describeCondition, formatChange, formatDuration, formatValue } from './describe.ts';
import type { RuleAction, RuleState } from './evaluate.ts';

export const TITLE_PLACEHOLDERS = ['value', 'previous', 'change', 'store', 'metric', 'unit'] as const;
const TITLE_NAMES: ReadonlySet<string> = new Set(TITLE_PLACEHOLDERS);

export function titleProblems(template: string): TemplateProblem[] {
  return parseTemplate(template, TITLE_NAMES).problems;
}

export interface ActionContext {
  /** The point's store ('' when it had none). */
  store: string;
  unit: string;
  lang: Lang;
  timeZone: string;
}

function cut(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, max - 1).join('') + '…';
}

/** The rule's title with this action's figures: unknown placeholders stay visible, as in reports. */
export function renderTitle(rule: Pick<MetricRule, 'title' | 'metric' | 'condition'>, action: Pick<RuleAction, 'value' | 'previous' | 'change'>, ctx: Pick<ActionContext, 'store' | 'unit'>): string {
  const percent = rule.condition.type === 'change' && rule.condition.by === 'percent';
  const values: Record<string, string> = {
    value: action.value === null ? '—' : formatValue(action.value),
    previous: action.previous === null ? '—' : formatValue(action.previous),
    change: action.change === null ? '—' : formatChange(action.change, percent),
    store: ctx.store,
    metric: rule.metric,
    unit: ctx.unit,
  };
  const filled = fillTemplate(parseTemplate(rule.title, TITLE_NAMES).segments, (p) => (p.kind === 'path' ? (values[p.path] ?? p.raw) : p.raw));
  return cut(filled.trim() === '' ? rule.metric : filled, EVENT_LIMITS.title);
}

/**
 * A resolution's title says what holds now, the value that ended the firing, not the firing's
 * figures (its summary names the firing it ends): "[Resolved] Refund rate · 旗舰店: 退款率 now 2%".
 */
function resolvedTitle(rule: MetricRule, action: RuleAction, ctx: ActionContext): string {
  const t = translator(ctx.lang);
  const store = ctx.store === '' ? '' : t('mr.msg.title.storeSep') + ctx.store;
  if (action.value === null) return t('mr.msg.title.resolvedNoValue', { name: rule.name, store });
  return t('mr.msg.title.resolved', { name: rule.name, store, metric: rule.metric, value: `${formatValue(action.value)}${ctx.unit}` });
}

/** The alert event for one action of the rule; `state` is the store's state before the action. */
export function alertForAction(rule: MetricRule, action: RuleAction, state: RuleState, ctx: ActionContext): AlertEvent {
  const { lang } = ctx;
  const t = translator(lang);
  const percent = rule.condition.type === 'change' && rule.condition.by === 'percent';
  const firingTitle = action.type === 'firing' ? renderTitle(rule, action, ctx) : (state.firingTitle ?? renderTitle(rule, action, ctx));
  const since = formatDateTime(action.firingSince, lang, ctx.timeZone);
  const duration = formatDuration(action.at - action.firingSince, lang);
  const title =
    action.type === 'firing' ? firingTitle : action.type === 'reminder' ? t('mr.msg.title.reminder', { title: firingTitle, duration }) : resolvedTitle(rule, action, ctx);
  const lines = [t('mr.msg.summary.rule', { name: rule.name, condition: describeCondition(rule, lang, ctx.unit) })];
  if (action.type === 'resolved') lines.push(t('mr.msg.summary.resolved', { title: firingTitle, since, event: state.firingEventId ?? '—', duration }));
  else if (rule.condition.type === 'no_data') {
    const last = state.lastAt ?? state.watchingSince;
    lines.push(t('mr.msg.summary.noData', { since: formatDateTime(last, lang, ctx.timeZone) }));
  } else lines.push(t('mr.msg.summary.firing', { since }));
  const fields: Record<string, string> = {};
  if (action.value !== null) fields[t('mr.msg.field.value')] = `${formatValue(action.value)}${ctx.unit}`;
  if (action.previous !== null) fields[t('mr.msg.field.previous')] = `${formatValue(action.previous)}${ctx.unit}`;
  if (action.change !== null) fields[t('mr.msg.field.change')] = formatChange(action.change, percent) + (percent ? '' : ctx.unit);
  return {
    kind: 'alert',
    category: rule.category,
    severity: rule.severity,
    title: cut(title, EVENT_LIMITS.title),
    summary: cut(lines.join('\n'), EVENT_LIMITS.summary),
    fields,
    mention: action.type === 'firing' ? rule.mention : 'none',
    ...(action.type === 'resolved' ? { resolved: true as const } : {}),
    occurred_at: new Date(action.at).toISOString(),
    ...(ctx.store !== '' ? { store: ctx.store } : {}),
    episode: `metric_rule:${rule.id}:${action.firingSince}`,
  };
}
