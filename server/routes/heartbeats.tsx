import { Hono, type Context } from 'hono';
import { writeAudit } from '../../db/queries/audit.ts';
import {
  countHeartbeatChecks,
  deleteHeartbeatCheck,
  getHeartbeatCheck,
  getHeartbeatCheckByKey,
  insertHeartbeatCheck,
  listHeartbeatChecks,
  MAX_HEARTBEAT_CHECKS,
  recentPings,
  transitionsOf,
  updateHeartbeatCheck,
} from '../../db/queries/heartbeats.ts';
import type { ViewContext } from '../../views/context.ts';
import type { Lang } from '../strings/translate.ts';
import { CheckEditorPage, HeartbeatDetailPage, HeartbeatsPage, type CheckListItem, type TranslatedCheckErrors } from '../../views/pages/heartbeats.tsx';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { describeSchedule } from '../heartbeats/alerts.ts';
import { checkFromRow, expectsDifferently, scheduleOf, shownStatus, type HeartbeatCheck } from '../heartbeats/checks.ts';
import { emptyCheckForm, formFromBody, formFromCheck, parseCheckForm, type CheckFormErrors, type CheckFormValues } from '../heartbeats/checkForm.ts';
import { expectation, initialHeartbeatState } from '../heartbeats/plan.ts';
import { sessionKey, type FlashStore } from './flash.ts';
import { endpointsFor } from './inbound.tsx';
import { clientIp, viewContext } from './viewContext.ts';

type Notice = { kind: 'ok' | 'bad'; text: string };

const PINGS_SHOWN = 20;
const TRANSITIONS_SHOWN = 20;

export function checkListItem(deps: Pick<AppDeps, 'clock' | 'calendar'>, check: HeartbeatCheck, lang: Lang): CheckListItem {
  const schedule = scheduleOf(check, deps.clock.now());
  const next = schedule ? expectation(schedule, check.state, deps.calendar?.calendar()) : undefined;
  return { check, status: shownStatus(check), schedule: describeSchedule(check, lang), ...(next ? { nextAt: next.dueAt } : {}) };
}

/** Every check as the console lists it; down and late first. */
export function checkListItems(deps: Pick<AppDeps, 'db' | 'clock' | 'calendar'>, lang: Lang): CheckListItem[] {
  const rank = { down: 0, late: 1, up: 2, new: 3, paused: 4 } as const;
  return listHeartbeatChecks(deps.db)
    .map((row) => checkListItem(deps, checkFromRow(row), lang))
    .sort((a, b) => rank[a.status] - rank[b.status]);
}

function translate(ctx: ViewContext, errors: CheckFormErrors): TranslatedCheckErrors {
  return Object.fromEntries(Object.entries(errors).map(([field, e]) => [field, ctx.t(e.key, e.params)]));
}

