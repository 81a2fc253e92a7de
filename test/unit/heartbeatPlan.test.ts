// The heartbeat planner alone: plain data in, state and actions out (no database, no clock).
import { describe, expect, it, vi } from 'vitest';
import { loadChinaHolidays } from '../../server/calendar/chinaHolidays.ts';
import { createWorkdayCalendar } from '../../server/calendar/workdays.ts';
import { expectation, initialHeartbeatState, planHeartbeat, restartWatching, type HeartbeatSchedule, type HeartbeatState } from '../../server/heartbeats/plan.ts';
import { parseSchedule } from '../../server/reports/cron.ts';

const TZ = 'Asia/Shanghai';
const MIN = 60_000;
const at = (local: string) => Date.parse(`${local}+08:00`);
const calendar = createWorkdayCalendar(loadChinaHolidays(), []);

const period = (minutes: number, over: Partial<HeartbeatSchedule> = {}): HeartbeatSchedule => ({
  schedule: { kind: 'period', minutes },
  timeZone: TZ,
  graceMinutes: 10,
  calendar: 'every_day',
  reminderHours: 2,
  paused: false,
  ...over,
});
const cron = (expr: string, over: Partial<HeartbeatSchedule> = {}): HeartbeatSchedule => {
  const parsed = parseSchedule(expr, TZ);
  if (!parsed.ok) throw new Error(expr);
  return { ...period(0), schedule: { kind: 'cron', cron: parsed.cron }, ...over };
};

/** Feeds inputs in order; answers the last state and every action type. */
function run(check: HeartbeatSchedule, state: HeartbeatState, inputs: Array<Parameters<typeof planHeartbeat>[2]>) {
  const actions: string[] = [];
  for (const input of inputs) {
    const plan = planHeartbeat(check, state, input, calendar);
    state = plan.state;
    actions.push(...plan.actions.map((a) => `${a.type}:${a.reason}`));
  }
  return { state, actions };
}

