// /metrics lines for metric rules: how many rule×store states are in each status, and per rule
// how many stores it is firing for. /metrics may be public: rules are labelled by id, and by the
// admin-written name only with METRICS_DETAIL=1.
import type { Db } from '../../db/client.ts';
import { listMetricRules, stateCountsByRule, stateCountsByStatus } from '../../db/queries/metricRules.ts';
import { METRIC_RULE_STATUSES } from '../../db/schema.ts';

export function metricRuleFamilies(db: Db, opts: { names: boolean }) {
  const counts = new Map(stateCountsByStatus(db).map((r) => [r.status, r.n]));
  // Counted in SQL: a scrape never reads the states themselves, however many stores fire.
  const firing = new Map(stateCountsByRule(db).flatMap((r) => (r.status === 'firing' ? [[r.ruleId, r.n] as const] : [])));
  return [
    {
      name: 'notifier_metric_rule_states',
      help: 'Metric rule states (one per rule and store), by status.',
      type: 'gauge' as const,
      samples: METRIC_RULE_STATUSES.map((status) => ({ labels: { status }, value: counts.get(status) ?? 0 })),
    },
    {
      name: 'notifier_metric_rule_firing',
      help: 'Stores a metric rule is firing for now (0 when none), per enabled rule.',
      type: 'gauge' as const,
      samples: listMetricRules(db)
        .filter((r) => r.enabled)
        .map((r) => {
          const labels: Record<string, string | number> = { rule_id: r.id };
          if (opts.names) labels.rule = r.name;
          return { labels, value: firing.get(r.id) ?? 0 };
        }),
    },
  ];
}
