import { Hono } from 'hono';
import { listDeliveries } from '../../db/queries/deliveries.ts';
import { countDeliveriesSince } from '../../db/queries/stats.ts';
import { DashboardPage } from '../../views/pages/dashboard.tsx';
import { channelStatus } from '../channel/wecomChannel.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { startOfDay } from '../timeOfDay.ts';
import { viewContext } from './viewContext.ts';

export function dashboardRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.get('/', (c) => {
    const since = startOfDay(deps.clock.now(), deps.config.timezone);
    const data = {
      status: channelStatus(deps.db),
      sentToday: countDeliveriesSince(deps.db, 'sent', since),
      failedToday: countDeliveriesSince(deps.db, 'failed', since) + countDeliveriesSince(deps.db, 'dead', since),
      recent: listDeliveries(deps.db, {}, { limit: 10 }),
    };
    return c.html(<DashboardPage ctx={viewContext(c, deps)} data={data} />);
  });
  return app;
}