describe('planHeartbeat', () => {
  const t0 = at('2026-11-30T10:00:00');
  const fresh = initialHeartbeatState(t0);

  it('new expects nothing; a success makes it up; past due is late, past the grace down once', () => {
    expect(run(period(60), fresh, [{ type: 'tick', now: t0 + 10 * 3600_000 }]).state.status).toBe('new');
    const up = run(period(60), fresh, [{ type: 'ping', kind: 'success', at: t0 }]).state;
    expect(up.status).toBe('up');
    expect(expectation(period(60), up, calendar)).toEqual({ dueAt: t0 + 60 * MIN, downAt: t0 + 70 * MIN, reason: 'missed' });
    expect(run(period(60), up, [{ type: 'tick', now: t0 + 65 * MIN }]).state.status).toBe('late');
    const down = run(period(60), up, [
      { type: 'tick', now: t0 + 70 * MIN },
      { type: 'tick', now: t0 + 80 * MIN },
      { type: 'tick', now: t0 + 90 * MIN },
    ]);
    expect(down.actions).toEqual(['down:missed']);
    expect(down.state).toMatchObject({ status: 'down', downSince: t0 + 70 * MIN, downExpectedAt: t0 + 60 * MIN, lastPingAt: t0 });
  });

  it('a restart or a clock jump far ahead gives one down, and at most one reminder at once', () => {
    const up = run(period(15), fresh, [{ type: 'ping', kind: 'success', at: t0 }]).state;
    const later = run(period(15), up, [
      { type: 'tick', now: t0 + 10 * 3600_000 },
      { type: 'tick', now: t0 + 10 * 3600_000 },
    ]);
    expect(later.actions).toEqual(['down:missed']);
    // Reminders: every 2 h from the alert, one per due time however long the gap.
    const reminded = run(period(15), later.state, [
      { type: 'tick', now: t0 + 11 * 3600_000 },
      { type: 'tick', now: t0 + 12 * 3600_000 },
      { type: 'tick', now: t0 + 30 * 3600_000 },
      { type: 'tick', now: t0 + 31 * 3600_000 },
    ]);
    expect(reminded.actions).toEqual(['reminder:missed', 'reminder:missed']);
    // A clock stepped back changes nothing.
    expect(run(period(15), later.state, [{ type: 'tick', now: t0 }]).actions).toEqual([]);
  });

  it('fails at once with the message, once per outage; a success recovers once, naming when it began', () => {
    const r = run(period(60), fresh, [
      { type: 'ping', kind: 'fail', at: t0, message: 'boom', exitCode: 2 },
      { type: 'ping', kind: 'fail', at: t0 + MIN, message: 'again' },
      { type: 'ping', kind: 'success', at: t0 + 5 * MIN },
      { type: 'ping', kind: 'success', at: t0 + 6 * MIN },
    ]);
    expect(r.actions).toEqual(['down:failed', 'recovered:failed']);
    const first = planHeartbeat(period(60), fresh, { type: 'ping', kind: 'fail', at: t0, message: 'boom', exitCode: 2 }, calendar).actions[0]!;
    expect(first).toMatchObject({ message: 'boom', exitCode: 2, downSince: t0 });
    const down = run(period(60), fresh, [{ type: 'ping', kind: 'fail', at: t0 }]).state;
    expect(planHeartbeat(period(60), down, { type: 'ping', kind: 'success', at: t0 + 95 * MIN }, calendar).actions[0]).toMatchObject({ type: 'recovered', downSince: t0, at: t0 + 95 * MIN });
  });

  it('a check-in after the grace, before any tick judged it: the missed run is announced, then recovered', () => {
    const up = run(period(60), fresh, [{ type: 'ping', kind: 'success', at: t0 }]).state;
    // Down at t0 + 70 min; the task checks in 40 minutes later and the minute timer has not run.
    const late = run(period(60), up, [{ type: 'ping', kind: 'success', at: t0 + 110 * MIN }]);
    expect(late.actions).toEqual(['down:missed', 'recovered:missed']);
    expect(late.state).toMatchObject({ status: 'up', lastRunAt: t0 + 110 * MIN, downSince: null });
    // A failure after the grace: one outage (missed), not a second down for the failure.
    expect(run(period(60), up, [{ type: 'ping', kind: 'fail', at: t0 + 110 * MIN }]).actions).toEqual(['down:missed']);
    // A start after the grace: the missed run is announced; the check stays down until a success.
    expect(run(period(60), up, [{ type: 'ping', kind: 'start', at: t0 + 110 * MIN }])).toMatchObject({ actions: ['down:missed'], state: { status: 'down' } });
    // Within the grace a check-in is on time: nothing to announce.
    expect(run(period(60), up, [{ type: 'ping', kind: 'success', at: t0 + 69 * MIN }]).actions).toEqual([]);
  });

  it('a start must finish within the grace', () => {
    const r = run(period(1440), fresh, [
      { type: 'ping', kind: 'start', at: t0 },
      { type: 'tick', now: t0 + 9 * MIN },
      { type: 'tick', now: t0 + 10 * MIN },
    ]);
    expect(r.actions).toEqual(['down:unfinished']);
    // Under way inside its grace: running, not late.
    expect(run(period(1440), fresh, [{ type: 'ping', kind: 'start', at: t0 }, { type: 'tick', now: t0 + 9 * MIN }]).state.status).toBe('up');
    const finished = run(period(1440), fresh, [
      { type: 'ping', kind: 'start', at: t0 },
      { type: 'ping', kind: 'success', at: t0 + 8 * MIN },
      { type: 'tick', now: t0 + 11 * MIN },
    ]);
    expect(finished.actions).toEqual([]);
    expect(finished.state.startedAt).toBeNull();
  });

  it('paused never fires, only remembers when it was seen; resuming watches from then on', () => {
    const up = run(period(60), fresh, [{ type: 'ping', kind: 'success', at: t0 }]).state;
    const paused = period(60, { paused: true });
    const r = run(paused, up, [
      { type: 'tick', now: t0 + 5 * 3600_000 },
      { type: 'ping', kind: 'fail', at: t0 + 5 * 3600_000 },
    ]);
    expect(r.actions).toEqual([]);
    expect(r.state.lastPingAt).toBe(t0 + 5 * 3600_000);
    const resumed = restartWatching(r.state, t0 + 6 * 3600_000);
    expect(run(period(60), resumed, [{ type: 'tick', now: t0 + 6 * 3600_000 + 69 * MIN }]).actions).toEqual([]);
    expect(run(period(60), resumed, [{ type: 'tick', now: t0 + 6 * 3600_000 + 70 * MIN }]).actions).toEqual(['down:missed']);
  });

  it('a workday cron check expects nothing over 国庆 and fires on the first workday after it (real calendar data)', () => {
    const nightly = cron('0 2 * * *', { calendar: 'workdays_cn', graceMinutes: 30 });
    const ranSep30 = run(nightly, initialHeartbeatState(at('2026-09-29T00:00:00')), [{ type: 'ping', kind: 'success', at: at('2026-09-30T02:05:00') }]).state;
    expect(expectation(nightly, ranSep30, calendar)?.dueAt).toBe(at('2026-10-08T02:00:00'));
    const holiday = run(nightly, ranSep30, [3, 4, 5, 6, 7].map((d) => ({ type: 'tick' as const, now: at(`2026-10-0${d}T12:00:00`) })));
    expect(holiday.actions).toEqual([]);
    // A failure reported on a holiday does not fire for a workday check.
    expect(run(nightly, ranSep30, [{ type: 'ping', kind: 'fail', at: at('2026-10-02T02:00:00') }]).actions).toEqual([]);
    expect(run(nightly, ranSep30, [{ type: 'tick', now: at('2026-10-08T02:31:00') }]).actions).toEqual(['down:missed']);
    // Saturday 2026-10-10 is an adjusted working day: expected then.
    const ranOct9 = run(nightly, ranSep30, [{ type: 'ping', kind: 'success', at: at('2026-10-09T02:01:00') }]).state;
    expect(expectation(nightly, ranOct9, calendar)?.dueAt).toBe(at('2026-10-10T02:00:00'));
  });

  it('a workday period check starts over at the next workday instead of going down over the weekend', () => {
    const hourly = period(60, { calendar: 'workdays_cn' });
    // Friday 2026-11-27 23:30: due Saturday 00:30 is not a workday, so Monday 00:00 + 1 h.
    const friday = run(hourly, initialHeartbeatState(at('2026-11-27T09:00:00')), [{ type: 'ping', kind: 'success', at: at('2026-11-27T23:30:00') }]).state;
    expect(expectation(hourly, friday, calendar)).toMatchObject({ dueAt: at('2026-11-30T01:00:00'), downAt: at('2026-11-30T01:10:00') });
    expect(run(hourly, friday, [{ type: 'tick', now: at('2026-11-29T12:00:00') }]).actions).toEqual([]);
  });
});

