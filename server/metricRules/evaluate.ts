// The decisions of a metric rule for one store, as pure functions of (rule, state, input):
//   ok → pending (condition true, not held long enough) → firing → resolved (condition false again),
// and from pending back to ok without a word. A point that cannot be judged (no baseline: a gap, a
// store's first point, a zero baseline for a percentage) changes nothing but the last value seen.
import type { Condition, MetricRule } from './definition.ts';
import type { WorkdayCalendar } from '../calendar/workdays.ts';
import { comparableTime } from './comparableDay.ts';
import { sameTimeDaysEarlier } from '../time/calendar.ts';

export type RuleStatus = 'ok' | 'pending' | 'firing' | 'resolved';
export const RULE_STATUSES: readonly RuleStatus[] = ['ok', 'pending', 'firing', 'resolved'];

export interface RuleState {
  status: RuleStatus;
  pendingSince: number | null;
  pendingPoints: number;
  firingSince: number | null;
  /** The alert event that announced the current (or last) firing; set by the caller once stored. */
  firingEventId: number | null;
  firingTitle: string | null;
  lastNotifiedAt: number | null;
  reminders: number;
  lastValue: number | null;
  lastAt: number | null;
  /** No-data rules count silence from here while no point has arrived (rule created or edited). */
  watchingSince: number;
}

export interface RuleAction {
  type: 'firing' | 'reminder' | 'resolved';
  at: number;
  value: number | null;
  previous: number | null;
  change: number | null;
  /** When the firing this action belongs to began. */
  firingSince: number;
  /** The time a same-time baseline was looked up at (its comparable day when holidays are skipped). */
  comparedWith?: number;
}

export interface Step {
  state: RuleState;
  actions: RuleAction[];
}

export interface Point {
  at: number;
  value: number;
}

export interface EvalContext {
  timeZone: string;
  /** The latest value of this rule's metric and store measured in (from, until], if any. */
  valueBetween: (from: number, until: number) => number | undefined;
  /** China's workday calendar, for change rules that skip holidays. */
  calendar?: WorkdayCalendar;
  /**
   * When the point is judged (the engine's clock): a firing told now counts its reminders from
   * now, however late its point came. Absent in a backtest, where a point is judged when measured.
   */
  now?: number;
}

/** A "same time yesterday" baseline is the latest point in the hour up to that time. */
export const BASELINE_TOLERANCE_MS = 3600_000;
const MINUTE = 60_000;
const HOUR = 3600_000;

export function initialState(watchingSince: number): RuleState {
  return {
    status: 'ok',
    pendingSince: null,
    pendingPoints: 0,
    firingSince: null,
    firingEventId: null,
    firingTitle: null,
    lastNotifiedAt: null,
    reminders: 0,
    lastValue: null,
    lastAt: null,
    watchingSince,
  };
}

/** When a same-time baseline is looked up for a point at `at`: undefined for other baselines, or no comparable day. */
export function baselineTime(c: Condition, at: number, ctx: Pick<EvalContext, 'timeZone' | 'calendar'>): number | undefined {
  if (c.type !== 'change' || c.baseline === 'previous') return undefined;
  if (c.skipHolidays && ctx.calendar) return comparableTime(at, c.baseline, ctx.timeZone, ctx.calendar);
  return sameTimeDaysEarlier(at, c.baseline === '1d' ? 1 : 7, ctx.timeZone);
}

/** The baseline a change is measured against, or undefined when there is none to compare with. */
function baselineOf(c: Condition, state: RuleState, at: number, ctx: EvalContext): number | undefined {
  if (c.type !== 'change') return state.lastValue ?? undefined;
  if (c.baseline === 'previous') return state.lastValue ?? undefined;
  const target = baselineTime(c, at, ctx);
  return target === undefined ? undefined : ctx.valueBetween(target - BASELINE_TOLERANCE_MS, target);
}

function comparedAt(c: Condition, at: number, ctx: EvalContext): { comparedWith?: number } {
  const t = baselineTime(c, at, ctx);
  return t === undefined ? {} : { comparedWith: t };
}

/** The change a rule talks about: a percentage for percent rules, else the difference. */
export function changeOf(c: Condition, value: number, baseline: number | undefined): number | null {
  if (baseline === undefined) return null;
  if (c.type === 'change' && c.by === 'percent') return baseline === 0 ? null : ((value - baseline) / Math.abs(baseline)) * 100;
  return value - baseline;
}

