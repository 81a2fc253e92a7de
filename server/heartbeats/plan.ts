// The decisions of one heartbeat check, as pure functions of (check, state, input, calendar):
//   new (never pinged) → up → late (past due, inside the grace) → down → (a success) up again,
// and paused, where nothing is judged. Time is an input: a tick at `now`, or a ping at its `at`.
// Down alerts once per outage (its `down` action), reminds at most every N hours while down, and a
// success ends the outage with one `recovered`. Deadlines come from state, never from how many ticks
// ran, so a restart, a clock jump or a late timer all give one `down` for one outage.
import type { Cron } from 'croner';
import { calendarAllows, calendarAllowsDate, type CalendarChoice, type WorkdayCalendar } from '../calendar/workdays.ts';
import { nextFireTime } from '../reports/cron.ts';
import { localDate, localDateStart } from '../time/calendar.ts';

export type HeartbeatStatus = 'new' | 'up' | 'late' | 'down';
export type PingKind = 'start' | 'success' | 'fail';
export type DownReason = 'missed' | 'failed' | 'unfinished';

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** What the planner needs of a check: its schedule, grace, calendar, reminders, and whether it is paused. */
export interface HeartbeatSchedule {
  schedule: { kind: 'period'; minutes: number } | { kind: 'cron'; cron: Cron };
  timeZone: string;
  graceMinutes: number;
  calendar: CalendarChoice;
  reminderHours: number;
  paused: boolean;
}

export interface HeartbeatState {
  status: HeartbeatStatus;
  /** The last check-in of any kind (what the console shows as "last seen"). */
  lastPingAt: number | null;
  lastPingKind: PingKind | null;
  /** The last finished run (success or fail): the schedule counts from here. */
  lastRunAt: number | null;
  /** A start not yet followed by its finish. */
  startedAt: number | null;
  /** Expectations count from here too: when the check was created, its schedule edited, or it was resumed. */
  watchingSince: number;
  downSince: number | null;
  downReason: DownReason | null;
  /** When the missed check-in was expected (for "missed": due time; else null). */
  downExpectedAt: number | null;
  /** The alert event that announced the outage; set by the caller once stored. */
  downEventId: number | null;
  lastNotifiedAt: number | null;
  reminders: number;
}

export interface HeartbeatAction {
  type: 'down' | 'reminder' | 'recovered';
  at: number;
  reason: DownReason;
  /** The last check-in before the outage ("last seen"), null when none. */
  lastSeen: number | null;
  /** When the check-in was expected (missed), or null. */
  expectedAt: number | null;
  /** When the outage began. */
  downSince: number;
  /** The task's message or its output's last lines (fail pings). */
  message?: string;
  exitCode?: number;
}

export interface HeartbeatPlan {
  state: HeartbeatState;
  actions: HeartbeatAction[];
}

export type HeartbeatInput =
  | { type: 'tick'; now: number }
  | { type: 'ping'; kind: PingKind; at: number; message?: string; exitCode?: number };

/** A state with no run under way and no outage: what a check starts from and what watching anew resets to. */
const NOTHING_OPEN = {
  startedAt: null,
  downSince: null,
  downReason: null,
  downExpectedAt: null,
  downEventId: null,
  lastNotifiedAt: null,
  reminders: 0,
} as const satisfies Partial<HeartbeatState>;

export function initialHeartbeatState(watchingSince: number): HeartbeatState {
  return { status: 'new', lastPingAt: null, lastPingKind: null, lastRunAt: null, watchingSince, ...NOTHING_OPEN };
}

/** Days a schedule that follows the calendar may skip in a row looking for its next day (春节 with weekends, with room). */
const MAX_DAYS_PASSED_OVER = 60;

/** Local midnight starting the first day after `at` that the calendar allows (in the check's zone). */
function nextAllowedDayStart(check: HeartbeatSchedule, calendar: WorkdayCalendar | undefined, at: number): number | undefined {
  let date = localDate(at, check.timeZone);
  for (let i = 0; i < MAX_DAYS_PASSED_OVER; i++) {
    date = nextDate(date);
    const start = localDateStart(date, check.timeZone);
    if (calendarAllows(check.calendar, calendar, start, check.timeZone)) return start;
  }
  return undefined;
}

