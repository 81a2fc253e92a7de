// The rules firing now, for the dashboard, the Metric rules page and reports: rule, store, since
// when. Lists are pages: any number of stores can fire, so only a page is read and shown, with the total.
import type { Db } from '../../db/client.ts';
import { firingPairCount, firingPairs } from '../../db/queries/metricRules.ts';
import { SEVERITIES, type Severity } from '../events/schema.ts';

export interface FiringRule {
  ruleId: number;
  name: string;
  severity: Severity;
  /** '' for points without a store. */
  store: string;
  since: number;
  title: string;
}

export interface FiringList {
  /** Most severe first, then the oldest. */
  shown: FiringRule[];
  /** All firing (rule, store) pairs. */
  total: number;
}

const severityOf = (s: string): Severity => ((SEVERITIES as readonly string[]).includes(s) ? (s as Severity) : 'info');

export function firingRules(db: Db, limit: number, offset = 0): FiringList {
  const shown = firingPairs(db, limit, offset).map((r) => ({ ruleId: r.ruleId, name: r.name, severity: severityOf(r.severity), store: r.store, since: r.since ?? 0, title: r.title ?? '' }));
  return { shown, total: offset === 0 && shown.length < limit ? shown.length : firingPairCount(db) };
}
