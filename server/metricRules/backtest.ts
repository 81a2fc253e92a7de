// What a rule would have done over stored history, before it is saved: the same evaluator, fed the
// stored points in order per store, with ticks exactly at the moments a no-data deadline or a
// reminder would have come due. Nothing is written and nothing is sent.
import type { WorkdayCalendar } from '../calendar/workdays.ts';
import { baselineReachDays } from './comparableDay.ts';
import type { MetricRule } from './definition.ts';
import { sameTimeDaysEarlier } from '../time/calendar.ts';
import { BASELINE_TOLERANCE_MS, initialState, nextDeadline, onPoint, onTick, type RuleState, type Step } from './evaluate.ts';

export interface HistoryPoint {
  store: string;
  at: number;
  value: number;
}

export interface Episode {
  store: string;
  firedAt: number;
  value: number | null;
  /** null: still firing at the end of the window. */
  resolvedAt: number | null;
  reminders: number;
  /** For same-time baselines: when the firing point was compared with (a comparable day when holidays are skipped). */
  comparedWith?: number;
  /** The comparison skipped holidays: it is not the plain same time 1 or 7 days earlier. */
  shifted?: boolean;
}

export interface BacktestResult {
  episodes: Episode[];
  points: number;
  stores: number;
}

/** How far before the window points are needed: the longest baseline look-back. */
export function lookbackMs(rule: MetricRule): number {
  const c = rule.condition;
  if (c.type === 'change' && c.baseline !== 'previous') return baselineReachDays(c.baseline, c.skipHolidays === true) * 86_400_000 + 2 * BASELINE_TOLERANCE_MS;
  return 0;
}

/** Latest value in (from, until] of points sorted by time. */
function valueBetween(points: HistoryPoint[], from: number, until: number): number | undefined {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.at <= until) lo = mid + 1;
    else hi = mid;
  }
  const p = points[lo - 1];
  return p && p.at > from ? p.value : undefined;
}

function compared(rule: MetricRule, at: number, comparedWith: number | undefined, timeZone: string): Pick<Episode, 'comparedWith' | 'shifted'> {
  const c = rule.condition;
  if (comparedWith === undefined || c.type !== 'change' || c.baseline === 'previous') return {};
  return { comparedWith, shifted: comparedWith !== sameTimeDaysEarlier(at, c.baseline === '1d' ? 1 : 7, timeZone) };
}

/** `points` sorted by time, including those before `from` that baselines may need. */
export function backtest(rule: MetricRule, points: HistoryPoint[], from: number, until: number, timeZone: string, calendar?: WorkdayCalendar): BacktestResult {
  const byStore = new Map<string, HistoryPoint[]>();
  for (const p of points) {
    if (rule.store !== null && p.store !== rule.store) continue;
    const list = byStore.get(p.store) ?? [];
    list.push(p);
    byStore.set(p.store, list);
  }
  const episodes: Episode[] = [];
  let judged = 0;
  for (const [store, series] of byStore) {
    const ctx = { timeZone, calendar, valueBetween: (a: number, b: number) => valueBetween(series, a, b) };
    const inWindow = series.filter((p) => p.at >= from && p.at <= until);
    if (!inWindow.length) continue;
    const before = series.filter((p) => p.at < from).at(-1);
    // The store's last point before the window is its "previous" value; silence counts from its first point.
    let state: RuleState = { ...initialState(inWindow[0]!.at), lastValue: before?.value ?? null, lastAt: before?.at ?? null };
    let open: Episode | undefined;
    const take = (step: Step) => {
      state = step.state;
      for (const a of step.actions) {
        if (a.type === 'firing') {
          open = { store, firedAt: a.at, value: a.value, resolvedAt: null, reminders: 0, ...compared(rule, a.at, a.comparedWith, timeZone) };
          episodes.push(open);
        } else if (a.type === 'reminder' && open) open.reminders++;
        else if (a.type === 'resolved' && open) {
          open.resolvedAt = a.at;
          open = undefined;
        }
      }
    };
    const tickUntil = (limit: number) => {
      for (let d = nextDeadline(rule, state); d !== undefined && d <= limit; d = nextDeadline(rule, state)) take(onTick(rule, state, d));
    };
    for (const p of inWindow) {
      tickUntil(p.at);
      take(onPoint(rule, state, { at: p.at, value: p.value }, ctx));
      judged++;
    }
    tickUntil(until);
  }
  episodes.sort((a, b) => a.firedAt - b.firedAt || a.store.localeCompare(b.store));
  return { episodes, points: judged, stores: byStore.size };
}
