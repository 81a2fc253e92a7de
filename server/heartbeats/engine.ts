// Heartbeat checks at the edges: reads a check, asks the planner (plan.ts), raises what it decides
// as alert events through the caller's intake function, and writes the new state, the check-in and
// the transitions, all in the caller's transaction (a crash loses all of it or none).
//  - ping: POST /api/v1/heartbeats/{key}[/start|/fail] (and the CLI through it);
//  - observeTaskResults: task_result events whose task_name is a check's key, inside the intake's commit;
//  - tick: the minute timer and the start of the appliance.
import type { Db } from '../../db/client.ts';
import {
  getHeartbeatCheck,
  getHeartbeatCheckByKey,
  checkKeysAmong,
  insertHeartbeatTransition,
  insertPing,
  listHeartbeatChecks,
  MAX_HEARTBEAT_CHECKS,
  putHeartbeatState,
} from '../../db/queries/heartbeats.ts';
import type { CalendarSource, WorkdayCalendar } from '../calendar/workdays.ts';
import type { Clock } from '../clock.ts';
import type { RaiseAlerts, TaskResultObserver, TaskResultPing } from '../delivery/intake.ts';
import type { SettingsStore } from '../settings/settingsStore.ts';
import { alertForHeartbeat } from './alerts.ts';
import { checkFromRow, scheduleOf, type HeartbeatCheck, type ParseSchedule } from './checks.ts';
import { parseSchedule } from '../reports/cron.ts';
import { planHeartbeat, restartWatching, type DueMemo, type HeartbeatInput, type HeartbeatState, type PingKind } from './plan.ts';

/** The most a check-in's message keeps: the task's message or the last lines of its output. */
export const PING_MESSAGE_MAX = 2000;

export interface PingDetails {
  kind: PingKind;
  message?: string;
  exitCode?: number;
}

export type PingOutcome = { found: false } | { found: true; check: HeartbeatCheck };

export interface HeartbeatEngine extends TaskResultObserver {
  /** A check-in for the check with this key; call inside a transaction. */
  ping(key: string, details: PingDetails, raise: RaiseAlerts): PingOutcome;
  /** Late, down and reminders at `now`; call inside a transaction. */
  tick(now: number, raise: RaiseAlerts): void;
  /** Watching starts over (created, schedule edited, resumed): no outage carried over, nothing said. */
  restart(checkId: number): void;
  setPaused(checkId: number, paused: boolean): void;
  /** Pause or resume by key (the API); the check as it is then, or undefined when there is none. */
  setPausedByKey(key: string, paused: boolean): HeartbeatCheck | undefined;
}

export interface HeartbeatEngineDeps {
  db: Db;
  clock: Clock;
  settings: SettingsStore;
  calendar?: CalendarSource;
  /** Tells the delivery worker an alert was queued (it looks once the transaction commits). */
  wakeWorker: () => void;
}

function cutMessage(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const chars = [...s];
  return chars.length <= PING_MESSAGE_MAX ? s : '…' + chars.slice(chars.length - PING_MESSAGE_MAX + 1).join('');
}

/** Parsed cron schedules kept by the engine: building one costs about 1 ms, and every check is judged every minute. */
const MAX_SCHEDULES_KEPT = 2 * MAX_HEARTBEAT_CHECKS;

