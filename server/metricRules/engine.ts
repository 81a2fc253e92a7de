// Metric rules at the edges: loads the rules, keeps each rule's state per store in SQLite, and
// raises what the pure evaluator decides as alert events through the caller's intake function.
//  - observe: metric points just stored by the intake, inside the intake's transaction, so a point
//    and the alert it causes commit together (a crash loses both or neither).
//  - tick: a croner job every minute for no-data rules and reminders, in a transaction of its own.
import type { Db } from '../../db/client.ts';
import {
  clearRuleStates,
  firingStates,
  getRuleState,
  insertTransition,
  latestPointPerStore,
  listMetricRules,
  metricValueBetween,
  putRuleState,
  statesOfRule,
  type StateRow,
} from '../../db/queries/metricRules.ts';
import type { Clock } from '../clock.ts';
import type { MetricObserver, RaiseAlerts } from '../delivery/intake.ts';
import type { InboundEvent } from '../events/schema.ts';
import type { SettingsStore } from '../settings/settingsStore.ts';
import { alertForAction } from './alerts.ts';
import { decidesDifferently, type MetricRule } from './definition.ts';
import { initialState, onPoint, onTick, type EvalContext, type RuleAction, type Step } from './evaluate.ts';
import { parseSavedState, ruleFromRow, savedStateJson, type SavedState } from './ruleRows.ts';

export interface MetricRuleEngine extends MetricObserver {
  /** No-data rules and reminders at `now`, raising through `raise` (the caller holds the transaction). */
  tick(now: number, raise: RaiseAlerts): void;
  /** Re-reads the rules after a create, edit or delete; settles the states an edit invalidates. */
  ruleSaved(before: MetricRule | undefined, after: MetricRule | undefined): void;
  rules(): MetricRule[];
}

export interface EngineDeps {
  db: Db;
  clock: Clock;
  settings: SettingsStore;
  /** Tells the delivery worker a rule queued a message (it looks once the transaction commits). */
  wakeWorker: () => void;
}

/** How far back a new rule looks for each store's last point (its previous value, its silence). */
const SEED_LOOKBACK_MS = 7 * 86_400_000;

export function createMetricRuleEngine(deps: EngineDeps): MetricRuleEngine {
  const { db } = deps;
  let all: MetricRule[] = [];
  let byMetric = new Map<string, MetricRule[]>();
  let byId = new Map<number, MetricRule>();

  function load(): void {
    all = listMetricRules(db).map(ruleFromRow);
    byMetric = new Map();
    byId = new Map(all.map((r) => [r.id, r]));
    for (const r of all) {
      if (!r.enabled) continue;
      const list = byMetric.get(r.metric) ?? [];
      list.push(r);
      byMetric.set(r.metric, list);
    }
  }
  load();

  const contextFor = (rule: MetricRule, store: string): EvalContext => ({
    timeZone: deps.settings.general().timeZone,
    valueBetween: (from, until) => metricValueBetween(db, rule.metric, store, from, until),
  });

  /** Raises the step's actions and records them; answers the new state (with the firing's event id). */
  function apply(rule: MetricRule, store: string, before: SavedState, step: Step, unit: string, raise: RaiseAlerts): SavedState {
    let state = step.state;
    const lang = deps.settings.delivery().language;
    const timeZone = deps.settings.general().timeZone;
    for (const action of step.actions) {
      const alert = alertForAction(rule, action, before.state, { store, unit, lang, timeZone });
      const [accepted] = raise([alert]);
      if (accepted?.status === 'queued') deps.wakeWorker();
      if (action.type === 'firing') state = { ...state, firingEventId: accepted?.id ?? null, firingTitle: alert.title };
      record(rule, store, action, alert.title, accepted?.id ?? null);
    }
    return { state, unit };
  }

  function save(ruleId: number, store: string, saved: SavedState): void {
    putRuleState(db, ruleId, store, saved.state.status, savedStateJson(saved), deps.clock.now());
  }

  function record(rule: MetricRule, store: string, action: RuleAction, title: string, eventId: number | null): void {
    insertTransition(db, { ruleId: rule.id, ruleName: rule.name, store, type: action.type, at: action.at, value: action.value, title, eventId });
  }

  function savedOf(row: StateRow | undefined, watchingSince: number): SavedState {
    return row ? parseSavedState(row.state) : { state: initialState(watchingSince), unit: '' };
  }

  /** A new, re-enabled or redefined rule starts from each store's last point, with no message. */
  function seed(rule: MetricRule): void {
    const now = deps.clock.now();
    const last = latestPointPerStore(db, rule.metric, rule.store, now - SEED_LOOKBACK_MS, now);
    for (const p of last) {
      const state = { ...initialState(now), lastValue: p.value, lastAt: p.at };
      putRuleState(db, rule.id, p.store, state.status, savedStateJson({ state, unit: p.unit }), now);
    }
    // A no-data rule for one store watches it even before its first point.
    if (rule.condition.type === 'no_data' && rule.store !== null && !last.length) {
      putRuleState(db, rule.id, rule.store, 'ok', savedStateJson({ state: initialState(now), unit: '' }), now);
    }
  }

  return {
    observe(points, raise) {
      // Each rule×store state is read once and written once per call, however many points it judges.
      const touched = new Map<string, { rule: MetricRule; store: string; saved: SavedState }>();
      for (const p of points) {
        const rules = byMetric.get(p.name);
        if (!rules) continue;
        for (const rule of rules) {
          if (rule.store !== null && rule.store !== p.store) continue;
          const key = `${rule.id}\u0000${p.store}`;
          const entry = touched.get(key) ?? { rule, store: p.store, saved: savedOf(getRuleState(db, rule.id, p.store), p.at) };
          const step = onPoint(rule, entry.saved.state, { at: p.at, value: p.value }, contextFor(rule, p.store));
          entry.saved = apply(rule, p.store, entry.saved, step, p.unit || entry.saved.unit, raise);
          touched.set(key, entry);
        }
      }
      for (const e of touched.values()) save(e.rule.id, e.store, e.saved);
    },

    tick(now, raise) {
      const rows = new Map<string, StateRow>();
      for (const row of firingStates(db)) rows.set(`${row.ruleId}\u0000${row.store}`, row);
      for (const rule of all) {
        if (!rule.enabled || rule.condition.type !== 'no_data') continue;
        for (const row of statesOfRule(db, rule.id)) rows.set(`${row.ruleId}\u0000${row.store}`, row);
      }
      for (const row of rows.values()) {
        const rule = byId.get(row.ruleId);
        if (!rule?.enabled) continue;
        const before = parseSavedState(row.state);
        const step = onTick(rule, before.state, now);
        if (step.actions.length) save(rule.id, row.store, apply(rule, row.store, before, step, before.unit, raise));
      }
    },

    ruleSaved(before, after) {
      db.$client.transaction(() => {
        const redefine = !before || !after || !after.enabled || !before.enabled || decidesDifferently(before, after);
        // Settled silently: the old definition's firing is not "resolved" by the new one.
        if (before && redefine) clearRuleStates(db, before.id);
        if (after?.enabled && redefine) seed(after);
      })();
      load();
    },

    rules: () => all,
  };
}
