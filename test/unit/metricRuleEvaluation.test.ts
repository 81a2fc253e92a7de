import { describe, expect, it } from 'vitest';
import { alertForAction, renderTitle, titleProblems } from '../../server/metricRules/alerts.ts';
import { backtest } from '../../server/metricRules/backtest.ts';
import type { Condition, Hold, MetricRule } from '../../server/metricRules/definition.ts';
import { initialState, onPoint, onTick, type EvalContext, type RuleAction, type RuleState } from '../../server/metricRules/evaluate.ts';
import { sameTimeDaysEarlier } from '../../server/time/calendar.ts';
import { describeCondition } from '../../server/metricRules/describe.ts';
import { parseSavedState, savedStateJson } from '../../server/metricRules/ruleRows.ts';

const MIN = 60_000;
const HOUR = 3600_000;
const T0 = Date.parse('2026-03-02T00:00:00Z');

function rule(condition: Condition, hold: Hold = { kind: 'points', count: 1 }, extra: Partial<MetricRule> = {}): MetricRule {
  return {
    id: 1,
    name: 'test rule',
    metric: '退款率',
    store: null,
    condition,
    hold,
    severity: 'warning',
    category: 'orders',
    mention: 'none',
    title: '{{metric}} {{value}}{{unit}} ({{change}} vs {{previous}}) @ {{store}}',
    reminderHours: 4,
    enabled: true,
    createdAt: T0,
    ...extra,
  };
}

/** A stored history the rule can look back into, as the database would answer. */
function history(points: Array<[number, number]>, timeZone = 'Asia/Shanghai'): EvalContext {
  return {
    timeZone,
    valueBetween: (from, until) => points.filter(([at]) => at > from && at <= until).sort((a, b) => a[0] - b[0]).at(-1)?.[1],
  };
}

const noHistory = history([]);

/** Feeds points in order; returns every action and the final state. */
function run(r: MetricRule, points: Array<[number, number]>, ctx: EvalContext = noHistory, start: RuleState = initialState(T0)) {
  let state = start;
  const actions: RuleAction[] = [];
  for (const [at, value] of points) {
    const step = onPoint(r, state, { at, value }, ctx);
    state = step.state;
    actions.push(...step.actions);
  }
  return { state, actions };
}

describe('threshold rules', () => {
  it('fires on the first point above the threshold with a hold of one point, and resolves below it', () => {
    const r = rule({ type: 'threshold', op: 'above', value: 5 });
    const { state, actions } = run(r, [
      [T0, 4],
      [T0 + MIN, 6],
      [T0 + 2 * MIN, 7],
      [T0 + 3 * MIN, 5],
    ]);
    expect(actions.map((a) => [a.type, a.at, a.value])).toEqual([
      ['firing', T0 + MIN, 6],
      ['resolved', T0 + 3 * MIN, 5],
    ]);
    expect(actions[1]!.firingSince).toBe(T0 + MIN);
    expect(state.status).toBe('resolved');
  });

  it('below: fires under the number only', () => {
    const r = rule({ type: 'threshold', op: 'below', value: 10 });
    expect(run(r, [[T0, 10], [T0 + MIN, 9.9]]).actions.map((a) => a.type)).toEqual(['firing']);
  });

  it('holds for N consecutive points: a point back under the threshold starts the count over, without a word', () => {
    const r = rule({ type: 'threshold', op: 'above', value: 5 }, { kind: 'points', count: 3 });
    const { actions, state } = run(r, [
      [T0, 6],
      [T0 + MIN, 6],
      [T0 + 2 * MIN, 4],
      [T0 + 3 * MIN, 6],
      [T0 + 4 * MIN, 6],
    ]);
    expect(actions).toEqual([]);
    expect(state).toMatchObject({ status: 'pending', pendingPoints: 2, pendingSince: T0 + 3 * MIN });
    const next = onPoint(r, state, { at: T0 + 5 * MIN, value: 8 }, noHistory);
    expect(next.actions.map((a) => [a.type, a.at])).toEqual([['firing', T0 + 5 * MIN]]);
  });

  it('holds for a duration: "above 5 for 15 minutes" fires on the first point 15 minutes after the condition began', () => {
    const r = rule({ type: 'threshold', op: 'above', value: 5 }, { kind: 'duration', minutes: 15 });
    const { actions } = run(r, [
      [T0, 6],
      [T0 + 5 * MIN, 6],
      [T0 + 10 * MIN, 6],
      [T0 + 14 * MIN, 6],
      [T0 + 15 * MIN, 6],
    ]);
    expect(actions.map((a) => [a.type, a.at])).toEqual([['firing', T0 + 15 * MIN]]);
  });

  it('a pending rule that recovers goes back to ok and never sends a resolved message', () => {
    const r = rule({ type: 'threshold', op: 'above', value: 5 }, { kind: 'duration', minutes: 15 });
    const { actions, state } = run(r, [
      [T0, 6],
      [T0 + 10 * MIN, 4],
    ]);
    expect(actions).toEqual([]);
    expect(state.status).toBe('ok');
  });

  it('a point older than the last one judged is ignored (late arrivals do not flip the state)', () => {
    const r = rule({ type: 'threshold', op: 'above', value: 5 });
    const { state } = run(r, [[T0 + 10 * MIN, 6]]);
    const late = onPoint(r, state, { at: T0, value: 1 }, noHistory);
    expect(late.actions).toEqual([]);
    expect(late.state.status).toBe('firing');
  });
});