export function createHeartbeatEngine(deps: HeartbeatEngineDeps): HeartbeatEngine {
  const { db } = deps;
  const schedules = new Map<string, ReturnType<ParseSchedule>>();
  // A cron schedule's fire times do not depend on when it was parsed: one parse per expression and zone.
  const parse: ParseSchedule = (expr, timeZone, from) => {
    const key = `${timeZone}\n${expr}`;
    let parsed = schedules.get(key);
    if (!parsed) {
      if (schedules.size >= MAX_SCHEDULES_KEPT) schedules.clear();
      parsed = parseSchedule(expr, timeZone, from);
      schedules.set(key, parsed);
    }
    return parsed;
  };

  // Due times of cron checks, for the calendar they were worked out with (plan.ts: DueMemo).
  let due: { calendar: WorkdayCalendar | undefined; memo: DueMemo } = { calendar: undefined, memo: new Map() };
  function dueMemo(calendar: WorkdayCalendar | undefined): DueMemo {
    if (calendar !== due.calendar || due.memo.size >= MAX_SCHEDULES_KEPT * 4) due = { calendar, memo: new Map() };
    return due.memo;
  }

  function save(check: HeartbeatCheck, state: HeartbeatState): void {
    putHeartbeatState(db, check.id, state.status, JSON.stringify(state), deps.clock.now());
  }

  /** Plans one input for one check, raises its alerts, records them; answers the check as it is now. */
  function apply(check: HeartbeatCheck, input: HeartbeatInput, raise: RaiseAlerts): HeartbeatCheck {
    const now = deps.clock.now();
    const schedule = scheduleOf(check, now, parse);
    // A stored schedule croner no longer accepts never fires; its pings are still recorded.
    if (!schedule) return check;
    const calendar = deps.calendar?.calendar();
    const plan = planHeartbeat(schedule, check.state, input, calendar, dueMemo(calendar));
    let state = plan.state;
    const lang = deps.settings.delivery().language;
    const timeZone = deps.settings.general().timeZone;
    for (const action of plan.actions) {
      const [accepted] = raise([alertForHeartbeat(check, action, { lang, timeZone })]);
      if (accepted?.status === 'queued') deps.wakeWorker();
      if (action.type === 'down') state = { ...state, downEventId: accepted?.id ?? null };
      insertHeartbeatTransition(db, { checkId: check.id, checkName: check.name, type: action.type, reason: action.reason, at: action.at, eventId: accepted?.id ?? null });
    }
    if (JSON.stringify(state) !== JSON.stringify(check.state)) save(check, state);
    return { ...check, state };
  }

  function pingCheck(check: HeartbeatCheck, details: PingDetails, source: 'api' | 'task_result', eventId: number | null, raise: RaiseAlerts): HeartbeatCheck {
    const at = deps.clock.now();
    const message = cutMessage(details.message);
    insertPing(db, { checkId: check.id, at, kind: details.kind, source, exitCode: details.exitCode ?? null, message: message ?? null, eventId });
    return apply(check, { type: 'ping', kind: details.kind, at, ...(message !== undefined ? { message } : {}), ...(details.exitCode !== undefined ? { exitCode: details.exitCode } : {}) }, raise);
  }

  function setPaused(checkId: number, paused: boolean): void {
    const row = getHeartbeatCheck(db, checkId);
    if (!row || row.paused === paused) return;
    const check = checkFromRow(row);
    const now = deps.clock.now();
    // Resuming starts watching over: time spent paused is never "missed".
    const state = paused ? check.state : restartWatching(check.state, now);
    putHeartbeatState(db, checkId, state.status, JSON.stringify(state), now, paused);
  }

  return {
    ping(key, details, raise) {
      const row = getHeartbeatCheckByKey(db, key);
      if (!row) return { found: false };
      return { found: true, check: pingCheck(checkFromRow(row), details, 'api', null, raise) };
    },

    observeTaskResults(results: TaskResultPing[], raise) {
      const keys = checkKeysAmong(db, results.map((r) => r.taskName));
      for (const r of results) {
        if (!keys.has(r.taskName)) continue;
        const row = getHeartbeatCheckByKey(db, r.taskName);
        if (!row) continue;
        // A partial result ran: the task is alive, so it counts as a check-in.
        const kind: PingKind = r.status === 'failed' ? 'fail' : 'success';
        pingCheck(checkFromRow(row), { kind, ...(r.message !== undefined ? { message: r.message } : {}) }, 'task_result', r.eventId, raise);
      }
    },

    tick(now, raise) {
      for (const row of listHeartbeatChecks(db)) {
        if (row.paused) continue;
        apply(checkFromRow(row), { type: 'tick', now }, raise);
      }
    },

    restart(checkId) {
      const row = getHeartbeatCheck(db, checkId);
      if (!row) return;
      const check = checkFromRow(row);
      save(check, restartWatching(check.state, deps.clock.now()));
    },

    setPaused(checkId, paused) {
      setPaused(checkId, paused);
    },

    setPausedByKey(key, paused) {
      const row = getHeartbeatCheckByKey(db, key);
      if (!row) return undefined;
      setPaused(row.id, paused);
      return checkFromRow(getHeartbeatCheck(db, row.id)!);
    },
  };
}
