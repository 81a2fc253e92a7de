import { inArray } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import type { Db } from '../../db/client.ts';
import { writeAudit } from '../../db/queries/audit.ts';
import { listRecentEvents } from '../../db/queries/events.ts';
import { getApiToken, listApiTokens, revokeApiToken } from '../../db/queries/tokens.ts';
import { deliveries } from '../../db/schema.ts';
import type { MessageKey } from '../strings/translate.ts';
import { InboundPage, type InboundPageProps, type TokenFormField } from '../../views/pages/inbound/inboundPage.tsx';
import { RevokeConfirmPage, TokenCreatedPage, TokenGonePage } from '../../views/pages/inbound/tokenPages.tsx';
import type { Endpoints } from '../../views/pages/inbound/signingHelp.tsx';
import type { RecentEvent } from '../../views/pages/inbound/recentEvents.tsx';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { API_SCOPES, tokenScopes } from '../security/apiScopes.ts';
import { issueApiToken, TOKEN_DISPLAY_PREFIX, tokenHooks } from '../security/apiTokens.ts';
import { listRefusals } from '../../db/queries/refusals.ts';
import { ingestEvents, type Accepted } from '../delivery/intake.ts';
import { StoreLimitError } from '../metricRules/storeLimit.ts';
import { sampleEvent } from '../render/sampleEvents.ts';
import { KINDS } from '../events/schema.ts';
import { HOOK_NAME } from '../hooks/mapping.ts';
import { sessionKey, type FlashStore } from './flash.ts';
import { requestOrigin } from './requestOrigin.ts';
import { clientIp, viewContext } from './viewContext.ts';

export const TOKEN_NAME_MAX = 60;
/** Hooks one token may be limited to. */
export const TOKEN_HOOKS_MAX = 20;
export const RECENT_EVENTS = 50;

const createSchema = v.pipe(
  v.object({
    name: v.pipe(
      v.optional(v.string(), ''),
      v.trim(),
      v.nonEmpty('inbound.error.nameEmpty'),
      v.check((s) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(s), 'inbound.error.nameInvalid'),
      v.check((s) => [...s].length <= TOKEN_NAME_MAX, 'inbound.error.nameLong'),
    ),
    requireSignature: v.pipe(v.optional(v.string(), ''), v.transform((s) => s !== '')),
    hooks: v.pipe(
      v.optional(v.string(), ''),
      v.transform((s) => [...new Set(s.split(/[\s,]+/).filter(Boolean))]),
      v.check((names) => names.length <= TOKEN_HOOKS_MAX, 'inbound.error.hooksMany'),
      v.check((names) => names.every((n) => HOOK_NAME.test(n)), 'inbound.error.hooksInvalid'),
    ),
    scopes: v.pipe(v.array(v.picklist(API_SCOPES)), v.minLength(1, 'inbound.error.scopeNone')),
  }),
  // A token limited to hooks posts to them and uses nothing else of the API (configuration included).
  v.forward(
    v.check((t) => t.hooks.length === 0 || (t.scopes.length === 1 && t.scopes[0] === 'send'), 'inbound.error.hooksScope'),
    ['hooks'],
  ),
);
const idParam = v.pipe(v.string(), v.regex(/^\d{1,15}$/), v.transform(Number));

const sameName = (a: string, b: string) => a.normalize('NFC').toLowerCase() === b.normalize('NFC').toLowerCase();

/** The addresses as this browser reached the appliance; a Host header that is not a host name is not echoed. */
export function endpointsFor(c: Context, port: number): Endpoints {
  const base = requestOrigin(c, port);
  return { events: `${base}/api/v1/events`, alertmanager: `${base}/api/v1/alertmanager` };
}

/** Which of these events have messages of their own in the send log. */
function eventsWithDeliveries(db: Db, ids: number[]): Set<number> {
  if (!ids.length) return new Set();
  const rows = db.selectDistinct({ eventId: deliveries.eventId }).from(deliveries).where(inArray(deliveries.eventId, ids)).all();
  return new Set(rows.flatMap((r) => (r.eventId === null ? [] : [r.eventId])));
}