describe('reminders', () => {
  const r = rule({ type: 'threshold', op: 'above', value: 5 });

  it('remind at most every reminderHours while firing, on points or on ticks', () => {
    const fired = run(r, [[T0, 6]]).state;
    expect(onTick(r, fired, T0 + 4 * HOUR - 1).actions).toEqual([]);
    const reminded = onTick(r, fired, T0 + 4 * HOUR);
    expect(reminded.actions.map((a) => [a.type, a.firingSince])).toEqual([['reminder', T0]]);
    // A point still above soon after does not remind again.
    expect(onPoint(r, reminded.state, { at: T0 + 5 * HOUR, value: 9 }, noHistory).actions).toEqual([]);
    expect(onPoint(r, reminded.state, { at: T0 + 8 * HOUR, value: 9 }, noHistory).actions.map((a) => a.type)).toEqual(['reminder']);
  });

  it('reminderHours 0 means no reminders', () => {
    const quiet = rule({ type: 'threshold', op: 'above', value: 5 }, undefined, { reminderHours: 0 });
    expect(onTick(quiet, run(quiet, [[T0, 6]]).state, T0 + 100 * HOUR).actions).toEqual([]);
  });

  it('an ok rule has nothing to say on a tick', () => {
    expect(onTick(r, run(r, [[T0, 1]]).state, T0 + 100 * HOUR).actions).toEqual([]);
  });
});

describe('change rules', () => {
  it('against the previous value, by percent, down', () => {
    const r = rule({ type: 'change', baseline: 'previous', direction: 'down', by: 'percent', amount: 30 });
    const { actions } = run(r, [
      [T0, 100],
      [T0 + HOUR, 80],
      [T0 + 2 * HOUR, 50],
      [T0 + 3 * HOUR, 55],
    ]);
    expect(actions.map((a) => [a.type, a.value, a.previous, a.change])).toEqual([
      ['firing', 50, 80, -37.5],
      ['resolved', 55, 50, 10],
    ]);
  });

  it('by an absolute amount, up', () => {
    const r = rule({ type: 'change', baseline: 'previous', direction: 'up', by: 'absolute', amount: 10 });
    expect(run(r, [[T0, 5], [T0 + MIN, 14], [T0 + 2 * MIN, 24]]).actions.map((a) => [a.type, a.change])).toEqual([['firing', 10]]);
  });

  it('the first point of a store has nothing to compare with; a zero baseline has no percentage', () => {
    const r = rule({ type: 'change', baseline: 'previous', direction: 'up', by: 'percent', amount: 10 });
    const { state, actions } = run(r, [[T0, 0], [T0 + MIN, 50]]);
    expect(actions).toEqual([]);
    expect(state).toMatchObject({ status: 'ok', lastValue: 50 });
  });

  it('same time 1 day earlier in Asia/Shanghai is 24 h back; no point near that time means no judgement (a gap)', () => {
    const r = rule({ type: 'change', baseline: '1d', direction: 'down', by: 'percent', amount: 30 });
    const now = Date.parse('2026-03-02T09:00:00+08:00');
    const ctx = history([[now - 24 * HOUR - 10 * MIN, 1000]]);
    const { actions } = run(r, [[now, 600]], ctx);
    expect(actions.map((a) => [a.type, a.previous, a.change])).toEqual([['firing', 1000, -40]]);
    // Only a point from more than an hour before that time: a gap, nothing is judged.
    const gap = history([[now - 26 * HOUR, 1000]]);
    expect(run(r, [[now, 600]], gap).actions).toEqual([]);
  });

  it('same time 7 days earlier compares with last week', () => {
    const r = rule({ type: 'change', baseline: '7d', direction: 'down', by: 'percent', amount: 30 });
    const now = Date.parse('2026-03-09T10:00:00+08:00');
    const ctx = history([[now - 7 * 24 * HOUR, 200], [now - 24 * HOUR, 100]]);
    expect(run(r, [[now, 120]], ctx).actions.map((a) => a.previous)).toEqual([200]);
  });

  it('a gap in the baseline leaves a firing rule firing (no false resolution) until a point can be judged', () => {
    const r = rule({ type: 'change', baseline: '1d', direction: 'down', by: 'percent', amount: 30 });
    const now = Date.parse('2026-03-02T09:00:00+08:00');
    const ctx = history([[now - 24 * HOUR, 1000]]);
    const fired = run(r, [[now, 500]], ctx).state;
    const inGap = onPoint(r, fired, { at: now + 3 * HOUR, value: 1000 }, ctx);
    expect(inGap.actions).toEqual([]);
    expect(inGap.state.status).toBe('firing');
  });
});

