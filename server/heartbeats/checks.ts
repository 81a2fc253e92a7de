// A heartbeat check as the code uses it: the stored row with its schedule parsed and its planner
// state read back (a state that no longer parses starts over instead of failing the tick).
import * as v from 'valibot';
import type { HeartbeatCheckInput, HeartbeatCheckRow } from '../../db/queries/heartbeats.ts';
import { isCalendarChoice, type CalendarChoice } from '../calendar/workdays.ts';
import { CATEGORIES, SEVERITIES, type Category, type Severity } from '../events/schema.ts';
import { parseSchedule } from '../reports/cron.ts';
import { initialHeartbeatState, type HeartbeatSchedule, type HeartbeatState } from './plan.ts';

export interface HeartbeatCheck {
  id: number;
  key: string;
  name: string;
  scheduleKind: 'period' | 'cron';
  periodMinutes: number | null;
  cron: string | null;
  timezone: string;
  graceMinutes: number;
  calendar: CalendarChoice;
  category: Category;
  severity: Severity;
  reminderHours: number;
  paused: boolean;
  state: HeartbeatState;
  createdAt: number;
}

const num = v.nullable(v.number());
const stateSchema = v.object({
  status: v.picklist(['new', 'up', 'late', 'down']),
  lastPingAt: num,
  lastPingKind: v.nullable(v.picklist(['start', 'success', 'fail'])),
  lastRunAt: num,
  startedAt: num,
  watchingSince: v.number(),
  downSince: num,
  downReason: v.nullable(v.picklist(['missed', 'failed', 'unfinished'])),
  downExpectedAt: num,
  downEventId: num,
  lastNotifiedAt: num,
  reminders: v.number(),
});

export function parseHeartbeatState(json: string, fallbackSince: number): HeartbeatState {
  try {
    const parsed = v.safeParse(stateSchema, JSON.parse(json));
    if (parsed.success) return parsed.output;
  } catch {
    // An unreadable state starts over below.
  }
  return initialHeartbeatState(fallbackSince);
}

export function checkFromRow(row: HeartbeatCheckRow): HeartbeatCheck {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    scheduleKind: row.scheduleKind,
    periodMinutes: row.periodMinutes,
    cron: row.cron,
    timezone: row.timezone,
    graceMinutes: row.graceMinutes,
    calendar: isCalendarChoice(row.calendar) ? row.calendar : 'every_day',
    category: (CATEGORIES as readonly string[]).includes(row.category) ? (row.category as Category) : 'task',
    severity: (SEVERITIES as readonly string[]).includes(row.severity) ? (row.severity as Severity) : 'critical',
    reminderHours: row.reminderHours,
    paused: row.paused,
    state: parseHeartbeatState(row.state, row.updatedAt),
    createdAt: row.createdAt,
  };
}

export type ParseSchedule = typeof parseSchedule;

/** What the planner needs; undefined when the stored schedule cannot be used (it then never fires). */
export function scheduleOf(check: HeartbeatCheck, now: number, parse: ParseSchedule = parseSchedule): HeartbeatSchedule | undefined {
  const base = { timeZone: check.timezone, graceMinutes: check.graceMinutes, calendar: check.calendar, reminderHours: check.reminderHours, paused: check.paused };
  if (check.scheduleKind === 'period') return check.periodMinutes && check.periodMinutes > 0 ? { ...base, schedule: { kind: 'period', minutes: check.periodMinutes } } : undefined;
  const parsed = parse(check.cron ?? '', check.timezone, now);
  return parsed.ok ? { ...base, schedule: { kind: 'cron', cron: parsed.cron } } : undefined;
}

/** The state a console list shows: paused wins over whatever the planner last said. */
export function shownStatus(check: Pick<HeartbeatCheck, 'paused' | 'state'>): 'new' | 'up' | 'late' | 'down' | 'paused' {
  return check.paused ? 'paused' : check.state.status;
}

/** Whether an edit changes what the check expects (then watching starts over), not just how it speaks. */
export function expectsDifferently(
  a: HeartbeatCheck,
  b: Pick<HeartbeatCheckInput, 'scheduleKind' | 'periodMinutes' | 'cron' | 'timezone' | 'graceMinutes' | 'calendar'>,
): boolean {
  return a.scheduleKind !== b.scheduleKind || a.periodMinutes !== (b.periodMinutes ?? null) || a.cron !== (b.cron ?? null) || a.timezone !== b.timezone || a.graceMinutes !== b.graceMinutes || a.calendar !== b.calendar;
}
