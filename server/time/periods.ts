// The time windows reports cover, as calendar days and weeks in the job's time zone (DST-safe: a
// day is local midnight to local midnight, 23 or 25 hours long on a change).
import type { ReportType } from '../../db/schema.ts';
import { addDays, localDate, localDateStart, localDateTime, sameTimeDaysEarlier, weekdayOf } from './calendar.ts';

export interface Period {
  start: number;
  /** Exclusive. */
  end: number;
}

/** Which stretch of time a report covers, in words: "yesterday", "so far today", … */
export const PERIOD_SPANS = ['yesterday', 'last_week', 'last_24h', 'today_so_far'] as const;
export type PeriodSpan = (typeof PERIOD_SPANS)[number];
/** Run now covers the period the schedule would, or today up to now. */
export type PeriodChoice = 'scheduled' | 'today';

export interface ReportPeriods {
  span: PeriodSpan;
  current: Period;
  /** The same length just before `current`: what changes are measured against. */
  previous: Period;
  /** What the report calls its period: "2025-03-13", "2025-03-10 – 2025-03-16", "2025-03-14 09:00". */
  label: string;
}

const HOUR = 3600_000;

/** The previous calendar day in `timeZone`, and the day before it. */
export function dailyPeriods(ref: number, timeZone: string): ReportPeriods {
  const today = localDate(ref, timeZone);
  const yesterday = addDays(today, -1);
  const start = localDateStart(yesterday, timeZone);
  const end = localDateStart(today, timeZone);
  return { span: 'yesterday', current: { start, end }, previous: { start: localDateStart(addDays(yesterday, -1), timeZone), end: start }, label: yesterday };
}

/** The previous full Monday–Sunday week in `timeZone`, and the week before it. */
export function weeklyPeriods(ref: number, timeZone: string): ReportPeriods {
  const today = localDate(ref, timeZone);
  const thisMonday = addDays(today, -((weekdayOf(today) + 6) % 7));
  const lastMonday = addDays(thisMonday, -7);
  const start = localDateStart(lastMonday, timeZone);
  const end = localDateStart(thisMonday, timeZone);
  return {
    span: 'last_week',
    current: { start, end },
    previous: { start: localDateStart(addDays(lastMonday, -7), timeZone), end: start },
    label: `${lastMonday} – ${addDays(lastMonday, 6)}`,
  };
}

/** The 24 hours before the run, and the 24 hours before those. */
export function snapshotPeriods(ref: number, timeZone: string): ReportPeriods {
  return { span: 'last_24h', current: { start: ref - 24 * HOUR, end: ref }, previous: { start: ref - 48 * HOUR, end: ref - 24 * HOUR }, label: localDateTime(ref, timeZone) };
}

/** Today from local midnight up to `ref`, against the same hours of yesterday. */
export function todayPeriods(ref: number, timeZone: string): ReportPeriods {
  const today = localDate(ref, timeZone);
  const start = localDateStart(today, timeZone);
  const yesterdayStart = localDateStart(addDays(today, -1), timeZone);
  return {
    span: 'today_so_far',
    current: { start, end: ref },
    // The same wall-clock hours, not the same elapsed time: a day after a daylight-saving change
    // began an hour earlier or later. Kept within yesterday (a time yesterday lacked counts to its end).
    previous: { start: yesterdayStart, end: Math.min(Math.max(sameTimeDaysEarlier(ref, 1, timeZone), yesterdayStart), start) },
    label: `${localDateTime(start, timeZone)} – ${localDateTime(ref, timeZone).slice(11)}`,
  };
}

/**
 * Daily and custom reports cover the previous day, weekly ones the previous week, snapshots the last
 * 24 h; Run now may choose today so far instead (a snapshot is always up to now).
 */
export function periodsFor(type: ReportType, ref: number, timeZone: string, choice: PeriodChoice = 'scheduled'): ReportPeriods {
  if (type === 'metrics_snapshot') return snapshotPeriods(ref, timeZone);
  if (choice === 'today') return todayPeriods(ref, timeZone);
  if (type === 'weekly_summary') return weeklyPeriods(ref, timeZone);
  return dailyPeriods(ref, timeZone);
}