describe('same time N days earlier', () => {
  it('is exactly 24 h and 168 h back in Asia/Shanghai', () => {
    const at = Date.parse('2026-03-29T09:00:00+08:00');
    expect(sameTimeDaysEarlier(at, 1, 'Asia/Shanghai')).toBe(at - 24 * HOUR);
    expect(sameTimeDaysEarlier(at, 7, 'Asia/Shanghai')).toBe(at - 168 * HOUR);
  });

  it('keeps the wall-clock time across a DST change (Europe/Berlin, 29 March 2026: 23-hour day)', () => {
    const at = Date.parse('2026-03-30T09:00:00+02:00'); // the Monday after the change, summer time
    const yesterday = sameTimeDaysEarlier(at, 1, 'Europe/Berlin');
    expect(new Date(yesterday).toISOString()).toBe('2026-03-29T07:00:00.000Z'); // 09:00 CEST
    const dayBefore = sameTimeDaysEarlier(Date.parse('2026-03-29T09:00:00+02:00'), 1, 'Europe/Berlin');
    expect(new Date(dayBefore).toISOString()).toBe('2026-03-28T08:00:00.000Z'); // 09:00 CET, 23 h earlier
    const lastWeek = sameTimeDaysEarlier(at, 7, 'Europe/Berlin');
    expect(new Date(lastWeek).toISOString()).toBe('2026-03-23T08:00:00.000Z'); // 09:00 CET, 167 h earlier
  });

  it('a change rule against yesterday in New York compares with 09:00 yesterday across the autumn change (25-hour day)', () => {
    const r = rule({ type: 'change', baseline: '1d', direction: 'up', by: 'absolute', amount: 5 });
    const now = Date.parse('2026-11-01T09:00:00-05:00'); // the change was at 02:00 that morning
    const nineYesterday = Date.parse('2026-10-31T09:00:00-04:00');
    const sameInstantLessOneDay = now - 24 * HOUR; // 10:00 on 31 October: the wrong baseline
    const ctx = history([[nineYesterday, 10], [sameInstantLessOneDay, 100]], 'America/New_York');
    expect(nineYesterday).toBe(now - 24 * HOUR - HOUR);
    expect(run(r, [[now, 20]], ctx).actions.map((a) => [a.type, a.previous])).toEqual([['firing', 10]]);
  });
});

describe('no-data rules', () => {
  const r = rule({ type: 'no_data', minutes: 120 });

  it('fires when no point came for N minutes after the last one, and resolves when data comes back', () => {
    const seen = run(r, [[T0, 5]]).state;
    expect(onTick(r, seen, T0 + 119 * MIN).actions).toEqual([]);
    const fired = onTick(r, seen, T0 + 121 * MIN);
    expect(fired.actions.map((a) => [a.type, a.firingSince])).toEqual([['firing', T0 + 120 * MIN]]);
    expect(onTick(r, fired.state, T0 + 122 * MIN).actions).toEqual([]);
    const back = onPoint(r, fired.state, { at: T0 + 3 * HOUR, value: 1 }, noHistory);
    expect(back.actions.map((a) => [a.type, a.at - a.firingSince])).toEqual([['resolved', HOUR]]);
  });

  it('counts silence from when watching began if no point ever came (a rule for one store)', () => {
    const fresh = initialState(T0);
    expect(onTick(r, fresh, T0 + 120 * MIN).actions.map((a) => a.type)).toEqual(['firing']);
  });
});

