// A rule in words ("退款率 高于 5%，持续 15 分钟"), numbers as people write them, and durations.
import type { Lang } from '../../views/i18n/index.ts';
import type { MetricRule } from './definition.ts';
import { ruleText } from './ruleStrings.ts';

/** At most two decimals, no trailing zeros: 5, 5.5, 5.25. */
export function formatValue(n: number): string {
  return String(Number(n.toFixed(2)));
}

/** A signed change: "+12", "-30.5%". */
export function formatChange(change: number, percent: boolean): string {
  const sign = change > 0 ? '+' : '';
  return `${sign}${formatValue(change)}${percent ? '%' : ''}`;
}

export function formatDuration(ms: number, lang: Lang): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 60) return ruleText(lang, 'duration.min', { n: minutes });
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h >= 48) return ruleText(lang, 'duration.d', { d: Math.floor(h / 24), h: h % 24 });
  return m === 0 ? ruleText(lang, 'duration.h', { n: h }) : ruleText(lang, 'duration.hmin', { h, m });
}

export function describeCondition(rule: Pick<MetricRule, 'metric' | 'condition' | 'hold'>, lang: Lang, unit = ''): string {
  const c = rule.condition;
  const metric = rule.metric;
  let text: string;
  if (c.type === 'threshold') text = ruleText(lang, `cond.threshold.${c.op}`, { metric, value: formatValue(c.value), unit });
  else if (c.type === 'change') {
    text = ruleText(lang, `cond.change.${c.direction}.${c.by}`, { metric, amount: formatValue(c.amount), unit, baseline: ruleText(lang, `baseline.${c.baseline}`) + (c.skipHolidays && c.baseline !== 'previous' ? ruleText(lang, 'baseline.skipHolidays') : '') });
  } else return ruleText(lang, 'cond.no_data', { metric, duration: formatDuration(c.minutes * 60_000, lang) });
  const h = rule.hold;
  if (h.kind === 'points') return text + ruleText(lang, h.count === 1 ? 'hold.points.one' : 'hold.points.other', { count: h.count });
  return text + (h.minutes > 0 ? ruleText(lang, 'hold.duration', { duration: formatDuration(h.minutes * 60_000, lang) }) : '');
}

export function describeStore(store: string | null, lang: Lang): string {
  return store === null ? ruleText(lang, 'store.every') : store === '' ? ruleText(lang, 'store.none') : store;
}
