// Metric rules at the edges: loads the rules, keeps each rule's state per store in SQLite, and
// raises what the pure evaluator decides as alert events through the caller's intake function.
// States live in one row per metric and store (metric_store_states: read and written once per
// point, whatever the rules) and are indexed by rule and status in metric_rule_states, which is
// written only when a state changes in more than its last value and time.
//  - observe: metric points just stored by the intake, inside the intake's transaction, so a point
//    and the alert it causes commit together (a crash loses both or neither).
//  - tick: a croner job every minute for no-data rules and reminders, in a transaction of its own.
import type { Db } from '../../db/client.ts';
import { writeAudit } from '../../db/queries/audit.ts';
import {
  clearRuleStates,
  getRuleStates,
  getStoreStates,
  insertTransition,
  latestPointPerStore,
  listMetricRules,
  metricValueBetween,
  putRuleState,
  putStoreStates,
  statesDueAt,
  storeCountOfRule,
  updateRuleState,
} from '../../db/queries/metricRules.ts';
import type { CalendarSource } from '../calendar/workdays.ts';
import type { Clock } from '../clock.ts';
import type { MetricObserver, RaiseAlerts } from '../delivery/intake.ts';
import type { SettingsStore } from '../settings/settingsStore.ts';
import { alertForAction } from './alerts.ts';
import { decidesDifferently, type MetricRule } from './definition.ts';
import { initialState, onPoint, onTick, type EvalContext, type RuleAction, type RuleState, type Step } from './evaluate.ts';
import { indexedFieldsDiffer, parseSavedState, ruleFromRow, savedStateJson, savedStateObject, savedStateOf, type SavedState } from './ruleRows.ts';
import { MAX_STORES_PER_RULE, StoreLimitError, type StoreRefusal } from './storeLimit.ts';

/**
 * `observe` (MetricObserver) throws StoreLimitError, having judged nothing, when a point would make
 * a rule watch more stores than its limit: the caller's transaction then rolls the request back.
 */
export interface MetricRuleEngine extends MetricObserver {
  /** A request was refused for the limit: noted in the audit log, at most once an hour per rule. */
  refused(err: StoreLimitError): void;
  /**
   * No-data rules and reminders at `now`, raising through `raise` (the caller holds the transaction):
   * at most `limit` states, answering how many it acted on (fewer than `limit`: nothing more is due).
   */
  tick(now: number, raise: RaiseAlerts, limit?: number): number;
  /** Re-reads the rules after a create, edit or delete; settles the states an edit invalidates. */
  ruleSaved(before: MetricRule | undefined, after: MetricRule | undefined): void;
  rules(): MetricRule[];
  /** Stores one rule watches at most. */
  readonly storeLimit: number;
  /** Reads the rules again (after a configuration import committed, or rolled back). */
  reload(): void;
}

export interface EngineDeps {
  db: Db;
  clock: Clock;
  settings: SettingsStore;
  /** Tells the delivery worker a rule queued a message (it looks once the transaction commits). */
  wakeWorker: () => void;
  /** Stores one rule watches at most (MAX_STORES_PER_RULE). */
  maxStoresPerRule?: number;
  /** China's workday calendar, for change rules that skip holidays. */
  calendar?: CalendarSource;
}

const REFUSAL_NOTE_EVERY_MS = 3_600_000;

/** How far back a new rule looks for each store's last point (its previous value, its silence). */
const SEED_LOOKBACK_MS = 7 * 86_400_000;