describe('messages', () => {
  it('titles use the report template engine: known placeholders filled, unknown ones left visible and reported', () => {
    const r = rule({ type: 'change', baseline: 'previous', direction: 'down', by: 'percent', amount: 30 }, undefined, {
      title: 'GMV {{change}} ({{value}}{{unit}} vs {{previous}}) {{store}} {{oops}}',
    });
    expect(renderTitle(r, { value: 50, previous: 80, change: -37.5 }, { store: '旗舰店', unit: '元' })).toBe('GMV -37.5% (50元 vs 80) 旗舰店 {{oops}}');
    expect(titleProblems(r.title)).toEqual([{ code: 'unknown', placeholder: '{{oops}}' }]);
    expect(titleProblems('{{metric "x"}} {{job.name}}').map((p) => p.code)).toEqual(['unknown', 'unknown']);
  });

  it('the resolved message says the value now, names the firing it ends and how long it lasted', () => {
    const r = rule({ type: 'threshold', op: 'above', value: 5 });
    const fired = run(r, [[T0, 6]]);
    const firing = alertForAction(r, fired.actions[0]!, initialState(T0), { store: 'A', unit: '%', lang: 'en', timeZone: 'Asia/Shanghai' });
    const state = { ...fired.state, firingEventId: 42, firingTitle: firing.title };
    const resolved = onPoint(r, state, { at: T0 + 90 * MIN, value: 3 }, noHistory).actions[0]!;
    const msg = alertForAction(r, resolved, state, { store: 'A', unit: '%', lang: 'en', timeZone: 'Asia/Shanghai' });
    // The value that ended it, not the firing's: never "[Resolved] … 6%" above a body saying 3%.
    expect(msg.title).toBe('[Resolved] test rule · A: 退款率 now 3%');
    expect(msg.summary).toContain(`Ends “${firing.title}”`);
    expect(msg.summary).toContain('event #42');
    expect(msg.summary).toContain('lasted 1 h 30 min');
    expect(msg.store).toBe('A');
    // Marked for the "resolved" message template; the firing is not.
    expect(msg.resolved).toBe(true);
    expect(firing.resolved).toBeUndefined();
    const zh = alertForAction(r, resolved, state, { store: 'A', unit: '%', lang: 'zh', timeZone: 'Asia/Shanghai' });
    expect(zh.title).toBe('[已恢复] test rule · A：退款率 当前 3%');
    expect(zh.summary).toContain(`告警“${firing.title}”`);
    expect(zh.summary).toContain('持续 1 小时 30 分钟');
  });

  it('only the firing mentions; reminders and the resolution do not', () => {
    const r = rule({ type: 'threshold', op: 'above', value: 5 }, undefined, { mention: 'all' });
    const fired = run(r, [[T0, 6]]);
    const ctx = { store: '', unit: '', lang: 'zh' as const, timeZone: 'Asia/Shanghai' };
    expect(alertForAction(r, fired.actions[0]!, initialState(T0), ctx).mention).toBe('all');
    const reminder = onTick(r, fired.state, T0 + 4 * HOUR).actions[0]!;
    expect(alertForAction(r, reminder, fired.state, ctx)).toMatchObject({ mention: 'none', title: expect.stringMatching(/^\[仍在告警 · 4 小时\]/) });
  });
});

