// Report messages from report figures. Pure: the same figures, settings and time always give the
// same messages, which is what the console's Preview relies on ("exactly what would be sent").
import type { ReportType } from '../../db/schema.ts';
import { translator, type Lang, type Translate } from '../strings/translate.ts';
import { CATEGORIES, SEVERITIES, type Category, type Severity } from '../events/schema.ts';
import type { MessageFormat } from '../render/mentionPlacement.ts';
import { BYTE_LIMITS, markdownMessage, markdownV2Message, splitUtf8, textMessage, utf8Bytes, type WecomMessage } from '../wecom/messages.ts';
import { localDateTime } from '../time/calendar.ts';
import type { ReportPeriods } from '../time/periods.ts';
import { describePeriod } from './periodWording.ts';
import { fillTemplate, parseTemplate, type Placeholder, type TemplateProblem } from './reportTemplate.ts';
import { metricRulesSection, type RuleFigures } from '../metricRules/reportSection.ts';
import { heartbeatsSection, type HeartbeatFigures } from '../heartbeats/reportSection.ts';

export interface AlertFigures {
  total: number;
  bySeverity: Record<Severity, number>;
  byCategory: Partial<Record<Category, Record<Severity, number>>>;
}

export interface TaskFailure {
  taskName: string;
  status: 'failed' | 'partial';
  count: number;
  lastAt: number;
}

export interface TaskFigures {
  total: number;
  succeeded: number;
  failed: number;
  partial: number;
  /** Failed and partial runs grouped by task name and status, the most recent first. */
  failures: TaskFailure[];
}

export interface MetricFigure {
  name: string;
  store: string | null;
  unit: string | null;
  value: number;
  /** When the value was measured (occurred_at, else received). */
  at: number;
  /** The latest value of the previous period, when there was one. */
  previous: number | null;
}

export interface DeliveryFigures {
  sent: number;
  digested: number;
  suppressed: number;
  /** Of the suppressed: muted from the send log. */
  silenced: number;
  dead: number;
  pending: number;
}

export interface ReportFigures {
  alerts: AlertFigures;
  tasks: TaskFigures;
  metrics: MetricFigure[];
  delivery: DeliveryFigures;
  /** Metric rules firing now and the period's anomalies (summaries only). */
  rules?: RuleFigures;
  /** Heartbeat checks: ran, failed, missed in the period (summaries only, when there are checks). */
  heartbeats?: HeartbeatFigures;
}

export interface ReportSpec {
  type: ReportType;
  name: string;
  template?: string | null;
  timeZone: string;
  lang: Lang;
  format: MessageFormat;
  periods: ReportPeriods;
  /** The run's reference time (its fire time, or now for Run now and Preview). */
  ref: number;
}

export interface BuiltReport {
  /** For the send log: "Daily summary · 2025-03-13". */
  title: string;
  /** The whole report before splitting. */
  content: string;
  /** What is sent: one part, or numbered parts each within WeCom's byte limit. */
  parts: string[];
  messages: WecomMessage[];
  limit: number;
  /** Custom templates: placeholders that were left as typed. */
  problems: TemplateProblem[];
  /** The stretch of time it covers. */
  periods: ReportPeriods;
}

export const MAX_FAILURES_LISTED = 20;
export const MAX_METRICS_LISTED = 100;

export function emptyFigures(): ReportFigures {
  const zero = () => ({ critical: 0, warning: 0, info: 0 });
  return {
    alerts: { total: 0, bySeverity: zero(), byCategory: {} },
    tasks: { total: 0, succeeded: 0, failed: 0, partial: 0, failures: [] },
    metrics: [],
    delivery: { sent: 0, digested: 0, suppressed: 0, silenced: 0, dead: 0, pending: 0 },
  };
}

/** Text from StoreClaw on one line, with `<@…>` and `<font>` made inert (a full-width ＜ looks the same). */
function safe(s: string): string {
  return s.replace(/\s+/g, ' ').trim().replace(/<(?=\s*(?:@|\/?\s*font\b))/gi, '＜');
}

interface Style {
  format: MessageFormat;
  lang: Lang;
  t: Translate;
  num: Intl.NumberFormat;
  pct: Intl.NumberFormat;
}

function style(lang: Lang, format: MessageFormat): Style {
  const locale = lang === 'zh' ? 'zh-CN' : 'en-US';
  return {
    format,
    lang,
    t: translator(lang),
    num: new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }),
    pct: new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }),
  };
}

function strong(s: Style, text: string): string {
  return s.format === 'text' ? text : `**${text}**`;
}

function bullet(s: Style): string {
  return s.format === 'text' ? '• ' : '- ';
}

