import type { DeliveryRow } from '../../db/queries/deliveries.ts';
import type { ChannelStatus } from '../../server/channel/wecomChannel.ts';
import type { ViewContext } from '../context.ts';
import { formatNumber } from '../i18n/index.ts';
import { Layout } from '../layout.tsx';
import { DeliveryTable } from './sendLog.tsx';

export interface DashboardData {
  status: ChannelStatus;
  sentToday: number;
  failedToday: number;
  recent: DeliveryRow[];
}

export function DashboardPage({ ctx, data }: { ctx: ViewContext; data: DashboardData }) {
  const badge =
    data.status.state === 'connected'
      ? { cls: 'ok', key: 'card.status.connected' as const }
      : data.status.state === 'invalid'
        ? { cls: 'bad', key: 'card.status.invalid' as const }
        : { cls: 'none', key: 'card.status.none' as const };
  return (
    <Layout ctx={ctx} title={ctx.t('dashboard.title')}>
      <div class="stats">
        <div class="stat">
          <div>{ctx.t('dashboard.bot')}</div>
          <div>
            <span class={`badge ${badge.cls}`}>{ctx.t(badge.key)}</span>
          </div>
          {data.status.maskedUrl ? <code>{data.status.maskedUrl}</code> : <a href="/channels">{ctx.t('dashboard.connectHint')}</a>}
        </div>
        <div class="stat">
          <div>{ctx.t('dashboard.sentToday')}</div>
          <div class="n">{formatNumber(data.sentToday, ctx.lang)}</div>
        </div>
        <div class="stat">
          <div>{ctx.t('dashboard.failedToday')}</div>
          <div class="n">{formatNumber(data.failedToday, ctx.lang)}</div>
        </div>
      </div>
      <h2>{ctx.t('dashboard.recent')}</h2>
      <DeliveryTable ctx={ctx} rows={data.recent} />
    </Layout>
  );
}
