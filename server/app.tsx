import { Hono, type Context } from 'hono';
import type { IncomingMessage } from 'node:http';
import { bodyLimit } from 'hono/body-limit';
import { ErrorPage } from '../views/pages/error.tsx';
import type { AppDeps } from './deps.ts';
import type { AppEnv } from './env.ts';
import { apiRoutes } from './routes/api.ts';
import { auditRoutes } from './routes/audit.tsx';
import { troubleshootingRoutes } from './routes/troubleshooting.tsx';
import { settingsRoutes } from './routes/settings.tsx';
import { CONFIG_FORM_LIMIT, CONFIG_FORM_PATHS, configConsoleRoutes } from './routes/configConsole.tsx';
import { authRoutes, signInFirst } from './routes/auth.tsx';
import { channelRoutes } from './routes/channels.tsx';
import { dashboardRoutes } from './routes/dashboard.tsx';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { backupRoutes, RESTORE_PATH, RESTORE_UPLOAD_LIMIT, restoreTooLarge } from './routes/backup.tsx';
import { inboundRoutes } from './routes/inbound.tsx';
import { hookRoutes } from './routes/hooks.tsx';
import { apiDocsRoutes } from './routes/apiDocs.tsx';
import { reportRoutes } from './routes/reports.tsx';
import { languageRoutes } from './routes/language.ts';
import { metricRuleRoutes } from './routes/metricRules.tsx';
import { calendarRoutes } from './routes/calendar.tsx';
import { heartbeatRoutes } from './routes/heartbeats.tsx';
import { messageTemplateRoutes } from './routes/messageTemplates.tsx';
import { notificationRoutes } from './routes/notifications.tsx';
import { sendLogRoutes } from './routes/sendLog.tsx';
import { staticRoutes } from './routes/static.ts';
import { isHtmx, refererPage, returnPath, viewContext } from './routes/viewContext.ts';
import { createFlashStore } from './routes/flash.ts';
import {
  apiRequest,
  consoleRequest,
  csrfToken,
  isPublic,
  originCheck,
  readableForm,
  requireAuth,
  session,
  type PublicRoutes,
} from './security/webMiddleware.ts';
import { HTTPException } from 'hono/http-exception';
import { getPath } from 'hono/utils/url';
import { isStorageUnavailable } from './storageErrors.ts';
import { noteStorageError } from './opsCounters.ts';

const STORAGE_UNAVAILABLE = 'The appliance cannot write to its database right now (disk full, read-only or locked). Nothing was stored; retry later.';

/** Routes that answer without a console session (the API authenticates with its own tokens). */
export const PUBLIC_ROUTES: PublicRoutes = {
  paths: ['/login', '/setup', '/healthz', '/readyz', '/metrics'],
  prefixes: ['/static/', '/lang/', '/api/'],
};

/**
 * Every console form within its own limits fits, url-encoded (a Han character is 9 bytes, %E6%97%A5):
 * the largest, the hook editor, is up to ~560 KB (its 48 KiB sample alone 432 KiB, its templates and
 * lists the rest); a report's 8,000-character template ~72 KB.
 */
export const CONSOLE_BODY_LIMIT = 1024 * 1024;
/** The sign-in and setup forms, open to anyone: a few fields, so a stranger's body stays small. */
export const PUBLIC_BODY_LIMIT = 64 * 1024;

/** Reading the body failed because the request's connection is gone (node:http's "aborted"). */
function clientGone(c: Context, err: Error): boolean {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.destroyed === true && (err as NodeJS.ErrnoException).code === 'ECONNRESET';
}