/** WeCom markdown colours: warning is orange-red, info green, comment grey. Other formats show plain text. */
function colour(s: Style, tone: 'warning' | 'info' | 'comment', text: string): string {
  return s.format === 'markdown' ? `<font color="${tone}">${text}</font>` : text;
}

const SEVERITY_TONE: Record<Severity, 'warning' | 'comment'> = { critical: 'warning', warning: 'warning', info: 'comment' };
const ORDERED_SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];
const FAILURE_EMOJI = { failed: '❌', partial: '🟡' } as const;

function colon(s: Style): string {
  return s.lang === 'zh' ? '：' : ': ';
}

function severityCounts(s: Style, counts: Record<Severity, number>, all: boolean): string {
  return ORDERED_SEVERITIES.filter((sev) => all || counts[sev] > 0)
    .map((sev) => {
      const text = s.t('report.count', { label: s.t(`severity.${sev}`), count: s.num.format(counts[sev]) });
      return counts[sev] > 0 && sev !== 'info' ? colour(s, SEVERITY_TONE[sev], text) : text;
    })
    .join(' · ');
}

export function alertsSection(s: Style, a: AlertFigures): string {
  const head = `${strong(s, s.t('report.alerts', { count: s.num.format(a.total) }))} · ${severityCounts(s, a.bySeverity, true)}`;
  if (a.total === 0) return `${strong(s, s.t('report.alerts', { count: 0 }))}\n${s.t('report.alerts.none')}`;
  const lines = CATEGORIES.filter((c) => a.byCategory[c]).map(
    (c) => bullet(s) + s.t('report.categoryLine', { category: s.t(`category.${c}`), counts: severityCounts(s, a.byCategory[c]!, false) }),
  );
  return [head, ...lines].join('\n');
}

function failureLines(s: Style, tasks: TaskFigures): string[] {
  const shown = tasks.failures.slice(0, MAX_FAILURES_LISTED).map(
    (f) =>
      `${bullet(s)}${FAILURE_EMOJI[f.status]} ${s.t('report.tasks.failure', { task: safe(f.taskName), status: s.t(`taskStatus.${f.status}`), count: s.num.format(f.count) })}`,
  );
  const more = tasks.failures.length - shown.length;
  return more > 0 ? [...shown, s.t('report.tasks.more', { count: s.num.format(more) })] : shown;
}

export function tasksSection(s: Style, tasks: TaskFigures): string {
  if (tasks.total === 0) return `${strong(s, s.t('report.tasks', { count: 0 }))}\n${s.t('report.tasks.none')}`;
  const counts = [
    s.t('report.count', { label: s.t('taskStatus.succeeded'), count: s.num.format(tasks.succeeded) }),
    tasks.failed > 0 ? colour(s, 'warning', s.t('report.count', { label: s.t('taskStatus.failed'), count: s.num.format(tasks.failed) })) : s.t('report.count', { label: s.t('taskStatus.failed'), count: 0 }),
    tasks.partial > 0 ? colour(s, 'warning', s.t('report.count', { label: s.t('taskStatus.partial'), count: s.num.format(tasks.partial) })) : s.t('report.count', { label: s.t('taskStatus.partial'), count: 0 }),
  ];
  const head = `${strong(s, s.t('report.tasks', { count: s.num.format(tasks.total) }))} · ${counts.join(' · ')}`;
  if (!tasks.failures.length) return head;
  return [head, s.t('report.tasks.failures'), ...failureLines(s, tasks)].join('\n');
}

function withUnit(s: Style, value: number, unit: string | null): string {
  const n = s.num.format(value);
  const u = safe(unit ?? '');
  if (u === '') return n;
  return u === '%' ? `${n}%` : `${n} ${u}`;
}

function signed(s: Style, n: number, fmt: Intl.NumberFormat): string {
  return `${n > 0 ? '+' : n < 0 ? '-' : ''}${fmt.format(Math.abs(n))}`;
}

/** Whether `n` reads as zero in `fmt` (rounded to its fraction digits): a sign before it would say "-0". */
function showsZero(n: number, fmt: Intl.NumberFormat): boolean {
  return Number(Math.abs(n).toFixed(fmt.resolvedOptions().maximumFractionDigits ?? 0)) === 0;
}

/**
 * "+1,230, +2.6%" · "new" · "unchanged"; no percentage against a previous value of zero, nor one
 * that would read "+0%"; "unchanged" when the difference reads as zero.
 */
