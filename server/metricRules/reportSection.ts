// The summary reports' "Metric rules" section: the rules firing now and the period's anomalies
// (firings and resolutions the rules announced), newest first.
import type { Db } from '../../db/client.ts';
import { transitionCount, transitionsSince } from '../../db/queries/metricRules.ts';
import { localDateTime } from '../time/calendar.ts';
import { translator, type Lang } from '../strings/translate.ts';
import { firingRules, type FiringRule } from './firingList.ts';

export interface RuleFigures {
  /** The first MAX_FIRING_LISTED firing pairs, most severe first, then the oldest. */
  firing: FiringRule[];
  firingTotal: number;
  /** The newest MAX_ANOMALIES_LISTED. */
  anomalies: Array<{ type: 'firing' | 'resolved'; at: number; title: string }>;
  anomaliesTotal: number;
}

/**
 * Firing (rule, store) pairs and anomalies listed at most; a line says how many more there are,
 * and the console's Metric rules page lists them all. Any number of stores can fire; a report
 * stays a few parts long.
 */
export const MAX_FIRING_LISTED = 30;
export const MAX_ANOMALIES_LISTED = 30;

export function gatherRuleFigures(db: Db, period: { start: number; end: number }): RuleFigures {
  const firing = firingRules(db, MAX_FIRING_LISTED);
  const anomalies = transitionsSince(db, period.start, period.end, MAX_ANOMALIES_LISTED).map((t) => ({ type: t.type === 'resolved' ? ('resolved' as const) : ('firing' as const), at: t.at, title: t.title }));
  return {
    firing: firing.shown,
    firingTotal: firing.total,
    anomalies,
    anomaliesTotal: anomalies.length < MAX_ANOMALIES_LISTED ? anomalies.length : transitionCount(db, period.start, period.end),
  };
}

export function metricRulesSection(
  f: RuleFigures,
  opts: { lang: Lang; timeZone: string; strong: (text: string) => string; bullet: string; safe: (text: string) => string; count: (n: number) => string },
): string {
  const { lang, timeZone } = opts;
  const t = translator(lang);
  const lines = [opts.strong(t('mr.msg.report.heading'))];
  lines.push(t('mr.msg.report.firing', { count: opts.count(f.firingTotal) }));
  const firing = f.firing.slice(0, MAX_FIRING_LISTED);
  for (const r of firing) lines.push(`${opts.bullet}${t('mr.msg.report.firingLine', { name: opts.safe(r.name), store: opts.safe(r.store) || '—', since: localDateTime(r.since, timeZone) })}`);
  if (f.firingTotal > firing.length) lines.push(t('mr.msg.report.firingMore', { count: opts.count(f.firingTotal - firing.length) }));
  lines.push(t('mr.msg.report.anomalies', { count: opts.count(f.anomaliesTotal) }));
  const anomalies = f.anomalies.slice(0, MAX_ANOMALIES_LISTED);
  for (const a of anomalies) {
    lines.push(`${opts.bullet}${t(a.type === 'resolved' ? 'mr.msg.report.resolvedLine' : 'mr.msg.report.anomalyLine', { time: localDateTime(a.at, timeZone), title: opts.safe(a.title) })}`);
  }
  if (f.anomaliesTotal > anomalies.length) lines.push(t('mr.msg.report.anomaliesMore', { count: opts.count(f.anomaliesTotal - anomalies.length) }));
  return lines.join('\n');
}