function recentEvents(db: Db): RecentEvent[] {
  const rows = listRecentEvents(db, { limit: RECENT_EVENTS });
  const withDeliveries = eventsWithDeliveries(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((row) => ({
    row,
    ...(withDeliveries.has(row.id) ? { deliveryHref: `/send-log?event=${row.id}` } : {}),
    ...(row.digestDeliveryId !== null ? { digestId: row.digestDeliveryId } : {}),
  }));
}

type Notice = NonNullable<InboundPageProps['notice']>;
const sampleForm = v.object({ kind: v.picklist(KINDS) });

export function inboundRoutes(deps: AppDeps & { flash: FlashStore }) {
  const app = new Hono<AppEnv>();

  const page = (c: Context<AppEnv>, extra: Pick<InboundPageProps, 'form' | 'notice'> = {}, status: 200 | 404 | 422 = 200) => {
    const ctx = viewContext(c, deps);
    return c.html(
      <InboundPage
        ctx={ctx}
        endpoints={endpointsFor(c, deps.config.port)}
        tokens={listApiTokens(deps.db)}
        events={recentEvents(deps.db)}
        refusals={listRefusals(deps.db)}
        sampleLanguage={deps.settings.delivery().language}
        {...extra}
      />,
      status,
    );
  };

  /** Post/redirect/get: the notice waits for the page the redirect leads to. */
  const done = (c: Context<AppEnv>, notice: Notice) => {
    deps.flash.put<Notice>(sessionKey(c), 'inbound', notice);
    return c.redirect('/inbound', 303);
  };

  app.get('/inbound', (c) => {
    const notice = deps.flash.take<Notice>(sessionKey(c), 'inbound');
    return page(c, notice ? { notice } : {});
  });

  // A sample event through the same intake as StoreClaw's, written in the notification language.
  app.post('/inbound/sample', async (c) => {
    const ctx = viewContext(c, deps);
    const form = v.safeParse(sampleForm, await c.req.parseBody());
    if (!form.success) return page(c, { notice: { kind: 'bad', text: ctx.t('form.error.choice') } }, 422);
    const event = sampleEvent(form.output.kind, deps.settings.delivery().language);
    let accepted: Accepted | undefined;
    try {
      [accepted] = ingestEvents({ ...deps, publicUrl: deps.config.publicUrl }, [event], { source: 'console', tokenId: null });
    } catch (err) {
      if (!(err instanceof StoreLimitError)) throw err;
      deps.metricRules?.refused(err);
      return done(c, { kind: 'bad', text: ctx.t('mr.storeLimitReached', { limit: err.limit }) });
    }
    if (accepted!.status === 'queued') deps.wakeWorker();
    writeAudit(deps.db, deps.clock.now(), { actor: 'admin', action: 'event.sample', detail: { kind: event.kind, event: accepted!.id }, ip: clientIp(c) });
    const status = ctx.t(`event.status.${accepted!.status}`);
    return done(c, { kind: 'ok', text: ctx.t('sample.sent', { kind: ctx.t(`kind.${event.kind}`), id: accepted!.id, status }) });
  });

  app.post('/inbound/tokens', async (c) => {
    const ctx = viewContext(c, deps);
    const body = await c.req.parseBody({ all: true });
    const rawName = typeof body.name === 'string' ? body.name : '';
    const rawSignature = typeof body.requireSignature === 'string' ? body.requireSignature : '';
    const rawHooks = typeof body.hooks === 'string' ? body.hooks : '';
    const requireSignature = rawSignature !== '';
    // Checkboxes: each ticked scope arrives once; none ticked arrives as nothing.
    const rawScopes = [body['scope'] ?? []].flat().filter((s): s is string => typeof s === 'string');
    const scopes = API_SCOPES.filter((s) => rawScopes.includes(s));
    const parsed = v.safeParse(createSchema, { name: rawName, requireSignature: rawSignature, hooks: rawHooks, scopes: rawScopes });
    if (!parsed.success) {
      const issue = parsed.issues[0];
      const key = issue.path?.[0]?.key;
      const field: TokenFormField = key === 'hooks' || key === 'scopes' ? key : 'name';
      const error = { field, text: ctx.t(issue.message as MessageKey, { max: field === 'hooks' ? TOKEN_HOOKS_MAX : TOKEN_NAME_MAX }) };
      return page(c, { form: { name: rawName, requireSignature, scopes, hooks: rawHooks, error } }, 422);
    }
    const { name, hooks } = parsed.output;
    // No await between this check and the insert: two racing forms cannot both pass it.
    if (listApiTokens(deps.db).some((tok) => tok.revokedAt === null && sameName(tok.name, name))) {
      return page(c, { form: { name: rawName, requireSignature, scopes, hooks: rawHooks, error: { field: 'name', text: ctx.t('inbound.error.nameTaken', { name }) } } }, 422);
    }
    const now = deps.clock.now();
    const { id, token, signingSecret } = issueApiToken(deps, { name, requireSignature: parsed.output.requireSignature, now, scopes: parsed.output.scopes, hooks });
    const prefix = token.slice(0, TOKEN_DISPLAY_PREFIX);
    writeAudit(deps.db, now, {
      actor: 'admin',
      action: 'token.create',
      detail: { id, name, prefix, requireSignature: parsed.output.requireSignature, scopes: parsed.output.scopes, ...(hooks.length ? { hooks } : {}) },
      ip: clientIp(c),
    });
    // Post/redirect/get: the token waits, once, for the GET the redirect leads to; a reload shows it no more.
    deps.flash.put(sessionKey(c), `token-${id}`, { token, signingSecret });
    return c.redirect(`/inbound/tokens/${id}/created`, 303);
  });

  app.get('/inbound/tokens/:id/created', (c) => {
    const ctx = viewContext(c, deps);
    const parsed = v.safeParse(idParam, c.req.param('id'));
    const row = parsed.success ? getApiToken(deps.db, parsed.output) : undefined;
    if (!row) return c.notFound();
    // Shown once: never cached, never shown again.
    c.header('cache-control', 'no-store');
    const shown = deps.flash.take<{ token: string; signingSecret: string }>(sessionKey(c), `token-${row.id}`);
    if (!shown) return c.html(<TokenGonePage ctx={ctx} name={row.name} />);
    return c.html(<TokenCreatedPage ctx={ctx} name={row.name} token={shown.token} signingSecret={shown.signingSecret} requireSignature={row.requireSignature} scopes={tokenScopes(row)} hooks={tokenHooks(row)} endpoints={endpointsFor(c, deps.config.port)} />);
  });

  app.get('/inbound/tokens/:id/revoke', (c) => {
    const parsed = v.safeParse(idParam, c.req.param('id'));
    const token = parsed.success ? getApiToken(deps.db, parsed.output) : undefined;
    if (!token) return c.notFound();
    if (token.revokedAt !== null) return c.redirect('/inbound');
    return c.html(<RevokeConfirmPage ctx={viewContext(c, deps)} token={token} />);
  });

  app.post('/inbound/tokens/:id/revoke', (c) => {
    const ctx = viewContext(c, deps);
    const parsed = v.safeParse(idParam, c.req.param('id'));
    const token = parsed.success ? getApiToken(deps.db, parsed.output) : undefined;
    if (!token) return c.notFound();
    if (token.revokedAt !== null) return done(c, { kind: 'info', text: ctx.t('inbound.alreadyRevoked', { name: token.name }) });
    const now = deps.clock.now();
    revokeApiToken(deps.db, token.id, now);
    writeAudit(deps.db, now, { actor: 'admin', action: 'token.revoke', detail: { id: token.id, name: token.name, prefix: token.prefix }, ip: clientIp(c) });
    return done(c, { kind: 'ok', text: ctx.t('inbound.revoked', { name: token.name }) });
  });

  return app;
}
