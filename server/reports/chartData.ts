// What a report's chart image shows, from the report's figures. Pure: the same figures, job and
// language always give the same chart, so Preview shows the picture a run sends.
import type { ReportType } from '../../db/schema.ts';
import { translator, type Lang } from '../strings/translate.ts';
import { CATEGORIES, type Category } from '../events/schema.ts';
import { localDateStart, addDays, localDate } from '../time/calendar.ts';
import type { ReportFigures } from './builders.ts';
import type { PeriodSpan, ReportPeriods } from '../time/periods.ts';

/** More bars than this are unreadable on a phone; the rest are counted in a footnote. */
export const MAX_CHART_METRICS = 12;

export interface ChartDay {
  date: string;
  start: number;
  end: number;
}

export interface ChartSeries {
  key: string;
  label: string;
  color: string;
}

export interface ReportChartData {
  title: string;
  periodLabel: string;
  /** Alerts per day by category; absent for a metrics snapshot. */
  alerts?: { title: string; series: ChartSeries[]; columns: Array<{ label: string; values: Record<string, number> }> };
  metrics: { title: string; legend: { current: string; previous: string }; rows: Array<{ label: string; current: number; previous: number | null; text: string }>; more?: string; empty?: string };
  /** How the period's events ended; absent for a metrics snapshot. */
  delivery?: { title: string; rows: Array<{ label: string; n: number }> };
}

const CATEGORY_COLORS: Record<Category, string> = {
  orders: '#0b6bcb',
  inventory: '#b35900',
  ads: '#7b3fb3',
  products: '#137333',
  store: '#b3261e',
  task: '#5b6474',
  other: '#9aa3b2',
};

/** The local days the alerts panel covers: the week up to the period's end, two for a weekly report. */
export function chartDays(type: ReportType, periods: ReportPeriods, timeZone: string): ChartDay[] {
  const count = type === 'weekly_summary' ? 14 : 7;
  const last = localDate(periods.current.end - 1, timeZone);
  return Array.from({ length: count }, (_, i) => {
    const date = addDays(last, i - count + 1);
    return { date, start: localDateStart(date, timeZone), end: localDateStart(addDays(date, 1), timeZone) };
  });
}

/** "订单数\n杭州旗舰店" → the names the job asked for; blank lines and repeats dropped. */
export function parseChartMetrics(text: string): string[] {
  return [...new Set(text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== ''))];
}

export function buildChartData(
  spec: { type: ReportType; span: PeriodSpan; title: string; lang: Lang; metrics: readonly string[]; periodLabel: string },
  figures: ReportFigures,
  days: ReadonlyArray<{ date: string; byCategory: Partial<Record<Category, number>> }>,
): ReportChartData {
  const t = translator(spec.lang);
  const num = new Intl.NumberFormat(spec.lang === 'zh' ? 'zh-CN' : 'en-US', { maximumFractionDigits: 2 });
  const wanted = spec.metrics.length ? figures.metrics.filter((m) => spec.metrics.includes(m.name)) : figures.metrics;
  const shown = wanted.slice(0, MAX_CHART_METRICS);
  const stores = new Set(wanted.map((m) => m.store));
  const metrics: ReportChartData['metrics'] = {
    // "Key metrics (vs the day before)" · "关键指标（对比前一天）": a full-width bracket needs no space;
    // the period compared with is the run's (Run now "so far today" compares with yesterday).
    title: [t('report.metrics'), t(`report.metrics.vs.${spec.span}`)].join(spec.lang === 'zh' ? '' : ' '),
    legend: { current: t('report.chart.current'), previous: t('report.chart.previous') },
    rows: shown.map((m) => ({
      // The store is named only when metrics come from several, as the issue asks ("per store").
      label: stores.size > 1 && m.store ? `${m.name} · ${m.store}` : m.name,
      current: m.value,
      previous: m.previous,
      text: m.unit ? (m.unit === '%' ? `${num.format(m.value)}%` : `${num.format(m.value)} ${m.unit}`) : num.format(m.value),
    })),
    ...(wanted.length > shown.length ? { more: t('report.metrics.more', { count: wanted.length - shown.length }) } : {}),
    ...(wanted.length === 0 ? { empty: t(spec.type === 'metrics_snapshot' ? 'report.metrics.none.snapshot' : 'report.metrics.none') } : {}),
  };
  if (spec.type === 'metrics_snapshot') return { title: spec.title, periodLabel: spec.periodLabel, metrics };
  const used = CATEGORIES.filter((c) => days.some((d) => (d.byCategory[c] ?? 0) > 0));
  return {
    title: spec.title,
    periodLabel: spec.periodLabel,
    alerts: {
      title: t('report.chart.alertsPerDay'),
      series: used.map((c) => ({ key: c, label: t(`category.${c}`), color: CATEGORY_COLORS[c] })),
      columns: days.map((d) => ({ label: d.date.slice(5), values: { ...d.byCategory } })),
    },
    metrics,
    delivery: {
      title: t('report.delivery'),
      rows: (['sent', 'digested', 'suppressed', 'dead', 'pending'] as const).map((k) => ({ label: t(`report.chart.delivery.${k}`), n: figures.delivery[k] })),
    },
  };
}
