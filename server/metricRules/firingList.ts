// The rules firing now, for the dashboard and reports: rule, store, since when.
import type { Db } from '../../db/client.ts';
import { firingStates, listMetricRules } from '../../db/queries/metricRules.ts';
import { parseSavedState } from './ruleRows.ts';

export interface FiringRule {
  ruleId: number;
  name: string;
  /** '' for points without a store. */
  store: string;
  since: number;
  title: string;
}

export function firingRules(db: Db): FiringRule[] {
  const names = new Map(listMetricRules(db).map((r) => [r.id, r.name]));
  return firingStates(db)
    .map((s) => {
      const { state } = parseSavedState(s.state);
      return { ruleId: s.ruleId, name: names.get(s.ruleId) ?? '', store: s.store, since: state.firingSince ?? 0, title: state.firingTitle ?? '' };
    })
    .sort((a, b) => a.since - b.since);
}
