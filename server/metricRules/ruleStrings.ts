// The words a metric rule's messages and descriptions use, in English and Simplified Chinese
// (the notification language decides which the group reads). `zh` has exactly `en`'s keys.
import { interpolate, type Lang, type Params } from '../../views/i18n/index.ts';

const en = {
  'cond.threshold.above': '{metric} above {value}{unit}',
  'cond.threshold.below': '{metric} below {value}{unit}',
  'cond.change.up.percent': '{metric} up {amount}% against {baseline}',
  'cond.change.down.percent': '{metric} down {amount}% against {baseline}',
  'cond.change.up.absolute': '{metric} up by {amount}{unit} against {baseline}',
  'cond.change.down.absolute': '{metric} down by {amount}{unit} against {baseline}',
  'cond.no_data': 'no {metric} for {duration}',
  'baseline.previous': 'the previous value',
  'baseline.1d': 'the same time 1 day earlier',
  'baseline.7d': 'the same time 7 days earlier',
  'hold.points.one': '',
  'hold.points.other': ' for {count} consecutive points',
  'hold.duration': ' for {duration}',
  'store.every': 'every store',
  'store.none': '(no store)',
  'duration.min': '{n} min',
  'duration.h': '{n} h',
  'duration.hmin': '{h} h {m} min',
  'duration.d': '{d} d {h} h',
  'title.reminder': '[Still firing · {duration}] {title}',
  'title.resolved': '[Resolved] {title}',
  'summary.rule': 'Rule “{name}”: {condition}.',
  'summary.firing': 'Firing since {since}.',
  'summary.noData': 'No value since {since}.',
  'summary.resolved': 'Ends the firing that began {since} (event #{event}); it lasted {duration}.',
  'field.value': 'Value',
  'field.previous': 'Compared with',
  'field.change': 'Change',
  'report.heading': 'Metric rules',
  'report.firing': 'Firing now: {count}',
  'report.firingLine': '{name} · {store} · since {since}',
  'report.anomalies': 'Anomalies in the period: {count}',
  'report.anomalyLine': '{time} {title}',
  'report.resolvedLine': '{time} resolved: {title}',
};

const zh: Record<keyof typeof en, string> = {
  'cond.threshold.above': '{metric} 高于 {value}{unit}',
  'cond.threshold.below': '{metric} 低于 {value}{unit}',
  'cond.change.up.percent': '{metric} 相比{baseline}上升 {amount}%',
  'cond.change.down.percent': '{metric} 相比{baseline}下降 {amount}%',
  'cond.change.up.absolute': '{metric} 相比{baseline}增加 {amount}{unit}',
  'cond.change.down.absolute': '{metric} 相比{baseline}减少 {amount}{unit}',
  'cond.no_data': '{duration}内没有 {metric} 数据',
  'baseline.previous': '上一个值',
  'baseline.1d': '前一天同一时间',
  'baseline.7d': '上周同一时间',
  'hold.points.one': '',
  'hold.points.other': '，连续 {count} 个数据点',
  'hold.duration': '，持续 {duration}',
  'store.every': '每个店铺',
  'store.none': '（无店铺）',
  'duration.min': '{n} 分钟',
  'duration.h': '{n} 小时',
  'duration.hmin': '{h} 小时 {m} 分钟',
  'duration.d': '{d} 天 {h} 小时',
  'title.reminder': '[仍在告警 · {duration}] {title}',
  'title.resolved': '[已恢复] {title}',
  'summary.rule': '规则“{name}”：{condition}。',
  'summary.firing': '自 {since} 起告警。',
  'summary.noData': '自 {since} 起没有数据。',
  'summary.resolved': '结束了自 {since} 起的告警（事件 #{event}），持续 {duration}。',
  'field.value': '当前值',
  'field.previous': '对比值',
  'field.change': '变化',
  'report.heading': '指标规则',
  'report.firing': '正在告警：{count}',
  'report.firingLine': '{name} · {store} · 自 {since} 起',
  'report.anomalies': '本期异常：{count}',
  'report.anomalyLine': '{time} {title}',
  'report.resolvedLine': '{time} 已恢复：{title}',
};

export const RULE_STRINGS = { en, zh } as const;
export type RuleStringKey = keyof typeof en;

export function ruleText(lang: Lang, key: RuleStringKey, params?: Params): string {
  return interpolate(RULE_STRINGS[lang][key], params);
}
