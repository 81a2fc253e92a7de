import { Hono, type Context } from 'hono';
import { writeAudit } from '../../db/queries/audit.ts';
import { deleteMetricRule, getMetricRule, insertMetricRule, listMetricRules, metricPoints, stateCountsByRule, storesOfRuleWithStatus, updateMetricRule } from '../../db/queries/metricRules.ts';
import type { ViewContext } from '../../views/context.ts';
import { BacktestPanel, MetricRulesPage, RuleEditorPage, type BacktestView, type FiringPage, type RuleListItem, type TranslatedErrors } from '../../views/pages/metricRules.tsx';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { backtest, lookbackMs } from '../metricRules/backtest.ts';
import { describeCondition, describeStore } from '../metricRules/describe.ts';
import type { MetricRule } from '../metricRules/definition.ts';
import { emptyRuleForm, formFromBody, formFromRule, parseRuleForm, type RuleDraft, type RuleFormErrors, type RuleFormValues } from '../metricRules/ruleForm.ts';
import { firingRules } from '../metricRules/firingList.ts';
import { ruleFromRow, rowFromRule } from '../metricRules/ruleRows.ts';
import { MAX_STORES_PER_RULE } from '../metricRules/storeLimit.ts';
import { clientIp, isHtmx, viewContext } from './viewContext.ts';

/** Most points a backtest reads (the newest): a week of one point every 30 minutes for 60 stores, within one request's budget. */
export const BACKTEST_POINT_LIMIT = 20_000;
const DAY = 86_400_000;

function translate(ctx: ViewContext, errors: RuleFormErrors): TranslatedErrors {
  return Object.fromEntries(Object.entries(errors).map(([field, e]) => [field, ctx.t(e.key, e.params)]));
}

/** Stores named per rule and state in the list; the rest are counted. */
export const STORES_NAMED_PER_RULE = 5;
/** Firing pairs per page of the "Firing now" list. */
export const FIRING_PAGE_SIZE = 50;

function listItems(deps: AppDeps, ctx: ViewContext): RuleListItem[] {
  const byStatus = stateCountsByRule(deps.db);
  const counts = new Map<string, number>(byStatus.map((r) => [`${r.ruleId}:${r.status}`, r.n]));
  // Every state takes one of the rule's places (storeCountOfRule), a resolved one too.
  const watching = new Map<number, number>();
  for (const r of byStatus) watching.set(r.ruleId, (watching.get(r.ruleId) ?? 0) + r.n);
  const stores = (ruleId: number, status: 'firing' | 'pending') => {
    const total = counts.get(`${ruleId}:${status}`) ?? 0;
    return { total, named: total ? storesOfRuleWithStatus(deps.db, ruleId, status, STORES_NAMED_PER_RULE) : [] };
  };
  return listMetricRules(deps.db).map((row) => {
    const rule = ruleFromRow(row);
    return {
      rule,
      description: describeCondition(rule, ctx.lang),
      store: describeStore(rule.store, ctx.lang),
      firing: stores(rule.id, 'firing'),
      pending: stores(rule.id, 'pending'),
      watching: watching.get(rule.id) ?? 0,
    };
  });
}

/** One page of the firing pairs; `page` counts from 1. */
function firingPage(deps: AppDeps, page: number): FiringPage {
  const list = firingRules(deps.db, FIRING_PAGE_SIZE, (page - 1) * FIRING_PAGE_SIZE);
  return { ...list, page, pageSize: FIRING_PAGE_SIZE };
}

const pageParam = (raw: string | undefined): number => {
  const n = Number(raw ?? '1');
  return Number.isSafeInteger(n) && n >= 1 && n <= 1_000_000 ? n : 1;
};

export function runBacktest(deps: Pick<AppDeps, 'db' | 'clock' | 'settings' | 'calendar'>, draft: RuleDraft, days: number): BacktestView {
  const rule: MetricRule = { ...draft, id: 0, createdAt: 0 };
  const until = deps.clock.now();
  const from = until - days * DAY;
  const { points, truncated } = metricPoints(deps.db, rule.metric, rule.store, from - lookbackMs(rule), until, BACKTEST_POINT_LIMIT);
  return { days, result: backtest(rule, points, from, until, deps.settings.general().timeZone, deps.calendar?.calendar()), truncated, limit: BACKTEST_POINT_LIMIT };
}