export function createMetricRuleEngine(deps: EngineDeps): MetricRuleEngine {
  const { db } = deps;
  const storeLimit = deps.maxStoresPerRule ?? MAX_STORES_PER_RULE;
  /** When each rule's refusals were last written to the audit log. */
  const refusalNoted = new Map<number, number>();
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
    now: deps.clock.now(),
    timeZone: deps.settings.general().timeZone,
    calendar: deps.calendar?.calendar(),
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

  /** One rule's state for one store, in its metric and store's row and in the index (a tick, a seed). */
  function save(rule: MetricRule, store: string, saved: SavedState, now: number): void {
    putRuleState(db, rule.id, store, saved.state.status, savedStateJson(saved), now);
    const json = getStoreStates(db, rule.metric, store);
    const all = json ? (JSON.parse(json) as Record<string, unknown>) : {};
    all[rule.id] = savedStateObject(saved);
    putStoreStates(db, rule.metric, store, JSON.stringify(all), now);
  }

  function record(rule: MetricRule, store: string, action: RuleAction, title: string, eventId: number | null): void {
    insertTransition(db, { ruleId: rule.id, ruleName: rule.name, store, type: action.type, at: action.at, value: action.value, title, eventId });
  }

  /** A new, re-enabled or redefined rule starts from each store's last point, with no message. */
  function seed(rule: MetricRule): void {
    const now = deps.clock.now();
    // The stores heard from most recently, up to the limit.
    const last = latestPointPerStore(db, rule.metric, rule.store, now - SEED_LOOKBACK_MS, now)
      .sort((a, b) => b.at - a.at)
      .slice(0, storeLimit);
    for (const p of last) save(rule, p.store, { state: { ...initialState(now), lastValue: p.value, lastAt: p.at }, unit: p.unit }, now);
    // A no-data rule for one store watches it even before its first point.
    if (rule.condition.type === 'no_data' && rule.store !== null && !last.length) save(rule, rule.store, { state: initialState(now), unit: '' }, now);
    if (storeCountOfRule(db, rule.id) >= storeLimit) noteLimitReached(rule.id, rule.name);
  }

  function noteLimitReached(ruleId: number, name: string | undefined): void {
    writeAudit(db, deps.clock.now(), { actor: 'system', action: 'metric_rule.store_limit', detail: { id: ruleId, name, limit: storeLimit } });
  }

  return {
    observe(points, raise) {
      // Each metric and store's row is read once and written once per call, however many points
      // and rules judge it; a rule's index row only when its state changed in more than the last
      // value and time. `indexed`: the state as the index holds it (undefined: no row yet).
      type Judged = { rule: MetricRule; saved: SavedState; indexed: RuleState | undefined };
      const touched = new Map<string, { metric: string; store: string; all: Record<string, unknown>; judged: Map<number, Judged> }>();
      // Stores each rule watches before this call and with the new ones it admits.
      const stores = new Map<number, { before: number; now: number }>();
      const refusals: StoreRefusal[] = [];
      points.forEach((p, index) => {
        const rules = byMetric.get(p.name)?.filter((rule) => rule.store === null || rule.store === p.store);
        if (!rules?.length) return;
        const key = `${p.name}\u0000${p.store}`;
        let row = touched.get(key);
        if (!row) {
          const json = getStoreStates(db, p.name, p.store);
          row = { metric: p.name, store: p.store, all: json ? (JSON.parse(json) as Record<string, unknown>) : {}, judged: new Map() };
          touched.set(key, row);
        }
        // Rules with no entry yet: a state from before the rows per metric and store is in the index
        // alone (else the store is new to the rule), read for all of them in one statement.
        const unlisted = rules.filter((rule) => !row.judged.has(rule.id) && row.all[rule.id] === undefined);
        const indexOnly = unlisted.length ? new Map(getRuleStates(db, unlisted.map((r) => r.id), p.store).map((r) => [r.ruleId, r.state])) : undefined;
        for (const rule of rules) {
          let judged = row.judged.get(rule.id);
          if (!judged) {
            const entry = row.all[rule.id];
            const indexed = indexOnly?.get(rule.id);
            // Written together with its index row, so the index holds what the entry does but the last point.
            const saved = entry !== undefined ? savedStateOf(entry) : indexed !== undefined ? parseSavedState(indexed) : undefined;
            if (!saved) {
              let count = stores.get(rule.id);
              if (!count) {
                const n = storeCountOfRule(db, rule.id);
                stores.set(rule.id, (count = { before: n, now: n }));
              }
              if (count.now >= storeLimit) {
                refusals.push({ point: index, ruleId: rule.id, rule: rule.name, metric: rule.metric, store: p.store });
                continue;
              }
              count.now += 1;
            }
            judged = saved ? { rule, saved, indexed: saved.state } : { rule, saved: { state: initialState(p.at), unit: '' }, indexed: undefined };
            row.judged.set(rule.id, judged);
          }
          // Once anything is refused the request is, so judging the rest would be wasted.
          if (refusals.length) continue;
          const step = onPoint(rule, judged.saved.state, { at: p.at, value: p.value }, contextFor(rule, p.store));
          judged.saved = apply(rule, p.store, judged.saved, step, p.unit || judged.saved.unit, raise);
        }
      });
      if (refusals.length) throw new StoreLimitError(refusals, storeLimit);
      const now = deps.clock.now();
      for (const row of touched.values()) {
        for (const { rule, saved, indexed } of row.judged.values()) {
          row.all[rule.id] = savedStateObject(saved);
          if (indexed && !indexedFieldsDiffer(indexed, saved.state)) continue;
          const status = saved.state.status;
          const json = savedStateJson(saved);
          if (!indexed || !updateRuleState(db, rule.id, row.store, status === indexed.status ? undefined : status, json, now)) {
            putRuleState(db, rule.id, row.store, status, json, now);
          }
        }
        putStoreStates(db, row.metric, row.store, JSON.stringify(row.all), now);
      }
      for (const [ruleId, count] of stores) {
        if (count.before < storeLimit && count.now >= storeLimit) noteLimitReached(ruleId, byId.get(ruleId)?.name);
      }
    },

    refused(err) {
      const now = deps.clock.now();
      for (const ruleId of new Set(err.refusals.map((r) => r.ruleId))) {
        const last = refusalNoted.get(ruleId);
        if (last !== undefined && now - last >= 0 && now - last < REFUSAL_NOTE_EVERY_MS) continue;
        refusalNoted.set(ruleId, now);
        const mine = err.refusals.filter((r) => r.ruleId === ruleId);
        writeAudit(db, now, {
          actor: 'system',
          action: 'metric_rule.store_refused',
          detail: { id: ruleId, name: mine[0]!.rule, limit: err.limit, points: mine.length, stores: [...new Set(mine.map((r) => r.store))].slice(0, 5) },
        });
      }
    },

    tick(now, raise, limit = -1) {
      let acted = 0;
      for (const row of statesDueAt(db, now, limit)) {
        const rule = byId.get(row.ruleId);
        if (!rule?.enabled) continue;
        const before = parseSavedState(row.state);
        const step = onTick(rule, before.state, now);
        if (!step.actions.length) continue;
        save(rule, row.store, apply(rule, row.store, before, step, before.unit, raise), deps.clock.now());
        acted++;
      }
      return acted;
    },

    ruleSaved(before, after) {
      db.$client.transaction(() => {
        const redefine = !before || !after || !after.enabled || !before.enabled || decidesDifferently(before, after);
        // Settled silently: the old definition's firing is not "resolved" by the new one.
        if (before && redefine) clearRuleStates(db, before.id, before.metric);
        if (after?.enabled && redefine) seed(after);
      })();
      load();
    },

    rules: () => all,
    storeLimit,
    reload: load,
  };
}
