import { Hono } from 'hono';
import * as v from 'valibot';
import { listAudit } from '../../db/queries/audit.ts';
import { AuditPage } from '../../views/pages/audit.tsx';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { viewContext } from './viewContext.ts';

const PAGE = 100;
const query = v.object({ before: v.optional(v.pipe(v.string(), v.regex(/^\d{1,15}$/), v.transform(Number))) });

export function auditRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.get('/audit', (c) => {
    const parsed = v.safeParse(query, c.req.query());
    const beforeId = parsed.success ? parsed.output.before : undefined;
    const rows = listAudit(deps.db, { beforeId, limit: PAGE });
    const last = rows[rows.length - 1];
    const olderHref = rows.length === PAGE && last ? `/audit?before=${last.id}` : undefined;
    return c.html(<AuditPage ctx={viewContext(c, deps)} rows={rows} olderHref={olderHref} />);
  });
  return app;
}
