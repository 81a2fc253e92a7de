import { Hono } from 'hono';
import { commitsWrite, isReady } from '../../db/client.ts';
import { translator } from '../strings/translate.ts';
import type { AppDeps } from '../deps.ts';
import { problemText } from '../selfWatch/problemText.ts';
import { hasBearer } from './metrics.ts';

export function healthRoutes(deps: Pick<AppDeps, 'db' | 'build' | 'selfWatch' | 'config' | 'counters'>) {
  const app = new Hono();
  // 200 while the process serves requests, whatever the self-watch says (a container restart fixes none of its problems).
  app.get('/healthz', (c) => {
    const up = { status: 'ok', version: deps.build.version, commit: deps.build.commit };
    if (c.req.query('verbose') === undefined || !deps.selfWatch) return c.json(up);
    // The reasons name report jobs and times: behind METRICS_TOKEN when one is set, like /metrics.
    if (deps.config.metricsToken && !hasBearer(c.req.header('authorization'), deps.config.metricsToken)) {
      return c.json({ ...up, error: 'Send "Authorization: Bearer <METRICS_TOKEN>" for ?verbose.' }, 401, { 'www-authenticate': 'Bearer realm="metrics"' });
    }
    const w = deps.selfWatch.status();
    const t = translator('en');
    return c.json({
      ...up,
      watch: {
        status: w.status,
        checkedAt: w.checkedAt === undefined ? null : new Date(w.checkedAt).toISOString(),
        problems: w.problems.map((p) => ({ reason: p.code, severity: p.severity, since: new Date(p.since).toISOString(), message: problemText(t, p), detail: p.detail })),
        // Whether one is set; where it points is a credential.
        fallback: w.fallback !== undefined,
      },
    });
  });
  // After a write failed, ready only once a write commits again: a full disk still grants the write lock.
  const ready = () => {
    if (!isReady(deps.db)) return false;
    if (!deps.counters?.writesFailing) return true;
    if (!commitsWrite(deps.db)) return false;
    deps.counters.writesFailing = false;
    return true;
  };
  app.get('/readyz', (c) => (ready() ? c.json({ status: 'ready' }) : c.json({ status: 'not ready' }, 503)));
  return app;
}