describe('backtest', () => {
  it('lists when a rule would have fired and resolved, per store, with the stores that appear later judged from their first point', () => {
    const r = rule({ type: 'threshold', op: 'above', value: 5 }, { kind: 'duration', minutes: 15 });
    const points = [
      { store: 'A', at: T0, value: 6 },
      { store: 'A', at: T0 + 15 * MIN, value: 7 },
      { store: 'A', at: T0 + 5 * HOUR, value: 8 },
      { store: 'A', at: T0 + 6 * HOUR, value: 1 },
      { store: 'B', at: T0 + 7 * HOUR, value: 9 },
      { store: 'B', at: T0 + 7 * HOUR + 20 * MIN, value: 9 },
    ];
    const result = backtest(r, points, T0, T0 + 24 * HOUR, 'Asia/Shanghai');
    expect(result.episodes).toEqual([
      { store: 'A', firedAt: T0 + 15 * MIN, value: 7, resolvedAt: T0 + 6 * HOUR, reminders: 1 },
      { store: 'B', firedAt: T0 + 7 * HOUR + 20 * MIN, value: 9, resolvedAt: null, reminders: 4 },
    ]);
    expect(result).toMatchObject({ points: 6, stores: 2 });
  });

  it('no-data rules fire inside the gaps of the history, and only for stores once they have reported', () => {
    const r = rule({ type: 'no_data', minutes: 120 }, undefined, { reminderHours: 0 });
    const points = [
      { store: 'A', at: T0, value: 1 },
      { store: 'A', at: T0 + HOUR, value: 1 },
      { store: 'A', at: T0 + 5 * HOUR, value: 1 },
      { store: 'B', at: T0 + 20 * HOUR, value: 1 },
    ];
    const { episodes } = backtest(r, points, T0, T0 + 21 * HOUR, 'Asia/Shanghai');
    expect(episodes.map((e) => [e.store, e.firedAt, e.resolvedAt])).toEqual([
      ['A', T0 + 3 * HOUR, T0 + 5 * HOUR],
      ['A', T0 + 7 * HOUR, null],
    ]);
  });
});

describe('rule descriptions', () => {
  it('a change against an earlier day reads as words in Chinese: never "相比1 天前", a space only between words and numbers', () => {
    const change = (baseline: 'previous' | '1d' | '7d') => ({ metric: '订单量', condition: { type: 'change', direction: 'down', by: 'percent', amount: 30, baseline } as Condition, hold: { kind: 'points', count: 1 } as Hold });
    expect(describeCondition(change('1d'), 'zh')).toBe('订单量 相比前一天同一时间下降 30%');
    expect(describeCondition(change('7d'), 'zh')).toBe('订单量 相比上周同一时间下降 30%');
    expect(describeCondition(change('previous'), 'zh')).toBe('订单量 相比上一个值下降 30%');
    expect(describeCondition(change('1d'), 'en')).toBe('订单量 down 30% against the same time 1 day earlier');
  });
});

describe('stored rule states', () => {
  const firing: RuleState = { ...initialState(1_000), status: 'firing', firingSince: 2_000, firingEventId: 7, firingTitle: 'GMV 3 (Tmall)', lastNotifiedAt: 2_000, lastValue: 3, lastAt: 2_000 };

  it('read back exactly as written, unit included', () => {
    for (const saved of [{ state: initialState(5), unit: '' }, { state: firing, unit: '元' }]) expect(parseSavedState(savedStateJson(saved))).toEqual(saved);
  });

  it('a state from before units were kept reads with no unit, and keys the evaluator does not know are dropped', () => {
    const { unit: _unit, ...old } = JSON.parse(savedStateJson({ state: firing, unit: 'x' })) as Record<string, unknown>;
    expect(parseSavedState(JSON.stringify(old))).toEqual({ state: firing, unit: '' });
    expect(parseSavedState(JSON.stringify({ ...old, extra: 1 })).state).toEqual(firing);
  });

  it('empty fields are left out of the stored JSON, and a state written with them, as before, reads the same', () => {
    const waiting = { ...initialState(5), lastValue: 500, lastAt: 6 };
    const json = savedStateJson({ state: waiting, unit: '' });
    expect(JSON.parse(json)).toEqual({ status: 'ok', pendingPoints: 0, reminders: 0, lastValue: 500, lastAt: 6, watchingSince: 5 });
    const before = JSON.stringify({ ...waiting, unit: '' });
    expect(before.length).toBeGreaterThan(json.length * 1.7);
    expect(parseSavedState(before)).toEqual({ state: waiting, unit: '' });
    expect(parseSavedState(json)).toEqual({ state: waiting, unit: '' });
  });

  it('a damaged state is refused with what is wrong, not judged', () => {
    const json = savedStateJson({ state: firing, unit: '' });
    expect(() => parseSavedState(json.replace('"status":"firing"', '"status":"burning"'))).toThrow(/Invalid type: Expected \("ok"/);
    expect(() => parseSavedState(json.replace('"lastValue":3', '"lastValue":"3"'))).toThrow(/Expected number but received "3"/);
    expect(() => parseSavedState(json.replace('"reminders":0,', ''))).toThrow(/Invalid (key|type)/);
    expect(() => parseSavedState('null')).toThrow();
  });
});