export function createApp(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  // The API's own app: its routes alone, so its router (RegExpRouter) matches a request without
  // walking the console's middleware and pages (TrieRouter, which the console's routes need).
  const apiApp = new Hono<AppEnv>();

  // `api`: the API app's errors are JSON, the console's pages in the reader's language.
  const onError = (api: boolean) => (err: Error, c: Context<AppEnv>) => {
    if (err instanceof HTTPException) {
      const t = c.var.t;
      if (err.status !== 403 || !t) return c.text(err.message, err.status);
      // hono/csrf's refusal or the form token's (csrfToken): say why in the user's language instead of a bare "Forbidden".
      // A plain form gets a console page leading back to the form's page; htmx swaps the sentence in place.
      if (api || isHtmx(c)) return c.text(t('error.csrf'), 403);
      return c.html(<ErrorPage ctx={viewContext(c, deps)} message={t('error.csrf')} back={refererPage(c)} />, 403);
    }
    // The client left mid-request (a body timeout, or it hung up): the connection guard counted it
    // for /metrics; a log line each would let a flood of slow bodies flood the log too.
    if (clientGone(c, err)) return c.body(null, 400);
    if (isStorageUnavailable(err)) {
      // Disk full, read-only or locked: say so (503, retry later) on every route, not "internal error".
      deps.log.error('database unavailable', { method: c.req.method, path: c.req.path, error: err });
      if (deps.counters) noteStorageError(deps.counters, deps.clock.now());
      c.header('retry-after', '5');
      if (api || !c.var.t) return c.json({ error: 'storage_unavailable', message: STORAGE_UNAVAILABLE }, 503);
      try {
        return c.html(<ErrorPage ctx={viewContext(c, deps)} message={c.var.t('error.storage')} />, 503);
      } catch {
        return c.text(c.var.t('error.storage'), 503); // the page itself needs the database
      }
    }
    deps.log.error('request failed', { method: c.req.method, path: c.req.path, error: err });
    const t = c.var.t;
    if (api) return c.json({ error: 'internal_error', message: 'The appliance failed to handle this request; the error was logged.' }, 500);
    if (!t) return c.text('Internal error', 500);
    return c.html(<ErrorPage ctx={viewContext(c, deps)} message={t('error.server')} />, 500);
  };
  app.onError(onError(false));
  apiApp.onError(onError(true));
  apiApp.notFound((c) => c.json({ error: 'not_found', message: `No API endpoint answers ${c.req.method} ${c.req.path}` }, 404));
  app.notFound((c) => {
    const t = c.var.t;
    if (!t) return c.text('Not found', 404);
    return c.html(<ErrorPage ctx={viewContext(c, deps)} message={t('error.notFound')} />, 404);
  });

  app.use('*', consoleRequest(deps));
  app.route('/', healthRoutes(deps));
  app.route('/', metricsRoutes(deps));
  app.route('/', staticRoutes());
  app.route('/', languageRoutes());
  apiApp.use('*', apiRequest(deps));
  apiApp.route('/', apiRoutes({ ...deps, publicUrl: deps.config.publicUrl, port: deps.config.port, onQueued: deps.wakeWorker }));

  app.use('*', async (_c, next) => {
    await deps.consoleReady;
    await next();
  });
  app.use('*', originCheck());
  app.use('*', session(deps));
  app.use('*', requireAuth(deps, PUBLIC_ROUTES, { signInFirst: (c) => signInFirst(c, deps), returnPath }));
  app.use('*', async (c, next) => {
    // An uploaded backup has its own limit, applied here, before anything reads the body; a configuration document its own.
    if (c.req.path === RESTORE_PATH) return bodyLimit({ maxSize: RESTORE_UPLOAD_LIMIT, onError: (cx) => restoreTooLarge(cx, deps) })(c, next);
    const maxSize = CONFIG_FORM_PATHS.includes(c.req.path) ? CONFIG_FORM_LIMIT : isPublic(c.req.path, PUBLIC_ROUTES) ? PUBLIC_BODY_LIMIT : CONSOLE_BODY_LIMIT;
    // In the reader's language, as every console refusal. The body is refused unread: the connection
    // closes after the answer, or the client would send its next request on one still draining it.
    const tooLarge = (cx: Context<AppEnv>) => cx.text(cx.var.t('error.tooLarge', { max: maxSize / 1024 }), 413, { connection: 'close' });
    return bodyLimit({ maxSize, onError: tooLarge })(c, next);
  });
  app.use('*', readableForm());
  app.use('*', csrfToken(PUBLIC_ROUTES));

  // Outcomes of console forms, kept for the page their redirect leads to (post/redirect/get).
  const withFlash = { ...deps, flash: createFlashStore(deps.clock) };
  app.route('/', authRoutes(deps));
  app.route('/', dashboardRoutes(deps));
  app.route('/', channelRoutes(withFlash));
  app.route('/', notificationRoutes(withFlash));
  app.route('/', messageTemplateRoutes(withFlash));
  app.route('/', inboundRoutes(withFlash));
  app.route('/', hookRoutes(deps));
  app.route('/', apiDocsRoutes(deps));
  app.route('/', reportRoutes(withFlash));
  app.route('/', metricRuleRoutes(deps));
  app.route('/', heartbeatRoutes(withFlash));
  app.route('/', calendarRoutes(withFlash));
  app.route('/', sendLogRoutes(withFlash));
  app.route('/', auditRoutes(deps));
  app.route('/', troubleshootingRoutes(deps));
  app.route('/', settingsRoutes(withFlash));
  app.route('/', configConsoleRoutes(withFlash));
  app.route('/', backupRoutes(deps));
  // Everything under /api/ goes to the API's app (app.request() calls this fetch too), and the
  // route table (app.routes, which the security tests walk) lists the API's routes as well.
  app.routes.push(...apiApp.routes);
  const consoleFetch = app.fetch;
  // The path as hono's routers see it (percent-encoding decoded), so `/%61pi/v1/events` is the API's too.
  app.fetch = (request, env, executionCtx) => (getPath(request).startsWith('/api/') ? apiApp.fetch(request, env, executionCtx) : consoleFetch(request, env, executionCtx));
  return app;
}
