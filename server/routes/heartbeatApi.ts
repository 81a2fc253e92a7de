// POST /api/v1/heartbeats/{key} (success), /{key}/start and /{key}/fail: a task checks in. Same
// tokens and signature as the events API. The body may be empty; when given it is JSON with the
// task's message (or its output's last lines) and its exit code.
import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import { heartbeatPingSchema } from '../api/heartbeatPing.ts';
import { HEARTBEAT_META, storeEvents, type IntakeDeps } from '../delivery/intake.ts';
import { toEventIssues } from '../events/schema.ts';
import type { HeartbeatEngine, PingDetails } from '../heartbeats/engine.ts';
import type { PingKind } from '../heartbeats/plan.ts';
import { shownStatus } from '../heartbeats/checks.ts';
import type { Logger } from '../log.ts';
import { isStorageUnavailable } from '../storageErrors.ts';
import type { ApiRefusals } from './configApi.ts';
import { notUtf8Answer, readBodyText } from './utf8Body.ts';

type Authenticate = (c: Context, body: string) => { ok: true; tokenId: number } | { ok: false; response: Response };

export function heartbeatApiRoutes(deps: IntakeDeps & { log: Logger; authenticate: Authenticate; storageUnavailable: ApiRefusals['storageUnavailable']; heartbeats?: HeartbeatEngine; onQueued: () => void }) {
  const app = new Hono();

  const handle = async (c: Context, kind: PingKind) => {
    const { text: body, utf8 } = await readBodyText(c);
    const verdict = deps.authenticate(c, body);
    if (!verdict.ok) return verdict.response;
    const engine = deps.heartbeats;
    const key = c.req.param('key') ?? '';
    let details: PingDetails = { kind };
    if (body.trim() !== '') {
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/json' && !type.endsWith('+json')) {
        return c.json({ error: 'unsupported_media_type', message: 'Send no body, or JSON with "Content-Type: application/json"' }, 415);
      }
      if (!utf8) return notUtf8Answer(c);
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch (err) {
        return c.json({ error: 'invalid_json', message: `The body is not valid JSON: ${(err as Error).message}` }, 400);
      }
      const parsed = v.safeParse(heartbeatPingSchema, json);
      if (!parsed.success) {
        const issues = toEventIssues(parsed.issues);
        return c.json({ error: 'invalid_ping', message: `${issues[0]!.path}: ${issues[0]!.message}`, issues }, 400);
      }
      details = { kind, ...(parsed.output.message !== undefined ? { message: parsed.output.message } : {}), ...(parsed.output.exit_code !== undefined ? { exitCode: parsed.output.exit_code } : {}) };
    }
    if (!engine) return c.json({ error: 'unknown_check', message: `No heartbeat check has the key "${key}"` }, 404);
    let outcome;
    try {
      outcome = deps.db.$client.transaction(() => engine.ping(key, details, (alerts) => storeEvents(deps, alerts, HEARTBEAT_META))).immediate();
    } catch (err) {
      if (!isStorageUnavailable(err)) throw err;
      deps.log.error('could not store a heartbeat ping', { error: err });
      return deps.storageUnavailable(c, 'stored');
    }
    if (!outcome.found) return c.json({ error: 'unknown_check', message: `No heartbeat check has the key "${key}": create it on the Heartbeats page first` }, 404);
    deps.onQueued();
    return c.json({ check: outcome.check.key, kind, status: shownStatus(outcome.check) }, 200);
  };

  /** Pause or resume: no body; a paused check never fires, resuming watches it again from now. */
  const pause = async (c: Context, paused: boolean) => {
    const verdict = deps.authenticate(c, await c.req.text());
    if (!verdict.ok) return verdict.response;
    const key = c.req.param('key') ?? '';
    const engine = deps.heartbeats;
    let check;
    try {
      check = engine ? deps.db.$client.transaction(() => engine.setPausedByKey(key, paused)).immediate() : undefined;
    } catch (err) {
      if (!isStorageUnavailable(err)) throw err;
      return deps.storageUnavailable(c, 'stored');
    }
    if (!check) return c.json({ error: 'unknown_check', message: `No heartbeat check has the key "${key}": create it on the Heartbeats page first` }, 404);
    return c.json({ check: check.key, paused: check.paused, status: shownStatus(check) }, 200);
  };

  app.post('/api/v1/heartbeats/:key', (c) => handle(c, 'success'));
  app.post('/api/v1/heartbeats/:key/pause', (c) => pause(c, true));
  app.post('/api/v1/heartbeats/:key/resume', (c) => pause(c, false));
  app.post('/api/v1/heartbeats/:key/start', (c) => handle(c, 'start'));
  app.post('/api/v1/heartbeats/:key/fail', (c) => handle(c, 'fail'));
  return app;
}