/** true / false, or undefined when this point cannot be judged. */
function holds(c: Condition, value: number, change: number | null): boolean | undefined {
  switch (c.type) {
    case 'threshold':
      return c.op === 'above' ? value > c.value : value < c.value;
    case 'change':
      if (change === null) return undefined;
      return c.direction === 'up' ? change >= c.amount : -change >= c.amount;
    case 'no_data':
      return false; // a point is data: it ends a silence
  }
}

function reminderDue(rule: MetricRule, s: RuleState, now: number): boolean {
  return s.status === 'firing' && rule.reminderHours > 0 && s.lastNotifiedAt !== null && now - s.lastNotifiedAt >= rule.reminderHours * HOUR;
}

function remind(rule: MetricRule, s: RuleState, now: number, value: number | null, previous: number | null, change: number | null): Step {
  if (!reminderDue(rule, s, now)) return { state: s, actions: [] };
  return {
    state: { ...s, lastNotifiedAt: now, reminders: s.reminders + 1 },
    actions: [{ type: 'reminder', at: now, value, previous, change, firingSince: s.firingSince ?? now }],
  };
}

/** A point of the rule's metric and store arrived. Points older than the last one judged are only stored. */
export function onPoint(rule: MetricRule, state: RuleState, p: Point, ctx: EvalContext): Step {
  if (state.lastAt !== null && p.at < state.lastAt) return { state, actions: [] };
  const c = rule.condition;
  const baseline = baselineOf(c, state, p.at, ctx);
  const change = changeOf(c, p.value, baseline);
  const previous = baseline ?? null;
  const verdict = holds(c, p.value, change);
  const seen: RuleState = { ...state, lastValue: p.value, lastAt: p.at };

  if (verdict === undefined) return { state: seen, actions: [] };
  if (!verdict) {
    if (state.status === 'firing') {
      const since = state.firingSince ?? p.at;
      return {
        state: { ...seen, status: 'resolved', pendingSince: null, pendingPoints: 0 },
        actions: [{ type: 'resolved', at: p.at, value: p.value, previous, change, firingSince: since }],
      };
    }
    return { state: state.status === 'pending' ? { ...seen, status: 'ok', pendingSince: null, pendingPoints: 0 } : seen, actions: [] };
  }
  if (state.status === 'firing') return remind(rule, seen, p.at, p.value, previous, change);

  const pendingSince = state.status === 'pending' && state.pendingSince !== null ? state.pendingSince : p.at;
  const pendingPoints = state.status === 'pending' ? state.pendingPoints + 1 : 1;
  const held = rule.hold.kind === 'points' ? pendingPoints >= rule.hold.count : p.at - pendingSince >= rule.hold.minutes * MINUTE;
  if (!held) return { state: { ...seen, status: 'pending', pendingSince, pendingPoints }, actions: [] };
  return {
    state: { ...seen, status: 'firing', pendingSince: null, pendingPoints: 0, firingSince: p.at, firingEventId: null, lastNotifiedAt: Math.max(p.at, ctx.now ?? p.at), reminders: 0 },
    actions: [{ type: 'firing', at: p.at, value: p.value, previous, change, firingSince: p.at, ...comparedAt(c, p.at, ctx) }],
  };
}

/** When silence makes a no-data rule fire: `minutes` after the last point (or after watching began). */
export function silenceDeadline(rule: MetricRule, state: RuleState): number | undefined {
  if (rule.condition.type !== 'no_data' || state.status === 'firing') return undefined;
  return (state.lastAt ?? state.watchingSince) + rule.condition.minutes * MINUTE;
}

/** The next time `onTick` would act, so a backtest can visit exactly those moments. */
export function nextDeadline(rule: MetricRule, state: RuleState): number | undefined {
  if (state.status === 'firing') return rule.reminderHours > 0 && state.lastNotifiedAt !== null ? state.lastNotifiedAt + rule.reminderHours * HOUR : undefined;
  return silenceDeadline(rule, state);
}

/** Time passed with no point: a no-data rule may fire, a firing rule may owe a reminder. */
export function onTick(rule: MetricRule, state: RuleState, now: number): Step {
  const deadline = silenceDeadline(rule, state);
  if (deadline !== undefined && now >= deadline) {
    return {
      state: { ...state, status: 'firing', pendingSince: null, pendingPoints: 0, firingSince: deadline, firingEventId: null, lastNotifiedAt: now, reminders: 0 },
      actions: [{ type: 'firing', at: now, value: state.lastValue, previous: null, change: null, firingSince: deadline }],
    };
  }
  return remind(rule, state, now, state.lastValue, null, null);
}