describe('cron checks on the workday calendar across a long holiday', () => {
  it('a check every 5 minutes whose task died before National Day goes down on the first workday after it', () => {
    const check = cron('*/5 * * * *', { calendar: 'workdays_cn', graceMinutes: 15 });
    const { state } = run(check, initialHeartbeatState(at('2025-09-30T08:00:00')), [{ type: 'ping', kind: 'success', at: at('2025-09-30T23:55:10') }]);
    expect(expectation(check, state, calendar)?.dueAt).toBe(at('2025-10-09T00:00:00'));
    expect(run(check, state, [{ type: 'tick', now: at('2025-10-03T12:00:00') }]).actions).toEqual([]);
    expect(run(check, state, [{ type: 'tick', now: at('2025-10-09T12:00:00') }]).actions).toEqual(['down:missed']);
  });

  it("a tick with the engine's memo works a due time out once: the next ticks ask croner nothing", () => {
    const check = cron('0 * * * *', { calendar: 'workdays_cn' });
    const { state } = run(check, initialHeartbeatState(at('2025-09-30T08:00:00')), [{ type: 'ping', kind: 'success', at: at('2025-09-30T23:55:00') }]);
    if (check.schedule.kind !== 'cron') throw new Error('cron');
    const nextRun = vi.spyOn(check.schedule.cron, 'nextRun');
    const memo = new Map<string, number | undefined>();
    planHeartbeat(check, state, { type: 'tick', now: at('2025-10-03T12:00:00') }, calendar, memo);
    const first = nextRun.mock.calls.length;
    expect(first).toBeGreaterThan(0);
    for (let i = 1; i <= 60; i++) planHeartbeat(check, state, { type: 'tick', now: at('2025-10-03T12:00:00') + i * MIN }, calendar, memo);
    expect(nextRun.mock.calls.length).toBe(first);
  });
});
