// The figures a report shows, read from the appliance's own events table.
//  - Alerts, task results and delivery health count events by the time the appliance received
//    them (indexed); repeats folded into an earlier event by deduplication count once.
//  - Metrics use the time they were measured (occurred_at, else received): the latest value per
//    (name, store) in the period, compared with the latest value in the previous period. A snapshot
//    takes the latest value ever reported up to the run, compared with the latest 24 h earlier.
import type { Db } from '../../db/client.ts';
import type { ReportType } from '../../db/schema.ts';
import { CATEGORIES, SEVERITIES, type Category, type Severity } from '../events/schema.ts';
import { emptyFigures, type MetricFigure, type ReportFigures, type TaskFailure } from './builders.ts';
import type { Period, ReportPeriods } from '../time/periods.ts';
import { gatherRuleFigures } from '../metricRules/reportSection.ts';
import { gatherHeartbeatFigures } from '../heartbeats/reportSection.ts';

type Row = Record<string, unknown>;

function all(db: Db, query: string, ...params: unknown[]): Row[] {
  return db.$client.prepare(query).all(...params) as Row[];
}

const isCategory = (c: unknown): c is Category => (CATEGORIES as readonly unknown[]).includes(c);
const isSeverity = (s: unknown): s is Severity => (SEVERITIES as readonly unknown[]).includes(s);

interface LatestMetric {
  name: string;
  store: string | null;
  unit: string | null;
  value: number;
  at: number;
}

const metricKey = (m: { name: string; store: string | null }) => `${m.name}\u0000${m.store ?? ''}`;

/**
 * When a point was measured: its occurred_at, but never later than it arrived (a sender writing its
 * local time as Z stamps it hours ahead), as the metric rules judge it.
 */
const MEASURED_AT = 'min(coalesce(occurred_at, received_at), received_at)';

/** Latest value per (name, store) measured in [from, until). */
export function latestMetrics(db: Db, from: number, until: number): LatestMetric[] {
  const rows = all(
    db,
    `SELECT name, store, unit, value, at FROM (
       SELECT json_extract(payload, '$.name') AS name, store, json_extract(payload, '$.unit') AS unit,
              json_extract(payload, '$.value') AS value, ${MEASURED_AT} AS at,
              row_number() OVER (PARTITION BY json_extract(payload, '$.name'), coalesce(store, '')
                                 ORDER BY ${MEASURED_AT} DESC, id DESC) AS rn
       FROM events
       WHERE kind = 'metric' AND ${MEASURED_AT} >= ? AND ${MEASURED_AT} < ?
     ) WHERE rn = 1 AND name IS NOT NULL AND typeof(value) IN ('integer', 'real')
     ORDER BY name COLLATE NOCASE, name, coalesce(store, '') COLLATE NOCASE`,
    from,
    until,
  );
  return rows.map((r) => ({
    name: String(r.name),
    store: typeof r.store === 'string' && r.store !== '' ? r.store : null,
    unit: typeof r.unit === 'string' && r.unit !== '' ? r.unit : null,
    value: Number(r.value),
    at: Number(r.at),
  }));
}

function metricFigures(db: Db, current: Period, previous: Period): MetricFigure[] {
  const before = new Map(latestMetrics(db, previous.start, previous.end).map((m) => [metricKey(m), m.value]));
  return latestMetrics(db, current.start, current.end).map((m) => ({ ...m, previous: before.get(metricKey(m)) ?? null }));
}

export function gatherFigures(db: Db, type: ReportType, periods: ReportPeriods): ReportFigures {
  const f = emptyFigures();
  const { start, end } = periods.current;

  if (type === 'metrics_snapshot') {
    // Everything reported up to the run, against everything reported up to 24 h before it.
    f.metrics = metricFigures(db, { start: 0, end }, { start: 0, end: periods.previous.end });
    return f;
  }

  for (const r of all(
    db,
    `SELECT category, severity, count(*) AS n FROM events
     WHERE kind = 'alert' AND duplicate_of IS NULL AND received_at >= ? AND received_at < ?
     GROUP BY category, severity`,
    start,
    end,
  )) {
    if (!isCategory(r.category) || !isSeverity(r.severity)) continue;
    const n = Number(r.n);
    f.alerts.total += n;
    f.alerts.bySeverity[r.severity] += n;
    const counts = (f.alerts.byCategory[r.category] ??= { critical: 0, warning: 0, info: 0 });
    counts[r.severity] += n;
  }

  const failures: TaskFailure[] = [];
  for (const r of all(
    db,
    `SELECT json_extract(payload, '$.status') AS task_status, coalesce(json_extract(payload, '$.task_name'), title) AS task,
            count(*) AS n, max(received_at) AS last
     FROM events
     WHERE kind = 'task_result' AND duplicate_of IS NULL AND received_at >= ? AND received_at < ?
     GROUP BY task_status, task`,
    start,
    end,
  )) {
    const n = Number(r.n);
    const status = r.task_status;
    if (status !== 'succeeded' && status !== 'failed' && status !== 'partial') continue;
    f.tasks.total += n;
    f.tasks[status] += n;
    if (status !== 'succeeded') failures.push({ taskName: String(r.task), status, count: n, lastAt: Number(r.last) });
  }
  // Failed before partial, then the most recent first, then by name so equal times keep one order.
  f.tasks.failures = failures.sort(
    (a, b) => (a.status === b.status ? 0 : a.status === 'failed' ? -1 : 1) || b.lastAt - a.lastAt || a.taskName.localeCompare(b.taskName),
  );

  for (const r of all(
    db,
    // A member of a digest not sent yet still waits: it is digested only once the digest went.
    `SELECT CASE WHEN status = 'digested' AND finished_at IS NULL THEN 'queued' ELSE status END AS status, reason = 'silenced' AS silenced, count(*) AS n FROM events
     WHERE kind != 'metric' AND received_at >= ? AND received_at < ?
     GROUP BY 1, 2`,
    start,
    end,
  )) {
    const n = Number(r.n);
    if (r.status === 'sent' || r.status === 'digested' || r.status === 'suppressed' || r.status === 'dead') f.delivery[r.status] += n;
    if (r.silenced === 1) f.delivery.silenced += n;
    else if (r.status === 'queued' || r.status === 'held') f.delivery.pending += n;
  }

  f.metrics = metricFigures(db, periods.current, periods.previous);
  // Only reports with something to say about metric rules get the section.
  const rules = gatherRuleFigures(db, periods.current);
  if (rules.firing.length || rules.anomalies.length) f.rules = rules;
  const heartbeats = gatherHeartbeatFigures(db, periods.current);
  if (heartbeats) f.heartbeats = heartbeats;
  return f;
}

/** Alerts received per local day, by category (repeats folded by deduplication count once). */
export function alertsPerDay(db: Db, days: ReadonlyArray<{ date: string; start: number; end: number }>): Array<{ date: string; byCategory: Partial<Record<Category, number>> }> {
  const query = db.$client.prepare(
    `SELECT category, count(*) AS n FROM events
     WHERE kind = 'alert' AND duplicate_of IS NULL AND received_at >= ? AND received_at < ?
     GROUP BY category`,
  );
  return days.map((d) => ({
    date: d.date,
    byCategory: Object.fromEntries((query.all(d.start, d.end) as Row[]).filter((r) => isCategory(r.category)).map((r) => [r.category, Number(r.n)])),
  }));
}