export function changeText(s: Style, m: Pick<MetricFigure, 'value' | 'previous' | 'unit'>): string {
  if (m.previous === null) return s.t('report.metric.new');
  const diff = m.value - m.previous;
  if (showsZero(diff, s.num)) return s.t('report.metric.same');
  const d = signed(s, diff, s.num);
  const pct = m.previous === 0 ? 0 : (diff / Math.abs(m.previous)) * 100;
  if (showsZero(pct, s.pct)) return d;
  return s.t('report.metric.change', { diff: d, pct: `${signed(s, pct, s.pct)}%` });
}

function metricLabel(m: Pick<MetricFigure, 'name' | 'store'>): string {
  return m.store ? `${safe(m.name)} · ${safe(m.store)}` : safe(m.name);
}

function metricLine(s: Style, m: MetricFigure, spec: Pick<ReportSpec, 'type' | 'timeZone'>): string {
  const paren = s.lang === 'zh' ? ['（', '）'] : [' (', ')'];
  const at = spec.type === 'metrics_snapshot' ? ` · ${localDateTime(m.at, spec.timeZone)}` : '';
  return `${bullet(s)}${metricLabel(m)}${colon(s)}${withUnit(s, m.value, m.unit)}${paren[0]}${changeText(s, m)}${paren[1]}${at}`;
}

export function metricsSection(s: Style, metrics: MetricFigure[], spec: Pick<ReportSpec, 'type' | 'timeZone' | 'periods'>): string {
  // The period the figures were compared with, not the job's usual one: Run now "so far today" on a
  // weekly job compares with yesterday.
  const head = `${strong(s, s.t('report.metrics'))}${s.lang === 'zh' ? '' : ' '}${s.t(`report.metrics.vs.${spec.periods.span}`)}`;
  if (!metrics.length) return `${head}\n${s.t(spec.type === 'metrics_snapshot' ? 'report.metrics.none.snapshot' : 'report.metrics.none')}`;
  const lines = metrics.slice(0, MAX_METRICS_LISTED).map((m) => metricLine(s, m, spec));
  const more = metrics.length - lines.length;
  if (more > 0) lines.push(s.t('report.metrics.more', { count: s.num.format(more) }));
  return [head, ...lines].join('\n');
}

export function deliverySection(s: Style, d: DeliveryFigures): string {
  const parts = [
    s.t('report.delivery.sent', { count: s.num.format(d.sent) }),
    s.t('report.delivery.digested', { count: s.num.format(d.digested) }),
    d.silenced > 0
      ? `${s.t('report.delivery.suppressed', { count: s.num.format(d.suppressed) })} (${s.t('report.delivery.silenced', { count: s.num.format(d.silenced) })})`
      : s.t('report.delivery.suppressed', { count: s.num.format(d.suppressed) }),
    d.dead > 0 ? colour(s, 'warning', s.t('report.delivery.dead', { count: s.num.format(d.dead) })) : s.t('report.delivery.dead', { count: 0 }),
  ];
  if (d.pending > 0) parts.push(s.t('report.delivery.pending', { count: s.num.format(d.pending) }));
  return `${strong(s, s.t('report.delivery'))}${colon(s)}${parts.join(' · ')}`;
}

function heading(s: Style, name: string): string {
  const line = `📊 ${safe(name)}`;
  return s.format === 'text' ? line : `### ${line}`;
}

function periodLine(s: Style, spec: ReportSpec): string {
  if (spec.type === 'metrics_snapshot') return s.t('report.asOf', { label: spec.periods.label, timeZone: spec.timeZone });
  return s.t('report.period', { period: describePeriod(spec.lang, spec.periods, spec.timeZone) });
}

/** Looks a metric up by name (exact, else ignoring case) and store; without a store, the only one there is. */
export function findMetric(metrics: MetricFigure[], name: string, store: string | null): MetricFigure | undefined {
  const byName = (exact: boolean) => metrics.filter((m) => (exact ? m.name === name : m.name.toLowerCase() === name.toLowerCase()));
  const named = byName(true).length ? byName(true) : byName(false);
  if (store !== null) return named.find((m) => m.store === store) ?? named.find((m) => (m.store ?? '').toLowerCase() === store.toLowerCase());
  return named.find((m) => m.store === null) ?? (named.length === 1 ? named[0] : undefined);
}