function nextDate(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/**
 * When the next check-in is due after `from` (the last run, or when watching began). A period that
 * comes due on a day the calendar leaves out starts over at the beginning of the next allowed day; a
 * cron schedule only expects fire times on allowed days.
 */
export function dueAfter(check: HeartbeatSchedule, calendar: WorkdayCalendar | undefined, from: number, memo?: DueMemo): number | undefined {
  if (check.schedule.kind === 'cron') {
    const { cron } = check.schedule;
    const next = () => nextFireTime(cron, from, (date) => calendarAllowsDate(check.calendar, calendar, date));
    if (!memo) return next();
    const key = `${check.timeZone}\n${cron.getPattern()}\n${check.calendar}\n${from}`;
    if (!memo.has(key)) memo.set(key, next());
    return memo.get(key);
  }
  const period = check.schedule.minutes * MINUTE;
  const due = from + period;
  if (calendarAllows(check.calendar, calendar, due, check.timeZone)) return due;
  const day = nextAllowedDayStart(check, calendar, due);
  return day === undefined ? undefined : day + period;
}

/**
 * Cron due times already worked out for one calendar, by schedule and start: every check is judged
 * every minute, and a cron check's next fire time changes only with its last run (or the calendar).
 * Whoever keeps one starts a new one when the calendar changes.
 */
export type DueMemo = Map<string, number | undefined>;

/** When the check should next hear from its task, and when it goes down without it; undefined while nothing is expected. */
export function expectation(
  check: HeartbeatSchedule,
  state: HeartbeatState,
  calendar: WorkdayCalendar | undefined,
  memo?: DueMemo,
): { dueAt: number; downAt: number; reason: DownReason } | undefined {
  if (check.paused || state.status === 'new' || state.status === 'down') return undefined;
  const grace = check.graceMinutes * MINUTE;
  // A run under way is not late: the grace is how long it may take, so its finish is due when that is spent.
  if (state.startedAt !== null) return { dueAt: state.startedAt + grace, downAt: state.startedAt + grace, reason: 'unfinished' };
  const from = Math.max(state.lastRunAt ?? state.watchingSince, state.watchingSince);
  const dueAt = dueAfter(check, calendar, from, memo);
  return dueAt === undefined ? undefined : { dueAt, downAt: dueAt + grace, reason: 'missed' };
}

function reminderDue(check: HeartbeatSchedule, s: HeartbeatState, now: number, calendar: WorkdayCalendar | undefined): boolean {
  return (
    s.status === 'down' &&
    check.reminderHours > 0 &&
    s.lastNotifiedAt !== null &&
    now - s.lastNotifiedAt >= check.reminderHours * HOUR &&
    calendarAllows(check.calendar, calendar, now, check.timeZone)
  );
}

function downAction(s: HeartbeatState, at: number): Omit<HeartbeatAction, 'type'> {
  return { at, reason: s.downReason ?? 'missed', lastSeen: s.lastPingAt, expectedAt: s.downExpectedAt, downSince: s.downSince ?? at };
}

/** Time passed: a check may turn late, go down (once), or owe a reminder. */
function onTick(check: HeartbeatSchedule, state: HeartbeatState, now: number, calendar: WorkdayCalendar | undefined, memo?: DueMemo): HeartbeatPlan {
  if (check.paused) return { state, actions: [] };
  if (state.status === 'down') {
    if (!reminderDue(check, state, now, calendar)) return { state, actions: [] };
    const next = { ...state, lastNotifiedAt: now, reminders: state.reminders + 1 };
    return { state: next, actions: [{ type: 'reminder', ...downAction(state, now) }] };
  }
  const e = expectation(check, state, calendar, memo);
  if (!e || now < e.dueAt) return { state: state.status === 'late' ? { ...state, status: 'up' } : state, actions: [] };
  if (now < e.downAt) return { state: state.status === 'late' ? state : { ...state, status: 'late' }, actions: [] };
  const down: HeartbeatState = {
    ...state,
    status: 'down',
    downSince: e.downAt,
    downReason: e.reason,
    downExpectedAt: e.reason === 'missed' ? e.dueAt : null,
    downEventId: null,
    lastNotifiedAt: now,
    reminders: 0,
  };
  return { state: down, actions: [{ type: 'down', ...downAction(down, now) }] };
}

/**
 * A check-in arrived. A deadline it came after that no tick judged yet (the minute timer late, or
 * not run since the start) went by without a check-in all the same: the outage is announced, then
 * this check-in is taken (a success ends it at once).
 */
function onPing(check: HeartbeatSchedule, state: HeartbeatState, p: Extract<HeartbeatInput, { type: 'ping' }>, calendar: WorkdayCalendar | undefined, memo?: DueMemo): HeartbeatPlan {
  const judged = check.paused || state.status === 'down' ? undefined : onTick(check, state, p.at, calendar, memo);
  if (!judged?.actions.length) return takePing(check, state, p, calendar);
  const after = takePing(check, judged.state, p, calendar);
  return { state: after.state, actions: [...judged.actions, ...after.actions] };
}

/** A check-in taken on the state as it stands. A paused check only remembers when it was seen. */
function takePing(check: HeartbeatSchedule, state: HeartbeatState, p: Extract<HeartbeatInput, { type: 'ping' }>, calendar: WorkdayCalendar | undefined): HeartbeatPlan {
  const seen: HeartbeatState = { ...state, lastPingAt: p.at, lastPingKind: p.kind };
  if (check.paused) return { state: seen, actions: [] };
  if (p.kind === 'start') return { state: { ...seen, startedAt: p.at, status: state.status === 'down' ? 'down' : 'up' }, actions: [] };
  const finished: HeartbeatState = { ...seen, lastRunAt: p.at, startedAt: null };
  const detail = { ...(p.message !== undefined ? { message: p.message } : {}), ...(p.exitCode !== undefined ? { exitCode: p.exitCode } : {}) };
  if (p.kind === 'success') {
    if (state.status !== 'down') return { state: { ...finished, status: 'up' }, actions: [] };
    const since = state.downSince ?? p.at;
    const up: HeartbeatState = { ...finished, status: 'up', downSince: null, downReason: null, downExpectedAt: null, lastNotifiedAt: null, reminders: 0 };
    return { state: up, actions: [{ type: 'recovered', at: p.at, reason: state.downReason ?? 'missed', lastSeen: state.lastPingAt, expectedAt: state.downExpectedAt, downSince: since, ...detail }] };
  }
  // A failed run: down at once, unless this outage was already announced, or the day is outside the calendar.
  if (state.status === 'down' || !calendarAllows(check.calendar, calendar, p.at, check.timeZone)) {
    return { state: { ...finished, status: state.status === 'down' ? 'down' : 'up' }, actions: [] };
  }
  const down: HeartbeatState = { ...finished, status: 'down', downSince: p.at, downReason: 'failed', downExpectedAt: null, downEventId: null, lastNotifiedAt: p.at, reminders: 0 };
  return { state: down, actions: [{ type: 'down', at: p.at, reason: 'failed', lastSeen: state.lastPingAt, expectedAt: null, downSince: p.at, ...detail }] };
}

export function planHeartbeat(check: HeartbeatSchedule, state: HeartbeatState, input: HeartbeatInput, calendar: WorkdayCalendar | undefined, memo?: DueMemo): HeartbeatPlan {
  return input.type === 'tick' ? onTick(check, state, input.now, calendar, memo) : onPing(check, state, input, calendar, memo);
}

/** Watching starts over (created, schedule edited, resumed): no outage is carried over, and none is resolved aloud. */
export function restartWatching(state: HeartbeatState, now: number): HeartbeatState {
  return {
    ...state,
    ...NOTHING_OPEN,
    status: state.lastPingAt === null ? 'new' : 'up',
    watchingSince: now,
  };
}
