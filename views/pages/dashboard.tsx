import type { FiringList } from '../../server/metricRules/firingList.ts';
import { FiringRulesStat } from '../components/firingRules.tsx';
import { SelfWatchCard } from '../components/selfWatchCard.tsx';
import type { SelfWatchStatus } from '../../server/selfWatch/watcher.ts';
import type { DeliveryRow } from '../../db/queries/deliveries.ts';
import type { ChannelStatus } from '../../server/channel/wecomChannel.ts';
import { HorizontalBars, StackedColumns, type Series, type StackedColumn } from '../../server/charts/svgCharts.tsx';
import type { ViewContext } from '../context.ts';
import { formatDateTime } from '../../server/time/format.ts';
import { formatNumber, type MessageKey } from '../../server/strings/translate.ts';
import { Layout } from '../layout.tsx';
import { DeliveryTable } from './sendLog.tsx';
import { CheckTable, type CheckListItem } from './heartbeats.tsx';

export const OUTCOMES = ['sent', 'digested', 'suppressed', 'dead', 'pending'] as const;
export type Outcome = (typeof OUTCOMES)[number];

const OUTCOME_COLORS: Record<Outcome, string> = {
  sent: '#137333',
  digested: '#0b6bcb',
  suppressed: '#9aa3b2',
  dead: '#b3261e',
  pending: '#e0a400',
};

export interface DashboardData {
  status: ChannelStatus;
  lastErrorExplained?: string;
  queue: { depth: number; oldestAt?: number };
  today: Record<Outcome, number>;
  rate: { used: number; limit: number };
  nextReport?: { name: string; at: number };
  firingRules: FiringList;
  recent: DeliveryRow[];
  hours: StackedColumn[];
  days: StackedColumn[];
  categories: Array<{ category: string; n: number }>;
  /** The appliance's own health; absent outside the appliance. */
  selfWatch?: SelfWatchStatus;
  /** From 1 December: next year's holidays are not in the workday calendar. */
  calendarMissingYear?: number;
  /** Heartbeat checks, down and late first, at most DASHBOARD_CHECKS of them. */
  heartbeats: { items: CheckListItem[]; more: number };
}

/** Checks the dashboard lists; the rest are counted. */
export const DASHBOARD_CHECKS = 10;

function when(ctx: ViewContext, at: number | null | undefined): string {
  return at ? formatDateTime(at, ctx.lang, ctx.timeZone) : ctx.t('card.never');
}

