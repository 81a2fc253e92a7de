import { Hono } from 'hono';
import * as v from 'valibot';
import { getDelivery, listDeliveries } from '../../db/queries/deliveries.ts';
import { DELIVERY_STATUSES } from '../../db/schema.ts';
import { DeliveryDetailPage, SendLogPage } from '../../views/pages/sendLog.tsx';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { explainErrcode } from '../wecom/errcodes.ts';
import { viewContext } from './viewContext.ts';

export const SEND_LOG_PAGE_SIZE = 50;

const emptyToUndefined = (s: string | undefined) => (s ? s : undefined);
const listQuery = v.object({
  status: v.pipe(v.optional(v.string()), v.transform(emptyToUndefined), v.optional(v.picklist(DELIVERY_STATUSES))),
  kind: v.pipe(v.optional(v.string()), v.transform(emptyToUndefined), v.optional(v.pipe(v.string(), v.maxLength(40)))),
  before: v.optional(v.pipe(v.string(), v.regex(/^\d{1,15}$/), v.transform(Number))),
});
const idParam = v.pipe(v.string(), v.regex(/^\d{1,15}$/), v.transform(Number));

export function sendLogRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get('/send-log', (c) => {
    const parsed = v.safeParse(listQuery, c.req.query());
    if (!parsed.success) return c.redirect('/send-log');
    const q = parsed.output;
    const rows = listDeliveries(deps.db, { status: q.status, kind: q.kind }, { beforeId: q.before, limit: SEND_LOG_PAGE_SIZE });
    const last = rows[rows.length - 1];
    const olderHref =
      rows.length === SEND_LOG_PAGE_SIZE && last
        ? `/send-log?${new URLSearchParams({ ...(q.status ? { status: q.status } : {}), ...(q.kind ? { kind: q.kind } : {}), before: String(last.id) })}`
        : undefined;
    return c.html(<SendLogPage ctx={viewContext(c, deps)} rows={rows} filter={{ status: q.status, kind: q.kind }} olderHref={olderHref} />);
  });

  app.get('/send-log/:id', (c) => {
    const parsed = v.safeParse(idParam, c.req.param('id'));
    const row = parsed.success ? getDelivery(deps.db, parsed.output) : undefined;
    if (!row) return c.notFound();
    const ctx = viewContext(c, deps);
    const explanation = row.errcode !== null && row.errcode !== 0 ? explainErrcode(row.errcode)[ctx.lang] : undefined;
    return c.html(<DeliveryDetailPage ctx={ctx} row={row} explanation={explanation} />);
  });

  return app;
}