export function heartbeatRoutes(deps: AppDeps & { flash: FlashStore }) {
  const app = new Hono<AppEnv>();
  const base = (c: Context) => endpointsFor(c, deps.config.port).events.replace(/\/api\/v1\/events$/, '');
  const defaultZone = () => deps.settings.general().timeZone;

  const idOf = (c: Context<AppEnv>) => {
    const id = Number(c.req.param('id'));
    return Number.isSafeInteger(id) && id > 0 ? id : undefined;
  };
  const checkOf = (c: Context<AppEnv>) => {
    const row = getHeartbeatCheck(deps.db, idOf(c) ?? 0);
    return row ? checkFromRow(row) : undefined;
  };
  const listPage = (c: Context<AppEnv>, notice?: Notice, status: 200 | 404 = 200) => {
    const ctx = viewContext(c, deps);
    return c.html(<HeartbeatsPage ctx={ctx} items={checkListItems(deps, ctx.lang)} notice={notice} baseUrl={base(c)} />, status);
  };
  const notFound = (c: Context<AppEnv>) => listPage(c, { kind: 'bad', text: viewContext(c, deps).t('hb.notFound') }, 404);

  app.get('/heartbeats', (c) => listPage(c, deps.flash.take<Notice>(sessionKey(c), 'heartbeats')));

  app.get('/heartbeats/new', (c) => c.html(<CheckEditorPage ctx={viewContext(c, deps)} values={emptyCheckForm(defaultZone())} />));

  /** Create (no id) or edit: stores, starts watching over when what it expects changed, redirects. */
  const submit = async (c: Context<AppEnv>, before: HeartbeatCheck | undefined) => {
    const ctx = viewContext(c, deps);
    const values: CheckFormValues = formFromBody(await c.req.parseBody());
    const editor = (errors: CheckFormErrors, notice?: string) =>
      c.html(<CheckEditorPage ctx={ctx} checkId={before?.id} values={values} errors={translate(ctx, errors)} notice={notice} />, 422);
    const parsed = parseCheckForm(values);
    if (!parsed.ok) return editor(parsed.errors);
    const taken = getHeartbeatCheckByKey(deps.db, parsed.check.key);
    if (taken && taken.id !== before?.id) return editor({ key: { key: 'hb.error.keyTaken' } });
    if (!before && countHeartbeatChecks(deps.db) >= MAX_HEARTBEAT_CHECKS) return editor({}, ctx.t('hb.error.tooMany', { max: MAX_HEARTBEAT_CHECKS }));
    const now = deps.clock.now();
    if (before) {
      updateHeartbeatCheck(deps.db, before.id, parsed.check, now);
      if (expectsDifferently(before, parsed.check)) deps.heartbeats?.restart(before.id);
    } else {
      const state = initialHeartbeatState(now);
      insertHeartbeatCheck(deps.db, parsed.check, state.status, JSON.stringify(state), now);
    }
    writeAudit(deps.db, now, { actor: 'admin', action: before ? 'heartbeat.update' : 'heartbeat.create', detail: { key: parsed.check.key, name: parsed.check.name }, ip: clientIp(c) });
    deps.flash.put<Notice>(sessionKey(c), 'heartbeats', { kind: 'ok', text: ctx.t('hb.saved') });
    return c.redirect('/heartbeats', 303);
  };

  app.post('/heartbeats', (c) => submit(c, undefined));

  app.get('/heartbeats/:id', (c) => {
    const check = checkOf(c);
    if (!check) return notFound(c);
    const ctx = viewContext(c, deps);
    return c.html(
      <HeartbeatDetailPage
        ctx={ctx}
        item={checkListItem(deps, check, ctx.lang)}
        pings={recentPings(deps.db, check.id, PINGS_SHOWN)}
        transitions={transitionsOf(deps.db, check.id, TRANSITIONS_SHOWN)}
        baseUrl={base(c)}
      />,
    );
  });

  app.get('/heartbeats/:id/edit', (c) => {
    const check = checkOf(c);
    if (!check) return notFound(c);
    return c.html(<CheckEditorPage ctx={viewContext(c, deps)} checkId={check.id} values={formFromCheck(check)} />);
  });

  app.post('/heartbeats/:id', (c) => {
    const check = checkOf(c);
    return check ? submit(c, check) : notFound(c);
  });

  for (const action of ['pause', 'resume'] as const) {
    app.post(`/heartbeats/:id/${action}`, (c) => {
      const check = checkOf(c);
      if (!check) return notFound(c);
      const ctx = viewContext(c, deps);
      deps.heartbeats?.setPaused(check.id, action === 'pause');
      writeAudit(deps.db, deps.clock.now(), { actor: 'admin', action: `heartbeat.${action}`, detail: { key: check.key }, ip: clientIp(c) });
      deps.flash.put<Notice>(sessionKey(c), 'heartbeats', { kind: 'ok', text: ctx.t(action === 'pause' ? 'hb.paused' : 'hb.resumed', { name: check.name }) });
      return c.redirect('/heartbeats', 303);
    });
  }

  app.post('/heartbeats/:id/delete', (c) => {
    const check = checkOf(c);
    if (check && deleteHeartbeatCheck(deps.db, check.id)) {
      writeAudit(deps.db, deps.clock.now(), { actor: 'admin', action: 'heartbeat.delete', detail: { key: check.key, name: check.name }, ip: clientIp(c) });
      deps.flash.put<Notice>(sessionKey(c), 'heartbeats', { kind: 'ok', text: viewContext(c, deps).t('hb.deleted') });
    }
    return c.redirect('/heartbeats', 303);
  });

  return app;
}