function resolvePlaceholder(s: Style, spec: ReportSpec, f: ReportFigures, p: Placeholder): string {
  if (p.kind === 'metric') {
    const m = findMetric(f.metrics, p.name, p.store);
    if (!m) return s.t('report.metric.missing');
    if (p.field === 'change') return changeText(s, m);
    if (p.field === 'previous') return m.previous === null ? s.t('report.metric.missing') : withUnit(s, m.previous, m.unit);
    return withUnit(s, m.value, m.unit);
  }
  const [head, a, b] = p.path.split('.') as [string, string | undefined, string | undefined];
  const n = (x: number) => s.num.format(x);
  switch (head) {
    case 'job':
      return safe(spec.name);
    case 'now':
      return localDateTime(spec.ref, spec.timeZone);
    case 'period':
      if (a === 'start') return localDateTime(spec.periods.current.start, spec.timeZone);
      if (a === 'end') return localDateTime(spec.periods.current.end, spec.timeZone);
      if (a === 'timezone') return spec.timeZone;
      return spec.periods.label;
    case 'alerts': {
      if (a === 'total') return n(f.alerts.total);
      if ((SEVERITIES as readonly string[]).includes(a ?? '')) return n(f.alerts.bySeverity[a as Severity]);
      const counts = f.alerts.byCategory[a as Category];
      if (b) return n(counts?.[b as Severity] ?? 0);
      return n(counts ? counts.critical + counts.warning + counts.info : 0);
    }
    case 'tasks':
      if (a === 'failures') return f.tasks.failures.length ? failureLines(s, f.tasks).join('\n') : s.t('report.tasks.noFailures');
      return n(f.tasks[a as 'total' | 'succeeded' | 'failed' | 'partial']);
    case 'delivery':
      return n(f.delivery[a as keyof DeliveryFigures]);
    case 'section':
      if (a === 'alerts') return alertsSection(s, f.alerts);
      if (a === 'tasks') return tasksSection(s, f.tasks);
      if (a === 'metrics') return metricsSection(s, f.metrics, spec);
      return deliverySection(s, f.delivery);
    default:
      return p.raw;
  }
}

function composeContent(s: Style, spec: ReportSpec, f: ReportFigures): { content: string; problems: TemplateProblem[] } {
  if (spec.type === 'custom') {
    const { segments, problems } = parseTemplate(spec.template ?? '');
    const filled = fillTemplate(segments, (p) => resolvePlaceholder(s, spec, f, p)).replace(/\r\n?/g, '\n').trim();
    return { content: filled === '' ? heading(s, spec.name) : filled, problems };
  }
  const head = `${heading(s, spec.name)}\n${periodLine(s, spec)}`;
  if (spec.type === 'metrics_snapshot') return { content: [head, metricsSection(s, f.metrics, spec)].join('\n\n'), problems: [] };
  const rules = f.rules ? [metricRulesSection(f.rules, { lang: s.lang, timeZone: spec.timeZone, strong: (text) => strong(s, text), bullet: bullet(s), safe, count: (n) => s.num.format(n) })] : [];
  const heartbeats = f.heartbeats ? [heartbeatsSection(f.heartbeats, { lang: s.lang, strong: (text) => strong(s, text), bullet: bullet(s), safe })] : [];
  return {
    content: [head, alertsSection(s, f.alerts), tasksSection(s, f.tasks), ...heartbeats, metricsSection(s, f.metrics, spec), ...rules, deliverySection(s, f.delivery)].join('\n\n'),
    problems: [],
  };
}

/**
 * Numbered parts "(1/3) title" of at most `limit` bytes each, split at line breaks where possible;
 * nothing is cut. The header's size depends on the digits of the count, so the split is redone
 * until the count's width is stable.
 */
export function splitIntoParts(content: string, limit: number, header: (i: number, n: number) => string): string[] {
  if (utf8Bytes(content) <= limit) return [content];
  let n = 2;
  for (;;) {
    const chunks = splitUtf8(content, limit - utf8Bytes(header(n, n))).map((c) => c.replace(/^\n+/, '')).filter((c) => c.trim() !== '');
    if (String(chunks.length).length <= String(n).length) return chunks.map((chunk, i) => header(i + 1, chunks.length) + chunk.replace(/\n+$/, ''));
    n = chunks.length;
  }
}

function build(format: MessageFormat, content: string): WecomMessage {
  if (format === 'markdown') return markdownMessage(content);
  if (format === 'markdown_v2') return markdownV2Message(content);
  return textMessage(content);
}

export function buildReport(spec: ReportSpec, figures: ReportFigures): BuiltReport {
  const s = style(spec.lang, spec.format);
  const { content, problems } = composeContent(s, spec, figures);
  const title = `${safe(spec.name)} · ${spec.periods.label}`;
  const limit = BYTE_LIMITS[spec.format];
  const shortTitle = [...title].slice(0, 60).join('');
  const parts = splitIntoParts(content, limit, (i, n) => `${strong(s, s.t('report.parts', { i, n }))} ${shortTitle}\n`);
  return { title, content, parts, messages: parts.map((p) => build(spec.format, p)), limit, problems, periods: spec.periods };
}
