// A rule in words ("退款率 高于 5%，持续 15 分钟"), numbers as people write them, and durations.
import { translator, type Lang } from '../strings/translate.ts';
import type { MetricRule } from './definition.ts';

/**
 * No trailing zeros: at most two decimals (5, 5.5, 1234.57), and three significant digits under 1,
 * so a small threshold reads as saved (0.005, 0.123, 5e-7) rather than rounded to 0.01 or 0.
 */
export function formatValue(n: number): string {
  return String(Number(Math.abs(n) < 1 ? n.toPrecision(3) : n.toFixed(2)));
}

/** A signed change: "+12", "-30.5%". */
export function formatChange(change: number, percent: boolean): string {
  const sign = change > 0 ? '+' : '';
  return `${sign}${formatValue(change)}${percent ? '%' : ''}`;
}

export function formatDuration(ms: number, lang: Lang): string {
  const t = translator(lang);
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 60) return t('mr.msg.duration.min', { n: minutes });
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h >= 48) return t('mr.msg.duration.d', { d: Math.floor(h / 24), h: h % 24 });
  return m === 0 ? t('mr.msg.duration.h', { n: h }) : t('mr.msg.duration.hmin', { h, m });
}

export function describeCondition(rule: Pick<MetricRule, 'metric' | 'condition' | 'hold'>, lang: Lang, unit = ''): string {
  const t = translator(lang);
  const c = rule.condition;
  const metric = rule.metric;
  let text: string;
  if (c.type === 'threshold') text = t(`mr.msg.cond.threshold.${c.op}`, { metric, value: formatValue(c.value), unit });
  else if (c.type === 'change') {
    text = t(`mr.msg.cond.change.${c.direction}.${c.by}`, { metric, amount: formatValue(c.amount), unit, baseline: t(`mr.msg.baseline.${c.baseline}`) + (c.skipHolidays && c.baseline !== 'previous' ? t('mr.msg.baseline.skipHolidays') : '') });
  } else return t('mr.msg.cond.no_data', { metric, duration: formatDuration(c.minutes * 60_000, lang) });
  const h = rule.hold;
  if (h.kind === 'points') return h.count === 1 ? text : text + t('mr.msg.hold.points', { count: h.count });
  return text + (h.minutes > 0 ? t('mr.msg.hold.duration', { duration: formatDuration(h.minutes * 60_000, lang) }) : '');
}

export function describeStore(store: string | null, lang: Lang): string {
  const t = translator(lang);
  return store === null ? t('mr.msg.store.every') : store === '' ? t('mr.msg.store.none') : store;
}
