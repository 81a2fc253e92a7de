// GET /api/v1/config (export, scope `read`) and PUT /api/v1/config (import, scope `admin`; `?dry_run=true`
// shows the changes without applying them). Tokens and signatures as for every /api/ route; a GET
// signs its path and query.
import type { Context } from 'hono';
import { configFingerprint, readCurrentConfig } from '../configAsCode/currentConfig.ts';
import { CONFIG_MAX_BYTES } from '../configAsCode/document.ts';
import { importConfig } from '../configAsCode/importConfig.ts';
import type { ConfigApplyDeps } from '../configAsCode/applyConfig.ts';
import type { ConfigPlan } from '../configAsCode/plan.ts';
import type { ApiAuthResult } from '../security/apiAuth.ts';
import { hasScope, type ApiScope } from '../security/apiScopes.ts';
import { mayPost } from '../security/apiTokens.ts';
import type { ApiTokenRow } from '../../db/queries/tokens.ts';
import { isStorageUnavailable } from '../storageErrors.ts';
import { clientIp } from './viewContext.ts';
import { notUtf8Answer, readBodyText } from './utf8Body.ts';

export const CONFIG_PATH = '/api/v1/config';
export { CONFIG_MAX_BYTES };

/** A request's token and signature checked (`body` is what it signs); a recorded signature is taken back if the request is then refused. */
export type VerifyRequest = (c: Context, body: string) => ApiAuthResult;

/** What a 403 for a missing scope does beside answering (the intake's refused-requests list). */
export type ScopeRefusal = (c: Context, token: ApiTokenRow, needed: ApiScope) => Response;

/**
 * The refusals of the routes beside intake, each recorded for the console's list as intake's are:
 * a token missing, unknown or badly signed (401), a scope missing, or a token limited to named hooks;
 * and intake's 503 for a request the database could not store.
 */
export interface ApiRefusals {
  unauthorized: (c: Context, verdict: Extract<ApiAuthResult, { ok: false }>) => Response;
  forbidden: ScopeRefusal;
  hookOnly: (c: Context, token: ApiTokenRow) => Response;
  /** 503: the database could not be written, nothing of the request `stored` (or `changed`). */
  storageUnavailable: (c: Context, nothing: 'stored' | 'changed') => Response;
}

const DRY_RUN = { true: true, '1': true, false: false, '0': false } as Record<string, boolean>;

/** The plan as the API answers it: section, action, item and the fields an update changes. */
export function planAnswer(plan: ConfigPlan) {
  return {
    changes: plan.changes.map((c) => ({ section: c.section, action: c.action, item: c.item, ...(c.fields ? { fields: c.fields } : {}) })),
    ended_silences: plan.ended,
    untouched: plan.untouched,
    report_jobs_kept_off: plan.keptOff.map((k) => k.item),
  };
}

export function configApiHandlers(deps: ConfigApplyDeps, verify: VerifyRequest, { unauthorized, forbidden, hookOnly, storageUnavailable }: ApiRefusals) {
  const get = (c: Context) => {
    const url = new URL(c.req.url);
    const verdict = verify(c, url.pathname + url.search);
    if (!verdict.ok) return unauthorized(c, verdict);
    if (!mayPost(verdict.token, undefined)) return hookOnly(c, verdict.token);
    if (!hasScope(verdict.token, 'read')) return forbidden(c, verdict.token, 'read');
    const { document } = readCurrentConfig(deps);
    return c.json(document, 200, { etag: `"${configFingerprint(document)}"` });
  };

  const put = async (c: Context) => {
    const { text: body, utf8 } = await readBodyText(c);
    const verdict = verify(c, body);
    if (!verdict.ok) return unauthorized(c, verdict);
    if (!mayPost(verdict.token, undefined)) return hookOnly(c, verdict.token);
    if (!hasScope(verdict.token, 'admin')) return forbidden(c, verdict.token, 'admin');
    const dryRunParam = c.req.query('dry_run');
    const dryRun = dryRunParam === undefined ? false : DRY_RUN[dryRunParam];
    if (dryRun === undefined) return c.json({ error: 'invalid_query', message: 'dry_run: must be true or false' }, 400);
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json' && !type.endsWith('+json')) return c.json({ error: 'unsupported_media_type', message: 'Send JSON with "Content-Type: application/json"' }, 415);
    if (!utf8) return notUtf8Answer(c);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (err) {
      return c.json({ error: 'invalid_json', message: `The body is not valid JSON: ${(err as Error).message}` }, 400);
    }
    const ifMatch = c.req.header('if-match')?.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
    const { id, name, prefix } = verdict.token;
    try {
      const outcome = importConfig(deps, json, { dryRun, ...(ifMatch ? { expectBase: ifMatch } : {}), who: { actor: 'api', ip: clientIp(c), token: { id, name, prefix } } });
      if (!outcome.ok && outcome.reason === 'invalid') {
        const first = outcome.issues[0]!;
        return c.json({ error: 'invalid_config', message: `${first.path}: ${first.message}`, issues: outcome.issues }, 400);
      }
      if (!outcome.ok) {
        return c.json({ error: 'config_changed', message: 'The configuration changed since the state If-Match names: run the dry run again and review its changes' }, 412, { etag: `"${outcome.base}"` });
      }
      return c.json({ dry_run: dryRun, applied: outcome.applied, base: outcome.base, result: outcome.result, ...planAnswer(outcome.plan) }, 200, { etag: `"${outcome.result}"` });
    } catch (err) {
      if (!isStorageUnavailable(err)) throw err;
      return storageUnavailable(c, 'changed');
    }
  };

  return { get, put };
}
