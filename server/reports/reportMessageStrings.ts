// Every word a report message shows in the WeCom group, in English and Simplified Chinese. The
// category, severity and task-status names come from the notification strings, so reports and
// alerts call things the same.
import { interpolate, type Lang, type Params } from '../../views/i18n/index.ts';

const en = {
  'report.period': 'Period: {period}',
  'report.span.yesterday': 'yesterday ({label}, {timeZone})',
  'report.span.last_week': 'last week ({label}, {timeZone})',
  'report.span.last_24h': 'the last 24 hours (to {label}, {timeZone})',
  'report.span.today_so_far': 'so far today ({label}, {timeZone})',
  'report.asOf': 'As of {label} ({timeZone})',
  'report.parts': '({i}/{n})',

  'report.alerts': 'Alerts: {count}',
  'report.alerts.none': 'No alerts in this period.',
  'report.count': '{label} {count}',
  'report.categoryLine': '{category}: {counts}',

  'report.tasks': 'Task results: {count}',
  'report.tasks.none': 'No task results in this period.',
  'report.tasks.failures': 'Failed or partial:',
  'report.tasks.failure': '{task} — {status} ×{count}',
  'report.tasks.more': '… and {count} more',
  'report.tasks.noFailures': 'No failed or partial tasks.',

  'report.metrics': 'Key metrics',
  'report.metrics.vs.daily_summary': '(vs the day before)',
  'report.metrics.vs.weekly_summary': '(vs the week before)',
  'report.metrics.vs.metrics_snapshot': '(vs 24 h earlier)',
  'report.metrics.vs.custom': '(vs the day before)',
  'report.metrics.none': 'No metrics reported in this period.',
  'report.metrics.none.snapshot': 'No metrics reported yet.',
  'report.metrics.more': '… and {count} more',
  'report.metric.change': '{diff}, {pct}',
  'report.metric.new': 'new',
  'report.metric.same': 'unchanged',
  'report.metric.at': 'at {at}',
  'report.metric.missing': 'n/a',

  'report.chart.alertsPerDay': 'Alerts per day, by category',
  'report.chart.current': 'This period',
  'report.chart.previous': 'Previous period',
  'report.chart.noAlerts': 'No alerts on these days.',
  'report.chart.delivery.sent': 'Sent',
  'report.chart.delivery.digested': 'Digested',
  'report.chart.delivery.suppressed': 'Suppressed',
  'report.chart.delivery.dead': 'Failed',
  'report.chart.delivery.pending': 'Pending',
  'report.delivery': 'Delivery health',
  'report.delivery.sent': 'sent {count}',
  'report.delivery.digested': 'digested {count}',
  'report.delivery.suppressed': 'suppressed {count}',
  'report.delivery.silenced': 'of which silenced {count}',
  'report.delivery.dead': 'failed {count}',
  'report.delivery.pending': 'pending {count}',
};

export type ReportMessageKey = keyof typeof en;

const zh: Record<ReportMessageKey, string> = {
  'report.period': '统计周期：{period}',
  'report.span.yesterday': '昨天（{label}，{timeZone}）',
  'report.span.last_week': '上周（{label}，{timeZone}）',
  'report.span.last_24h': '最近 24 小时（截至 {label}，{timeZone}）',
  'report.span.today_so_far': '今天截至目前（{label}，{timeZone}）',
  'report.asOf': '截至 {label}（{timeZone}）',
  'report.parts': '（{i}/{n}）',

  'report.alerts': '告警：{count} 条',
  'report.alerts.none': '本周期没有告警。',
  'report.count': '{label} {count}',
  'report.categoryLine': '{category}：{counts}',

  'report.tasks': '任务结果：{count} 个',
  'report.tasks.none': '本周期没有任务结果。',
  'report.tasks.failures': '失败或部分成功：',
  'report.tasks.failure': '{task} — {status} ×{count}',
  'report.tasks.more': '…另有 {count} 项',
  'report.tasks.noFailures': '没有失败或部分成功的任务。',

  'report.metrics': '关键指标',
  'report.metrics.vs.daily_summary': '（对比前一天）',
  'report.metrics.vs.weekly_summary': '（对比前一周）',
  'report.metrics.vs.metrics_snapshot': '（对比 24 小时前）',
  'report.metrics.vs.custom': '（对比前一天）',
  'report.metrics.none': '本周期没有上报指标。',
  'report.metrics.none.snapshot': '尚未上报任何指标。',
  'report.metrics.more': '…另有 {count} 项',
  'report.metric.change': '{diff}，{pct}',
  'report.metric.new': '新增',
  'report.metric.same': '持平',
  'report.metric.at': '{at}',
  'report.metric.missing': '暂无',

  'report.chart.alertsPerDay': '每日告警（按类别）',
  'report.chart.current': '本期',
  'report.chart.previous': '上期',
  'report.chart.noAlerts': '这些天没有告警。',
  'report.chart.delivery.sent': '已发送',
  'report.chart.delivery.digested': '已合并发送',
  'report.chart.delivery.suppressed': '已抑制',
  'report.chart.delivery.dead': '发送失败',
  'report.chart.delivery.pending': '待发送',
  'report.delivery': '投递情况',
  'report.delivery.sent': '已发送 {count}',
  'report.delivery.digested': '已合并发送 {count}',
  'report.delivery.suppressed': '已抑制 {count}',
  'report.delivery.silenced': '其中已静音 {count}',
  'report.delivery.dead': '发送失败 {count}',
  'report.delivery.pending': '待发送 {count}',
};

export const reportMessageStrings: Readonly<Record<Lang, Readonly<Record<ReportMessageKey, string>>>> = { en, zh };

export type ReportTranslate = (key: ReportMessageKey, params?: Params) => string;

export function reportTranslator(lang: Lang): ReportTranslate {
  const dict = reportMessageStrings[lang];
  return (key, params) => interpolate(dict[key], params);
}

/** "yesterday (2026-11-29, Asia/Shanghai)": one wording for the message, its preview and the run history. */
export function describePeriod(lang: Lang, period: { span: string; label: string }, timeZone: string): string {
  const key = `report.span.${period.span}`;
  return key in en ? reportTranslator(lang)(key as ReportMessageKey, { label: period.label, timeZone }) : `${period.label} (${timeZone})`;
}