/** The figures that refresh themselves (htmx every 10 s); also the body of GET /dashboard/panel. */
export function DashboardPanel({ ctx, data }: { ctx: ViewContext; data: DashboardData }) {
  const badge =
    data.status.state === 'connected'
      ? { cls: 'ok', key: 'card.status.connected' as const }
      : data.status.state === 'invalid'
        ? { cls: 'bad', key: 'card.status.invalid' as const }
        : data.status.state === 'unreadable'
          ? { cls: 'bad', key: 'card.status.unreadable' as const }
          : { cls: 'none', key: 'card.status.none' as const };
  return (
    <div id="dashboard-panel" hx-get="/dashboard/panel" hx-trigger="every 10s" hx-swap="outerHTML">
      {data.selfWatch ? <SelfWatchCard ctx={ctx} watch={data.selfWatch} /> : null}
      <div class="stats">
        <div class="stat">
          <div>{ctx.t('dashboard.bot')}</div>
          <div>
            <span class={`badge ${badge.cls}`}>{ctx.t(badge.key)}</span>
          </div>
          {data.status.maskedUrl ? <code>{data.status.maskedUrl}</code> : <a href="/channels">{ctx.t('dashboard.connectHint')}</a>}
          {data.status.state !== 'none' ? (
            <dl class="facts">
              <dt>{ctx.t('dashboard.lastSuccess')}</dt>
              <dd>{when(ctx, data.status.lastSuccessAt)}</dd>
              {data.status.lastErrorAt ? (
                <>
                  <dt>{ctx.t('dashboard.lastError')}</dt>
                  <dd>
                    {when(ctx, data.status.lastErrorAt)}
                    {data.lastErrorExplained ? ` — ${data.lastErrorExplained}` : ''}
                  </dd>
                </>
              ) : null}
            </dl>
          ) : null}
        </div>
        <div class="stat">
          <div>{ctx.t('dashboard.queue')}</div>
          <div class="n">{formatNumber(data.queue.depth, ctx.lang)}</div>
          {data.queue.oldestAt ? <div class="help">{ctx.t('dashboard.queue.oldest', { time: when(ctx, data.queue.oldestAt) })}</div> : null}
        </div>
        <div class="stat">
          <div>{ctx.t('dashboard.rate')}</div>
          <div class="n">
            {data.rate.used}/{data.rate.limit}
          </div>
          <div class="help">{ctx.t('dashboard.rate.value', { used: data.rate.used, limit: data.rate.limit })}</div>
        </div>
        <div class="stat">
          <div>{ctx.t('dashboard.nextReport')}</div>
          {data.nextReport ? (
            <div>
              <strong>{data.nextReport.name}</strong>
              <div class="help">{when(ctx, data.nextReport.at)}</div>
            </div>
          ) : (
            <div class="help">{ctx.t('dashboard.nextReport.none')}</div>
          )}
        </div>
        <FiringRulesStat ctx={ctx} firing={data.firingRules} />
      </div>
      {data.heartbeats.items.length ? (
        <>
          <h2>{ctx.t('hb.dashboard')}</h2>
          <CheckTable ctx={ctx} items={data.heartbeats.items} actions={false} />
          {data.heartbeats.more > 0 ? (
            <p class="help">
              <a href="/heartbeats">{ctx.t('hb.dashboard.more', { count: data.heartbeats.more })}</a>
            </p>
          ) : null}
        </>
      ) : null}
      <h2>{ctx.t('dashboard.today')}</h2>
      <div class="stats">
        {OUTCOMES.map((o) => (
          <div class="stat">
            <div>{ctx.t(`dashboard.outcome.${o}` as MessageKey)}</div>
            <div class="n">{formatNumber(data.today[o], ctx.lang)}</div>
          </div>
        ))}
      </div>
      <h2>{ctx.t('dashboard.recent')}</h2>
      <DeliveryTable ctx={ctx} rows={data.recent} />
      <p class="help">{ctx.t('dashboard.refreshing')}</p>
    </div>
  );
}

export function DashboardPage({ ctx, data }: { ctx: ViewContext; data: DashboardData }) {
  const series: Series[] = OUTCOMES.map((o) => ({ key: o, label: ctx.t(`dashboard.outcome.${o}` as MessageKey), color: OUTCOME_COLORS[o] }));
  const hasEvents = data.days.some((d) => Object.values(d.values).some((n) => n > 0));
  return (
    <Layout ctx={ctx} title={ctx.t('dashboard.title')}>
      {data.calendarMissingYear !== undefined ? (
        <div class="notice bad" role="alert">
          {ctx.t('calendar.dashboardWarning', { year: data.calendarMissingYear })} <a href="/calendar">{ctx.t('calendar.dashboardLink')}</a>
        </div>
      ) : null}
      <DashboardPanel ctx={ctx} data={data} />
      {hasEvents ? (
        <>
          <StackedColumns title={ctx.t('dashboard.chart.hours')} columns={data.hours} series={series} labelEvery={3} />
          <StackedColumns title={ctx.t('dashboard.chart.days')} columns={data.days} series={series} labelEvery={5} />
          <HorizontalBars
            title={ctx.t('dashboard.chart.categories')}
            rows={data.categories.map((c) => ({ label: ctx.t(`category.${c.category}` as MessageKey), n: c.n }))}
            color="#0b6bcb"
          />
        </>
      ) : (
        <p>{ctx.t('dashboard.chart.empty')}</p>
      )}
    </Layout>
  );
}
