// A stored rule row read back as a MetricRule (its JSON parts through their schemas), and back.
import * as v from 'valibot';
import type { MetricRuleInsert, MetricRuleRow } from '../../db/queries/metricRules.ts';
import { categorySchema, conditionSchema, holdSchema, mentionSchema, severitySchema, type MetricRule } from './definition.ts';
import { RULE_STATUSES, type RuleState } from './evaluate.ts';

export function ruleFromRow(row: MetricRuleRow): MetricRule {
  return {
    id: row.id,
    name: row.name,
    metric: row.metric,
    store: row.store,
    condition: v.parse(conditionSchema, JSON.parse(row.condition)),
    hold: v.parse(holdSchema, JSON.parse(row.hold)),
    severity: v.parse(severitySchema, row.severity),
    category: v.parse(categorySchema, row.category),
    mention: v.parse(mentionSchema, JSON.parse(row.mention)),
    title: row.title,
    reminderHours: row.reminderHours,
    enabled: row.enabled,
    createdAt: row.createdAt,
  };
}

export function rowFromRule(rule: Omit<MetricRule, 'id' | 'createdAt'>): MetricRuleInsert {
  return {
    name: rule.name,
    metric: rule.metric,
    store: rule.store,
    condition: JSON.stringify(rule.condition),
    hold: JSON.stringify(rule.hold),
    severity: rule.severity,
    category: rule.category,
    mention: JSON.stringify(rule.mention),
    title: rule.title,
    reminderHours: rule.reminderHours,
    enabled: rule.enabled,
  };
}

/** The stored state JSON: the evaluator's state plus the unit the store last reported. */
export interface SavedState {
  state: RuleState;
  unit: string;
}

// An empty field (null, or no unit) is left out of the stored JSON: see savedStateJson.
const nullableNumber = v.optional(v.nullable(v.number()), null);
const stateSchema = v.object({
  status: v.picklist(RULE_STATUSES),
  pendingSince: nullableNumber,
  pendingPoints: v.number(),
  firingSince: nullableNumber,
  firingEventId: nullableNumber,
  firingTitle: v.optional(v.nullable(v.string()), null),
  lastNotifiedAt: nullableNumber,
  reminders: v.number(),
  lastValue: nullableNumber,
  lastAt: nullableNumber,
  watchingSince: v.number(),
  unit: v.optional(v.string(), ''),
});

const isNumber = (x: unknown): x is number => typeof x === 'number';
const isNullableNumber = (x: unknown): x is number | null | undefined => x == null || typeof x === 'number';

/** A state as savedStateJson wrote it. */
export function parseSavedState(json: string): SavedState {
  return savedStateOf(JSON.parse(json));
}

/**
 * A state as savedStateObject made it (an entry of a metric and store's row). Every point reads one
 * per rule of its metric, so a state of the usual shape is checked field by field (0.7 µs with
 * JSON.parse, against valibot's 2.4); anything else goes through the schema, which says what is wrong.
 */
export function savedStateOf(parsed: unknown): SavedState {
  const raw = parsed as Record<string, unknown> | null;
  const usual =
    typeof raw === 'object' &&
    raw !== null &&
    (RULE_STATUSES as readonly unknown[]).includes(raw.status) &&
    isNullableNumber(raw.pendingSince) &&
    isNumber(raw.pendingPoints) &&
    isNullableNumber(raw.firingSince) &&
    isNullableNumber(raw.firingEventId) &&
    (raw.firingTitle == null || typeof raw.firingTitle === 'string') &&
    isNullableNumber(raw.lastNotifiedAt) &&
    isNumber(raw.reminders) &&
    isNullableNumber(raw.lastValue) &&
    isNullableNumber(raw.lastAt) &&
    isNumber(raw.watchingSince) &&
    (raw.unit === undefined || typeof raw.unit === 'string');
  const r = (usual ? raw : v.parse(stateSchema, raw)) as v.InferOutput<typeof stateSchema>;
  return {
    state: {
      status: r.status,
      pendingSince: r.pendingSince ?? null,
      pendingPoints: r.pendingPoints,
      firingSince: r.firingSince ?? null,
      firingEventId: r.firingEventId ?? null,
      firingTitle: r.firingTitle ?? null,
      lastNotifiedAt: r.lastNotifiedAt ?? null,
      reminders: r.reminders,
      lastValue: r.lastValue ?? null,
      lastAt: r.lastAt ?? null,
      watchingSince: r.watchingSince,
    } satisfies Record<keyof RuleState, unknown>,
    unit: r.unit ?? '',
  };
}

export function savedStateJson(saved: SavedState): string {
  return JSON.stringify(savedStateObject(saved));
}

/** What a stored state's JSON holds (savedStateJson, and an entry of a metric and store's row). */
export function savedStateObject({ state: t, unit }: SavedState): Record<string, unknown> {
  // Field by field, not a spread: every point of every rule writes its state, and copying the
  // state into a new object first tripled the cost of this line. Empty fields are left out
  // (undefined): a waiting state's JSON is half as long, to write, to read and to store.
  return {
    status: t.status,
    pendingSince: t.pendingSince ?? undefined,
    pendingPoints: t.pendingPoints,
    firingSince: t.firingSince ?? undefined,
    firingEventId: t.firingEventId ?? undefined,
    firingTitle: t.firingTitle ?? undefined,
    lastNotifiedAt: t.lastNotifiedAt ?? undefined,
    reminders: t.reminders,
    lastValue: t.lastValue ?? undefined,
    lastAt: t.lastAt ?? undefined,
    watchingSince: t.watchingSince,
    unit: unit || undefined,
  } satisfies Record<keyof RuleState | 'unit', unknown>;
}

/**
 * Whether a state changed in what metric_rule_states shows and is queried by: anything but the last
 * value and time, which every point changes (those are the metric and store row's alone).
 */
export function indexedFieldsDiffer(a: RuleState, b: RuleState): boolean {
  return (
    a.status !== b.status ||
    a.pendingSince !== b.pendingSince ||
    a.pendingPoints !== b.pendingPoints ||
    a.firingSince !== b.firingSince ||
    a.firingEventId !== b.firingEventId ||
    a.firingTitle !== b.firingTitle ||
    a.lastNotifiedAt !== b.lastNotifiedAt ||
    a.reminders !== b.reminders ||
    a.watchingSince !== b.watchingSince
  );
}
