import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { mapAlertmanager } from '../events/alertmanager.ts';
import { createGroupCommit } from '../delivery/groupCommit.ts';
import { parseMetricBatch } from '../events/metricBatch.ts';
import type { Accepted, IntakeDeps, IntakeMeta } from '../delivery/intake.ts';
import { parseEvent, type InboundEvent } from '../events/schema.ts';
import type { Logger } from '../log.ts';
import { createApiAuthenticator, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../security/apiAuth.ts';
import { mayPost, tokenHooks } from '../security/apiTokens.ts';
import type { AppEnv } from '../env.ts';
import { apiJson } from '../security/apiHeaders.ts';
import { throttleKey } from '../security/clientAddress.ts';
import type { SecretBox } from '../security/secretBox.ts';
import { isStorageUnavailable } from '../storageErrors.ts';
import { eventStatusHandler } from './eventStatus.ts';
import { hookIntake } from '../hooks/hookIntake.ts';
import { openApiHandler } from './openApi.ts';
import { heartbeatApiRoutes } from './heartbeatApi.ts';
import type { HeartbeatEngine } from '../heartbeats/engine.ts';
import { recordRefusal } from '../../db/queries/refusals.ts';
import type { RefusalReason } from '../../db/schema.ts';
import type { ApiTokenRow } from '../../db/queries/tokens.ts';
import type { ConfigApplyDeps } from '../configAsCode/applyConfig.ts';
import { hasScope, missingScopeMessage } from '../security/apiScopes.ts';
import { CONFIG_MAX_BYTES, CONFIG_PATH, configApiHandlers, type ApiRefusals, type ScopeRefusal, type VerifyRequest } from './configApi.ts';
import { clientIp } from './viewContext.ts';
import type { MetricRuleEngine } from '../metricRules/engine.ts';
import { refusalMessage, StoreLimitError } from '../metricRules/storeLimit.ts';
import { notUtf8Answer, readBodyText } from './utf8Body.ts';
import { noteStorageError, type OpsCounters } from '../opsCounters.ts';

export const API_BODY_LIMIT = 64 * 1024;

export interface ApiDeps extends Omit<IntakeDeps, 'metricRules'>, Omit<ConfigApplyDeps, 'wakeWorker'> {
  log: Logger;
  secretBox: SecretBox;
  /** Called after events were queued, so the worker looks at once. */
  onQueued: () => void;
  /** The metric rules (intake judges points with them; a refusal for their store limit is noted). */
  metricRules?: MetricRuleEngine;
  /** Heartbeat checks: pinged by POST /api/v1/heartbeats/{key} and by matching task results. */
  heartbeats?: HeartbeatEngine;
  /** The listening port: the API document's server address when PUBLIC_URL is unset and Host is unusable. */
  port: number;
  /** Where a request the database could not store is noted (the self-watch, /readyz). */
  counters?: OpsCounters;
}

type Parsed =
  | { ok: true; events: InboundEvent[] }
  | { ok: false; issues: Array<{ path: string; message: string }> }
  | { ok: 'answer'; status: 200 | 404; body: Record<string, unknown> };

export function apiRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  const auth = createApiAuthenticator(deps);
  // Requests arriving together share one commit; each is answered only after it.
  const intake = createGroupCommit(deps);

  // A configuration document may hold every template and mapping: its route takes more than an event.
  const limitOf = (path: string) => (path === CONFIG_PATH ? CONFIG_MAX_BYTES : API_BODY_LIMIT);
  const tooLarge = (c: Context) => c.json({ error: 'payload_too_large', message: `The body must be at most ${limitOf(c.req.path)} bytes` }, 413);
  const streamedLimits = new Map([API_BODY_LIMIT, CONFIG_MAX_BYTES].map((maxSize) => [maxSize, bodyLimit({ maxSize, onError: tooLarge })]));

  // Whatever refuses a request after its signature was recorded stored nothing (202, and 200 for a
  // duplicate, keep it): the record is taken back, so the sender may send the request again as it
  // was. Only this request's own record: never one that a replay or an unauthenticated request shows.
  app.use('/api/*', async (c, next) => {
    await next();
    const signature = c.get('recordedSignature');
    if (signature === undefined || (c.res.status >= 200 && c.res.status < 300)) return;
    try {
      auth.forget(signature);
    } catch (err) {
      // On a disk too full even for that, it stays recorded.
      if (!isStorageUnavailable(err)) throw err;
    }
  });

  // A body with a Content-Length is judged by the header, so the handler reads it through
  // @hono/node-server's direct path; hono's bodyLimit (which turns every body into web streams,
  // a large share of each request's cost) is left for chunked bodies.
  app.use('/api/*', (c, next) => {
    const length = c.req.header('content-length');
    const limit = limitOf(c.req.path);
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return streamedLimits.get(limit)!(c, next);
    return Number.parseInt(length, 10) > limit ? Promise.resolve(tooLarge(c)) : next();
  });

  /** Records a refusal for the console's list; a full or locked disk must not turn the answer into a 500. */
  const refused = (c: Context, reason: RefusalReason, prefix: string | undefined) => {
    try {
      const ip = clientIp(c);
      recordRefusal(deps.db, { at: deps.clock.now(), reason, tokenPrefix: prefix ?? null, path: c.req.path, ip, source: throttleKey(ip) });
    } catch (err) {
      if (!isStorageUnavailable(err)) throw err;
      if (deps.counters) noteStorageError(deps.counters, deps.clock.now());
    }
  };
  const unauthorized: ApiRefusals['unauthorized'] = (c, verdict) => {
    refused(c, verdict.reason, verdict.prefix);
    return c.json({ error: 'unauthorized', message: verdict.message }, 401, { 'www-authenticate': 'Bearer' });
  };
  const forbidden: ScopeRefusal = (c, token, needed) => {
    refused(c, 'missing_scope', token.prefix);
    return c.json({ error: 'forbidden', message: missingScopeMessage(needed) }, 403);
  };
  /** A token limited to named hooks posts to those hooks and uses nothing else of the API. */
  const hookOnly = (c: Context, token: ApiTokenRow) => {
    refused(c, 'hook_not_allowed', token.prefix);
    const hooks = tokenHooks(token)!.map((h) => `/api/v1/hooks/${h}`).join(', ');
    return c.json({ error: 'forbidden', message: `This token may only post to ${hooks}` }, 403);
  };

  /** 503 for an authenticated request the database could not store (noted: /readyz is not ready until a write commits again). */
  const storageUnavailable: ApiRefusals['storageUnavailable'] = (c, nothing) => {
    if (deps.counters) noteStorageError(deps.counters, deps.clock.now());
    return c.json({ error: 'storage_unavailable', message: `The appliance cannot write to its database right now (disk full, read-only or locked). Nothing was ${nothing}; retry later.` }, 503, { 'retry-after': '5' });
  };

  /** A 400 naming every point a metric rule at its store limit refused (`store`, or `3.store` in a batch). */
  const storeLimitAnswer = (c: Context, events: InboundEvent[], err: StoreLimitError, batch: boolean) => {
    deps.metricRules?.refused(err);
    const issues = err.refusals.flatMap((r) =>
      events.flatMap((e, i) => (e.kind === 'metric' && e.name === r.metric && (e.store ?? '') === r.store ? [{ path: batch ? `${i}.store` : 'store', message: refusalMessage(r, err.limit) }] : [])),
    );
    const unique = [...new Map(issues.map((issue) => [issue.path, issue])).values()];
    return c.json({ error: 'store_limit', message: `${unique[0]!.path}: ${unique[0]!.message}`, issues: unique }, 400);
  };

  /**
   * A request's token and signature (`body` is what it signs: the body, or a GET's path and query).
   * A signature recorded against replay is noted on the request for the refusals after this.
   */
  const verify: VerifyRequest = (c, body) => {
    const signature = c.req.header(SIGNATURE_HEADER);
    const verdict = auth.authenticate({ authorization: c.req.header('authorization'), signature, timestamp: c.req.header(TIMESTAMP_HEADER), body });
    if (verdict.ok && signature) c.set('recordedSignature', signature);
    return verdict;
  };

  /**
   * The token (and signature) of a request, or the answer refusing it with the refusal recorded:
   * 401, or 403 for a token limited to generic webhooks other than `hook` (the hook's name, if any)
   * or without the `send` scope (events, metrics, hooks, heartbeat check-ins).
   */
  const authenticate = (c: Context, body: string, hook?: string): { ok: true; tokenId: number } | { ok: false; response: Response } => {
    const verdict = verify(c, body);
    if (!verdict.ok) return { ok: false, response: unauthorized(c, verdict) };
    if (!mayPost(verdict.token, hook)) return { ok: false, response: hookOnly(c, verdict.token) };
    if (!hasScope(verdict.token, 'send')) return { ok: false, response: forbidden(c, verdict.token, 'send') };
    return { ok: true, tokenId: verdict.token.id };
  };

  const accept = async (c: Context, source: IntakeMeta['source'], parse: (json: unknown) => Parsed, batch = false) => {
    const { text: body, utf8 } = await readBodyText(c);
    const verdict = authenticate(c, body, source.startsWith('hook:') ? source.slice('hook:'.length) : undefined);
    if (!verdict.ok) return verdict.response;
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json' && !type.endsWith('+json')) {
      return c.json({ error: 'unsupported_media_type', message: 'Send JSON with "Content-Type: application/json"' }, 415);
    }
    if (!utf8) return notUtf8Answer(c);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (err) {
      return c.json({ error: 'invalid_json', message: `The body is not valid JSON: ${(err as Error).message}` }, 400);
    }
    const parsed = parse(json);
    if (parsed.ok === 'answer') return c.json(parsed.body, parsed.status);
    if (!parsed.ok) {
      const first = parsed.issues[0];
      return c.json({ error: 'invalid_event', message: first ? `${first.path}: ${first.message}` : 'invalid event', issues: parsed.issues }, 400);
    }
    let accepted: Accepted[];
    try {
      accepted = await intake.submit(parsed.events, { source, tokenId: verdict.tokenId });
    } catch (err) {
      if (err instanceof StoreLimitError) return storeLimitAnswer(c, parsed.events, err, batch);
      if (!isStorageUnavailable(err)) throw err;
      deps.log.error('could not store inbound events', { error: err });
      return storageUnavailable(c, 'stored');
    }
    if (accepted.some((a) => a.status === 'queued' && !a.repeated)) deps.onQueued();
    return accepted;
  };

  app.post('/api/v1/events', async (c) => {
    const result = await accept(c, 'api', (json) => {
      const r = parseEvent(json);
      return r.ok ? { ok: true, events: [r.event] } : r;
    });
    if (result instanceof Response) return result;
    const [first] = result;
    return apiJson(c, { id: first!.id, status: first!.status, ...(first!.repeated ? { duplicate: true } : {}) }, first!.repeated ? 200 : 202);
  });

  app.post('/api/v1/hooks/:name', async (c) => {
    const name = c.req.param('name');
    const result = await accept(c, `hook:${name}`, (json) => hookIntake(deps.db, name, json));
    if (result instanceof Response) return result;
    const [first] = result;
    return apiJson(c, { id: first!.id, status: first!.status, ...(first!.repeated ? { duplicate: true } : {}) }, first!.repeated ? 200 : 202);
  });

  // Metric points in one request and one commit; rules judge them in that commit.
  app.post('/api/v1/metrics', async (c) => {
    const result = await accept(c, 'api', parseMetricBatch, true);
    if (result instanceof Response) return result;
    return apiJson(c, { accepted: result.length, events: result.map((a) => ({ id: a.id, status: a.status, ...(a.repeated ? { duplicate: true } : {}) })) }, 202);
  });

  app.post('/api/v1/alertmanager', async (c) => {
    const result = await accept(c, 'alertmanager', (json) => {
      const r = mapAlertmanager(json);
      return r.ok ? { ok: true, events: r.events } : r;
    });
    if (result instanceof Response) return result;
    return apiJson(c, { accepted: result.length, events: result.map((a) => ({ id: a.id, status: a.status, ...(a.repeated ? { duplicate: true } : {}) })) }, 202);
  });

  app.get('/api/v1/events/:id', eventStatusHandler({ db: deps.db, verify, refusals: { unauthorized, forbidden } }));
  app.route('/', heartbeatApiRoutes({ ...deps, authenticate, storageUnavailable }));
  const config = configApiHandlers({ ...deps, wakeWorker: deps.onQueued }, verify, { unauthorized, forbidden, hookOnly, storageUnavailable });
  app.get(CONFIG_PATH, config.get);
  app.put(CONFIG_PATH, config.put);
  app.get('/api/v1/openapi.json', openApiHandler({ publicUrl: deps.publicUrl, port: deps.port }));

  return app;
}
