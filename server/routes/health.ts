import { Hono } from 'hono';
import { isReady } from '../../db/client.ts';
import type { AppDeps } from '../deps.ts';

export function healthRoutes(deps: Pick<AppDeps, 'db' | 'build'>) {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok', version: deps.build.version, commit: deps.build.commit }));
  app.get('/readyz', (c) => (isReady(deps.db) ? c.json({ status: 'ready' }) : c.json({ status: 'not ready' }, 503)));
  return app;
}
