// The summary reports' "Metric rules" section: the rules firing now and the period's anomalies
// (firings and resolutions the rules announced), newest first.
import type { Db } from '../../db/client.ts';
import { transitionsSince } from '../../db/queries/metricRules.ts';
import { localDateTime } from '../reports/periods.ts';
import { translator, type Lang } from '../strings/translate.ts';
import { firingRules, type FiringRule } from './firingList.ts';

export interface RuleFigures {
  firing: FiringRule[];
  anomalies: Array<{ type: 'firing' | 'resolved'; at: number; title: string }>;
}

/** Anomalies listed at most; the count says how many there were. */
export const MAX_ANOMALIES_LISTED = 30;

export function gatherRuleFigures(db: Db, period: { start: number; end: number }): RuleFigures {
  return {
    firing: firingRules(db),
    anomalies: transitionsSince(db, period.start, period.end, 1000).map((t) => ({ type: t.type === 'resolved' ? 'resolved' : 'firing', at: t.at, title: t.title })),
  };
}

export function metricRulesSection(f: RuleFigures, opts: { lang: Lang; timeZone: string; strong: (text: string) => string; bullet: string; safe: (text: string) => string }): string {
  const { lang, timeZone } = opts;
  const t = translator(lang);
  const lines = [opts.strong(t('mr.msg.report.heading'))];
  lines.push(t('mr.msg.report.firing', { count: f.firing.length }));
  for (const r of f.firing) lines.push(`${opts.bullet}${t('mr.msg.report.firingLine', { name: opts.safe(r.name), store: opts.safe(r.store) || '—', since: localDateTime(r.since, timeZone) })}`);
  lines.push(t('mr.msg.report.anomalies', { count: f.anomalies.length }));
  for (const a of f.anomalies.slice(0, MAX_ANOMALIES_LISTED)) {
    lines.push(`${opts.bullet}${t(a.type === 'resolved' ? 'mr.msg.report.resolvedLine' : 'mr.msg.report.anomalyLine', { time: localDateTime(a.at, timeZone), title: opts.safe(a.title) })}`);
  }
  return lines.join('\n');
}
