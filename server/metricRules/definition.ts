// What a metric rule is, and the valibot schemas its stored JSON parts are read back through.
import * as v from 'valibot';
import { CATEGORIES, SEVERITIES, type Category, type Mention, type Severity } from '../events/schema.ts';

export const THRESHOLD_OPS = ['above', 'below'] as const;
export const CHANGE_BASELINES = ['previous', '1d', '7d'] as const;
export const CHANGE_DIRECTIONS = ['up', 'down'] as const;
export const CHANGE_UNITS = ['percent', 'absolute'] as const;

export type Condition =
  | { type: 'threshold'; op: (typeof THRESHOLD_OPS)[number]; value: number }
  | {
      type: 'change';
      baseline: (typeof CHANGE_BASELINES)[number];
      direction: (typeof CHANGE_DIRECTIONS)[number];
      by: (typeof CHANGE_UNITS)[number];
      amount: number;
      /** For `1d` / `7d`: compare with the last comparable day (workday with workday), skipping holidays. */
      skipHolidays?: boolean;
    }
  | { type: 'no_data'; minutes: number };

/** How long a condition must hold before the rule fires: consecutive points, or a duration. */
export type Hold = { kind: 'points'; count: number } | { kind: 'duration'; minutes: number };

/** The hold a no-data rule is stored with, as its form writes it: the rule does not use one. */
export const NO_DATA_HOLD: Hold = { kind: 'points', count: 1 };

export const DEFAULT_REMINDER_HOURS = 4;

export interface MetricRule {
  id: number;
  name: string;
  metric: string;
  /** One store, or null: every store separately (points without a store are a store of their own). */
  store: string | null;
  condition: Condition;
  hold: Hold;
  severity: Severity;
  category: Category;
  mention: Mention;
  /** Title template: {{value}} {{previous}} {{change}} {{store}} {{metric}} {{unit}}. */
  title: string;
  /** While firing, a reminder at most this often; 0 turns reminders off. */
  reminderHours: number;
  enabled: boolean;
  createdAt: number;
}

const finite = v.pipe(v.number(), v.finite());

export const conditionSchema = v.variant('type', [
  v.object({ type: v.literal('threshold'), op: v.picklist(THRESHOLD_OPS), value: finite }),
  v.object({
    type: v.literal('change'),
    baseline: v.picklist(CHANGE_BASELINES),
    direction: v.picklist(CHANGE_DIRECTIONS),
    by: v.picklist(CHANGE_UNITS),
    amount: v.pipe(finite, v.minValue(0)),
    skipHolidays: v.optional(v.boolean()),
  }),
  v.object({ type: v.literal('no_data'), minutes: v.pipe(v.number(), v.integer(), v.minValue(1)) }),
]);

export const holdSchema = v.variant('kind', [
  v.object({ kind: v.literal('points'), count: v.pipe(v.number(), v.integer(), v.minValue(1)) }),
  v.object({ kind: v.literal('duration'), minutes: v.pipe(v.number(), v.integer(), v.minValue(0)) }),
]);

export const mentionSchema = v.union([v.picklist(['none', 'all']), v.array(v.string())]);

export const categorySchema = v.picklist(CATEGORIES);
export const severitySchema = v.picklist(SEVERITIES);

/**
 * Whether an edit changes what the rule decides (then its state starts over), not just how it speaks.
 * A no-data rule's hold decides nothing (one stored before imports normalised it may differ from its form's).
 */
export function decidesDifferently(a: Pick<MetricRule, 'metric' | 'store' | 'condition' | 'hold'>, b: Pick<MetricRule, 'metric' | 'store' | 'condition' | 'hold'>): boolean {
  if (a.metric !== b.metric || a.store !== b.store || JSON.stringify(a.condition) !== JSON.stringify(b.condition)) return true;
  return a.condition.type !== 'no_data' && JSON.stringify(a.hold) !== JSON.stringify(b.hold);
}
