import type { Db } from '../../db/client.ts';
import { insertMetricRule } from '../../db/queries/metricRules.ts';
import { initialState } from '../../server/metricRules/evaluate.ts';
import { rowFromRule, savedStateJson } from '../../server/metricRules/ruleRows.ts';

/**
 * Writes what `stores` distinct store names pushing a low value leave behind, straight into SQLite
 * (the API would take minutes for tens of thousands): rules watching every store, each at most
 * `perRule` stores, one metric point per store today and a firing state per (rule, store).
 */
export function seedFiringStores(db: Db, opts: { stores: number; perRule: number; now: number }): { rules: number } {
  const { now } = opts;
  const rules = Math.ceil(opts.stores / opts.perRule);
  const insertPoint = db.$client.prepare(
    `INSERT INTO events (received_at, source, kind, category, severity, title, store, occurred_at, payload, status, finished_at)
     VALUES (?, 'api', 'metric', 'other', 'info', 'stock', ?, ?, ?, 'stored', ?)`,
  );
  const insertState = db.$client.prepare(`INSERT INTO metric_rule_states (rule_id, store, status, state, updated_at) VALUES (?, ?, 'firing', ?, ?)`);
  db.$client.transaction(() => {
    for (let r = 0; r < rules; r++) {
      const ruleId = insertMetricRule(
        db,
        rowFromRule({
          name: `Low stock ${r + 1}`,
          metric: 'stock',
          store: null,
          condition: { type: 'threshold', op: 'below', value: 10 },
          hold: { kind: 'points', count: 1 },
          severity: r === 0 ? 'critical' : 'warning',
          category: 'inventory',
          mention: 'none',
          title: '{{store}} stock {{value}}',
          reminderHours: 0,
          enabled: true,
        }),
        now,
      );
      for (let i = r * opts.perRule; i < Math.min(opts.stores, (r + 1) * opts.perRule); i++) {
        const store = `store ${i}`;
        const at = now - 3_600_000 + i;
        insertPoint.run(at, store, at, JSON.stringify({ kind: 'metric', category: 'other', severity: 'info', title: '', fields: {}, mention: 'none', name: 'stock', value: 1, store }), at);
        const state = { ...initialState(at), status: 'firing' as const, firingSince: at, firingTitle: `${store} stock 1`, lastNotifiedAt: at, lastValue: 1, lastAt: at };
        insertState.run(ruleId, store, savedStateJson({ state, unit: '' }), at);
      }
    }
  })();
  return { rules };
}
