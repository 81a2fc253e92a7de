import { Hono } from 'hono';
import { listDeliveries } from '../../db/queries/deliveries.ts';
import { eventBuckets, eventCountsSince, eventsByCategorySince, oldestQueuedAt } from '../../db/queries/stats.ts';
import type { StackedColumn } from '../charts/svgCharts.tsx';
import { DASHBOARD_CHECKS, DashboardPage, DashboardPanel, OUTCOMES, type DashboardData, type Outcome } from '../../views/pages/dashboard.tsx';
import { checkListItems } from './heartbeats.tsx';
import { channelStatus } from '../channel/wecomChannel.ts';
import { queueDepth } from '../delivery/store.ts';
import { firingRules } from '../metricRules/firingList.ts';
import { FIRING_SHOWN_ON_DASHBOARD } from '../../views/components/firingRules.tsx';
import { missingNextYear } from '../calendar/workdays.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { lastDayStarts, lastHourStarts, startOfDay } from '../time/calendar.ts';
import { axisLabelFormat } from '../time/format.ts';
import { explainErrcode } from '../wecom/errcodes.ts';
import type { Lang } from '../strings/translate.ts';
import { viewContext } from './viewContext.ts';

/** Event statuses folded into the five outcomes the dashboard shows; metrics are not outcomes. */
function outcomeOf(status: string): Outcome | undefined {
  if (status === 'queued' || status === 'held') return 'pending';
  return (OUTCOMES as readonly string[]).includes(status) ? (status as Outcome) : undefined;
}

function columns(db: AppDeps['db'], starts: number[], label: (start: number) => string): StackedColumn[] {
  const cols: StackedColumn[] = starts.map((start) => ({ label: label(start), values: {} }));
  for (const b of eventBuckets(db, starts)) {
    const outcome = outcomeOf(b.status);
    const col = cols[b.index];
    if (outcome && col) col.values[outcome] = (col.values[outcome] ?? 0) + b.n;
  }
  return cols;
}

export function dashboardData(deps: AppDeps, lang: Lang): DashboardData {
  const now = deps.clock.now();
  const tz = deps.settings.general().timeZone;
  const status = channelStatus(deps);
  const today: Record<Outcome, number> = { sent: 0, digested: 0, suppressed: 0, dead: 0, pending: 0 };
  for (const [s, n] of Object.entries(eventCountsSince(deps.db, startOfDay(now, tz)))) {
    const o = outcomeOf(s);
    if (o) today[o] += n;
  }
  const checks = checkListItems(deps, lang);
  const dayStarts = lastDayStarts(now, 30, tz);
  return {
    status,
    lastErrorExplained:
      status.lastErrcode !== null && status.lastErrcode !== undefined && status.lastErrcode !== 0 ? explainErrcode(status.lastErrcode)[lang] : undefined,
    queue: { depth: queueDepth(deps.db), oldestAt: oldestQueuedAt(deps.db) },
    today,
    rate: { used: deps.limiter.used(now), limit: deps.limiter.limit() },
    nextReport: deps.nextReport?.(),
    firingRules: firingRules(deps.db, FIRING_SHOWN_ON_DASHBOARD),
    recent: listDeliveries(deps.db, {}, { limit: 10 }),
    hours: columns(deps.db, lastHourStarts(now, 24, tz), axisLabelFormat(lang, tz, 'hour')),
    days: columns(deps.db, dayStarts, axisLabelFormat(lang, tz, 'day')),
    categories: eventsByCategorySince(deps.db, dayStarts[0]!),
    selfWatch: deps.selfWatch?.status(),
    calendarMissingYear: deps.calendar ? missingNextYear(deps.calendar.calendar(), now, tz) : undefined,
    heartbeats: { items: checks.slice(0, DASHBOARD_CHECKS), more: Math.max(0, checks.length - DASHBOARD_CHECKS) },
  };
}

export function dashboardRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.get('/', (c) => c.html(<DashboardPage ctx={viewContext(c, deps)} data={dashboardData(deps, c.var.lang)} />));
  app.get('/dashboard/panel', (c) => c.html(<DashboardPanel ctx={viewContext(c, deps)} data={dashboardData(deps, c.var.lang)} />));
  return app;
}