export function metricRuleRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const engine = deps.metricRules;
  const storeLimit = engine?.storeLimit ?? MAX_STORES_PER_RULE;

  const idOf = (c: Context<AppEnv>) => {
    const id = Number(c.req.param('id'));
    return Number.isSafeInteger(id) && id > 0 ? id : undefined;
  };

  app.get('/metric-rules', (c) => {
    const ctx = viewContext(c, deps);
    const notice = c.req.query('notice');
    const text = notice === 'saved' ? ctx.t('mr.saved') : notice === 'deleted' ? ctx.t('mr.deleted') : undefined;
    return c.html(<MetricRulesPage ctx={ctx} items={listItems(deps, ctx)} firing={firingPage(deps, pageParam(c.req.query('firing')))} storeLimit={storeLimit} notice={text ? { kind: 'ok', text } : undefined} />);
  });

  app.get('/metric-rules/new', (c) => c.html(<RuleEditorPage ctx={viewContext(c, deps)} values={emptyRuleForm()} />));

  app.get('/metric-rules/:id/edit', (c) => {
    const ctx = viewContext(c, deps);
    const row = getMetricRule(deps.db, idOf(c) ?? 0);
    if (!row) return c.html(<MetricRulesPage ctx={ctx} items={listItems(deps, ctx)} firing={firingPage(deps, 1)} storeLimit={storeLimit} notice={{ kind: 'bad', text: ctx.t('mr.notFound') }} />, 404);
    return c.html(<RuleEditorPage ctx={ctx} ruleId={row.id} values={formFromRule(ruleFromRow(row))} />);
  });

  // The htmx preview: only the backtest panel, from the form as it stands.
  app.post('/metric-rules/backtest', async (c) => {
    const ctx = viewContext(c, deps);
    const parsed = parseRuleForm(formFromBody(await c.req.parseBody()));
    return c.html(<BacktestPanel ctx={ctx} backtest={parsed.ok ? runBacktest(deps, parsed.rule, parsed.backtestDays) : { invalid: true }} />);
  });

  /** Create (no id) or edit: Preview shows the backtest; Save stores, settles the state, and redirects. */
  const submit = async (c: Context<AppEnv>, id: number | undefined) => {
    const ctx = viewContext(c, deps);
    const body = await c.req.parseBody();
    const values: RuleFormValues = formFromBody(body);
    const before = id === undefined ? undefined : getMetricRule(deps.db, id);
    if (id !== undefined && !before) return c.html(<MetricRulesPage ctx={ctx} items={listItems(deps, ctx)} firing={firingPage(deps, 1)} storeLimit={storeLimit} notice={{ kind: 'bad', text: ctx.t('mr.notFound') }} />, 404);
    const parsed = parseRuleForm(values);
    if (!parsed.ok) return c.html(<RuleEditorPage ctx={ctx} ruleId={id} values={values} errors={translate(ctx, parsed.errors)} backtest={body.intent === 'preview' ? { invalid: true } : undefined} />, 422);
    if (body.intent === 'preview') {
      const view = runBacktest(deps, parsed.rule, parsed.backtestDays);
      return isHtmx(c) ? c.html(<BacktestPanel ctx={ctx} backtest={view} />) : c.html(<RuleEditorPage ctx={ctx} ruleId={id} values={values} backtest={view} />);
    }
    const now = deps.clock.now();
    const savedId = id ?? insertMetricRule(deps.db, rowFromRule(parsed.rule), now);
    if (id !== undefined) updateMetricRule(deps.db, id, rowFromRule(parsed.rule), now);
    engine?.ruleSaved(before ? ruleFromRow(before) : undefined, ruleFromRow(getMetricRule(deps.db, savedId)!));
    writeAudit(deps.db, now, { actor: 'admin', action: id === undefined ? 'metric_rule.create' : 'metric_rule.update', detail: { id: savedId, name: parsed.rule.name }, ip: clientIp(c) });
    return c.redirect('/metric-rules?notice=saved', 303);
  };

  app.post('/metric-rules', (c) => submit(c, undefined));
  app.post('/metric-rules/:id', (c) => {
    const id = idOf(c);
    return id === undefined ? c.notFound() : submit(c, id);
  });

  app.post('/metric-rules/:id/delete', (c) => {
    const row = getMetricRule(deps.db, idOf(c) ?? 0);
    if (!row) {
      // Deleted already (a second tab, a double submit) or never there: say so, not "deleted".
      const ctx = viewContext(c, deps);
      return c.html(<MetricRulesPage ctx={ctx} items={listItems(deps, ctx)} firing={firingPage(deps, 1)} storeLimit={storeLimit} notice={{ kind: 'bad', text: ctx.t('mr.notFound') }} />, 404);
    }
    deleteMetricRule(deps.db, row.id);
    engine?.ruleSaved(ruleFromRow(row), undefined);
    writeAudit(deps.db, deps.clock.now(), { actor: 'admin', action: 'metric_rule.delete', detail: { id: row.id, name: row.name }, ip: clientIp(c) });
    return c.redirect('/metric-rules?notice=deleted', 303);
  });

  return app;
}
