import { inArray } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import { writeAudit } from '../../db/queries/audit.ts';
import { getChannel } from '../../db/queries/channel.ts';
import {
  deleteReportJob,
  getReportJob,
  getReportRun,
  insertReportJob,
  listReportJobs,
  listReportRuns,
  runDeliveryIds,
  setReportJobEnabled,
  updateReportJob,
  type ReportJobRow,
  type ReportRunRow,
} from '../../db/queries/reports.ts';
import { deliveries, REPORT_TYPES } from '../../db/schema.ts';
import type { ViewContext } from '../../views/context.ts';
import { CronPreview } from '../../views/pages/reports/cronPreview.tsx';
import { DeleteReportPage } from '../../views/pages/reports/deletePage.tsx';
import { ReportFormPage } from '../../views/pages/reports/formPage.tsx';
import { ReportJobPage, type RunItem } from '../../views/pages/reports/jobPage.tsx';
import { ReportPreviewPage } from '../../views/pages/reports/previewPage.tsx';
import { ReportsListPage } from '../../views/pages/reports/listPage.tsx';
import { runDisplayStatus, runErrorText, type PageNotice } from '../../views/pages/reports/reportLabels.tsx';
import type { ChartPreview, ReportPreview } from '../../views/pages/reports/previewParts.tsx';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { canonicalTimeZone } from '../time/zone.ts';
import { GRACE_MINUTES, getReportSettings, setReportSettings } from '../reports/reportSettings.ts';
import { renderJobChart, renderJobReport, type ChartJobSpec, type ChartOutcome, type ReportJobSpec } from '../reports/runReport.ts';
import { createReportScheduler, type ReportScheduler } from '../reports/scheduler.ts';
import {
  CHART_METRICS_MAX_CHARS,
  cronPreviewState,
  graceSchema,
  reportFieldErrors,
  reportFormSchema,
  valuesFromForm,
  valuesFromJob,
  type CronPreviewState,
  type ReportFieldErrors,
  type ReportFormValues,
} from '../reports/reportForm.ts';
import { TEMPLATE_MAX_CHARS } from '../reports/reportTemplate.ts';
import { BYTE_LIMITS, utf8Bytes } from '../wecom/messages.ts';
import { describePeriod } from '../reports/periodWording.ts';
import { sessionKey, type FlashStore } from './flash.ts';
import { formFields } from './formFields.ts';
import { clientIp, viewContext } from './viewContext.ts';

export const RUN_HISTORY_PAGE = 50;

const idParam = v.pipe(v.string(), v.regex(/^\d{1,15}$/), v.transform(Number));
const noticeParam = v.optional(v.picklist(['created', 'saved', 'enabled', 'disabled']));
const previewQuery = v.object({ cron: v.optional(v.pipe(v.string(), v.maxLength(200)), ''), timezone: v.optional(v.pipe(v.string(), v.maxLength(64)), '') });

function chartPreview(chart: ChartOutcome): ChartPreview {
  if (!chart.ok) return { error: chart.error };
  return {
    payload: JSON.stringify(chart.message),
    src: `data:image/png;base64,${chart.message.image.base64}`,
    bytes: chart.png.length,
    limit: BYTE_LIMITS.image,
    missingGlyphs: chart.missingGlyphs.join(' '),
  };
}

/** The report and, when the job attaches one, its chart: what a run would queue now. */
async function previewOf(deps: AppDeps, ctx: ViewContext, job: ReportJobSpec & ChartJobSpec & { attachChart: boolean }): Promise<ReportPreview> {
  const now = deps.clock.now();
  const thread = deps.reportThread;
  const report = thread ? await thread.report(job, now) : renderJobReport(deps, job, now);
  const withChart = job.attachChart && job.type !== 'custom';
  const chart = !withChart ? undefined : chartPreview(thread ? await thread.chart(job, now) : await renderJobChart(deps, job, now));
  return {
    title: report.title,
    covers: describePeriod(ctx.lang, report.periods, job.timezone),
    ...(chart ? { chart } : {}),
    parts: report.messages.map((m, i) => ({ content: report.parts[i] ?? '', payload: JSON.stringify(m), bytes: utf8Bytes(report.parts[i] ?? ''), limit: report.limit, msgtype: m.msgtype })),
    problems: [...new Set(report.problems.map((p) => (p.code === 'unclosed' ? p.snippet : p.placeholder)))],
  };
}

/** The runs' messages that are still stored (housekeeping prunes old ones), with their status. */
function runDeliveries(deps: AppDeps, runs: ReportRunRow[]): (run: ReportRunRow) => Array<{ id: number; status: string }> {
  const ids = runs.flatMap(runDeliveryIds);
  const statuses = new Map(
    ids.length ? deps.db.select({ id: deliveries.id, status: deliveries.status }).from(deliveries).where(inArray(deliveries.id, ids)).all().map((r) => [r.id, r.status]) : [],
  );
  return (run) => runDeliveryIds(run).flatMap((id) => (statuses.has(id) ? [{ id, status: statuses.get(id)! }] : []));
}

function runItems(deps: AppDeps, jobId: number, beforeId?: number): { items: RunItem[]; olderHref?: string } {
  const runs = listReportRuns(deps.db, jobId, { limit: RUN_HISTORY_PAGE + 1, beforeId });
  const page = runs.slice(0, RUN_HISTORY_PAGE);
  const messagesOf = runDeliveries(deps, page);
  return {
    items: page.map((run) => ({ run, deliveries: messagesOf(run) })),
    olderHref: runs.length > RUN_HISTORY_PAGE ? `/reports/${jobId}?before=${page[page.length - 1]!.id}` : undefined,
  };
}

const runForm = v.object({ period: v.optional(v.picklist(['scheduled', 'today']), 'scheduled') });

export function reportRoutes(deps: AppDeps & { flash: FlashStore }) {
  const app = new Hono<AppEnv>();
  // The appliance passes its scheduler; an app built without one still has working pages.
  let fallback: ReportScheduler | undefined;
  const scheduler = (): ReportScheduler => deps.reports ?? (fallback ??= createReportScheduler({ ...deps, timers: false }));
  const defaultZone = () => deps.settings.general().timeZone;

  const jobOr404 = (c: Context<AppEnv>): ReportJobRow | undefined => {
    const parsed = v.safeParse(idParam, c.req.param('id'));
    return parsed.success ? getReportJob(deps.db, parsed.output) : undefined;
  };

  const listPage = (c: Context<AppEnv>, opts: { notices?: PageNotice[]; grace?: string; graceError?: string } = {}, status: 200 | 422 = 200) => {
    const ctx = viewContext(c, deps);
    const s = scheduler();
    const list = listReportJobs(deps.db);
    const lastRuns = list.flatMap((job) => (job.lastRunId !== null ? (getReportRun(deps.db, job.lastRunId) ?? []) : []));
    const messagesOf = runDeliveries(deps, lastRuns);
    const lastStatuses = new Map(lastRuns.map((run) => [run.id, messagesOf(run).map((d) => d.status)]));
    const jobs = list.map((job) => ({
      job,
      nextRun: job.enabled ? s.nextRunOf(job.id) : undefined,
      // "queued" only while the last run's messages wait; then sent or not delivered, as in the run history.
      lastResult: job.lastRunStatus ? runDisplayStatus(job.lastRunStatus, job.lastRunId !== null ? (lastStatuses.get(job.lastRunId) ?? []) : []) : undefined,
    }));
    return c.html(
      <ReportsListPage
        ctx={ctx}
        jobs={jobs}
        notices={opts.notices}
        grace={opts.grace ?? String(getReportSettings(deps.db).missedRunGraceMinutes)}
        graceError={opts.graceError}
        retentionDays={deps.settings.general().retentionDays}
        housekeepingZone={defaultZone()}
      />,
      status,
    );
  };

  const jobPage = (c: Context<AppEnv>, job: ReportJobRow, notices: PageNotice[] = [], status: 200 | 404 | 409 | 500 = 200) => {
    const ctx = viewContext(c, deps);
    const before = v.safeParse(idParam, c.req.query('before') ?? '');
    const { items, olderHref } = runItems(deps, job.id, before.success ? before.output : undefined);
    return c.html(
      <ReportJobPage
        ctx={ctx}
        job={job}
        nextRuns={cronPreviewState(ctx, job.cron, job.timezone, deps.clock.now())}
        runs={items}
        olderHref={olderHref}
        notices={notices}
        running={scheduler().isRunning(job.id)}
      />,
      status,
    );
  };

  const formPage = (
    c: Context<AppEnv>,
    opts: { jobId?: number; title: string; values: ReportFormValues; errors?: ReportFieldErrors; preview?: ReportPreview },
    status: 200 | 422 = 200,
  ) => {
    const ctx = viewContext(c, deps);
    const zone = canonicalTimeZone(opts.values.timezone || defaultZone()) ?? defaultZone();
    return c.html(
      <ReportFormPage
        ctx={ctx}
        jobId={opts.jobId}
        title={opts.title}
        values={opts.values}
        errors={opts.errors}
        nextRuns={cronPreviewState(ctx, opts.values.cron, zone, deps.clock.now())}
        defaultZone={defaultZone()}
        preview={opts.preview}
      />,
      status,
    );
  };

  /** Parses the job form; on failure answers 422 with every field's message. */
  const parseForm = async (c: Context<AppEnv>, jobId: number | undefined, title: string) => {
    const ctx = viewContext(c, deps);
    const fields = formFields(await c.req.parseBody());
    const schema = reportFormSchema(defaultZone());
    const parsed = v.safeParse(schema, { name: '', type: '', cron: '', timezone: '', template: '', chartMetrics: '', ...fields });
    if (parsed.success) return { ok: true as const, output: parsed.output };
    const issues = (v.flatten<typeof schema>(parsed.issues).nested ?? {}) as Record<string, string[] | undefined>;
    const errors = reportFieldErrors(ctx, issues, fields);
    if (!Object.keys(errors).length) errors.name = ctx.t('form.error.invalid');
    return { ok: false as const, response: formPage(c, { jobId, title, values: valuesFromForm(fields), errors }, 422) };
  };

  app.get('/reports', (c) => listPage(c));

  app.get('/reports/new', (c) => {
    const ctx = viewContext(c, deps);
    return formPage(c, {
      title: ctx.t('reports.form.newTitle'),
      values: { name: '', type: 'daily_summary', cron: '0 9 * * *', timezone: defaultZone(), template: '', enabled: true, attachChart: true, chartMetrics: '' },
    });
  });

  // The htmx preview of the next runs; also fine to open on its own.
  app.get('/reports/cron-preview', (c) => {
    const ctx = viewContext(c, deps);
    const q = v.safeParse(previewQuery, { cron: c.req.query('cron'), timezone: c.req.query('timezone') });
    const cron = q.success ? q.output.cron : '';
    const tz = canonicalTimeZone((q.success ? q.output.timezone : '') || defaultZone());
    const state: CronPreviewState = tz ? cronPreviewState(ctx, cron, tz, deps.clock.now()) : { error: ctx.t('reports.error.timezone') };
    return c.html(<CronPreview ctx={ctx} state={state} />, 'error' in state ? 422 : 200);
  });

  // "Preview with today's data" from the form: nothing is saved; template problems are flagged, not refused.
  app.post('/reports/preview', async (c) => {
    const ctx = viewContext(c, deps);
    const fields = formFields(await c.req.parseBody());
    const values = valuesFromForm(fields);
    const jobParsed = v.safeParse(idParam, fields.jobId ?? '');
    const job = jobParsed.success ? getReportJob(deps.db, jobParsed.output) : undefined;
    const type = (REPORT_TYPES as readonly string[]).includes(values.type) ? (values.type as ReportJobRow['type']) : 'daily_summary';
    const preview = await previewOf(deps, ctx, {
      name: values.name.trim() || ctx.t(`reports.type.${type}`),
      type,
      template: values.template.replace(/\r\n?/g, '\n').slice(0, TEMPLATE_MAX_CHARS),
      timezone: canonicalTimeZone(values.timezone || defaultZone()) ?? defaultZone(),
      attachChart: values.attachChart,
      chartMetrics: values.chartMetrics.slice(0, CHART_METRICS_MAX_CHARS),
    });
    const title = job ? ctx.t('reports.form.editTitle', { name: job.name }) : ctx.t('reports.form.newTitle');
    return formPage(c, { jobId: job?.id, title, values, preview });
  });

  app.post('/reports/settings', async (c) => {
    const ctx = viewContext(c, deps);
    const fields = formFields(await c.req.parseBody());
    const parsed = v.safeParse(graceSchema, fields.missedRunGraceMinutes ?? '');
    if (!parsed.success) {
      return listPage(c, { grace: fields.missedRunGraceMinutes ?? '', graceError: ctx.t('reports.error.grace', { ...GRACE_MINUTES }) }, 422);
    }
    const before = getReportSettings(deps.db);
    setReportSettings(deps.db, { missedRunGraceMinutes: parsed.output }, deps.clock.now());
    writeAudit(deps.db, deps.clock.now(), { actor: 'admin', action: 'report.settings', detail: { before, after: { missedRunGraceMinutes: parsed.output } }, ip: clientIp(c) });
    return listPage(c, { notices: [{ kind: 'ok', text: ctx.t('reports.notice.settingsSaved') }] });
  });

  app.post('/reports', async (c) => {
    const ctx = viewContext(c, deps);
    const result = await parseForm(c, undefined, ctx.t('reports.form.newTitle'));
    if (!result.ok) return result.response;
    const out = result.output;
    const now = deps.clock.now();
    const id = insertReportJob(deps.db, { ...out, template: out.template.trim() === '' ? null : out.template }, now);
    writeAudit(deps.db, now, {
      actor: 'admin',
      action: 'report.create',
      detail: { id, name: out.name, type: out.type, cron: out.cron, timezone: out.timezone, enabled: out.enabled, attachChart: out.attachChart },
      ip: clientIp(c),
    });
    scheduler().reschedule();
    return c.redirect(`/reports/${id}?notice=created`, 303);
  });

  app.get('/reports/:id', (c) => {
    const job = jobOr404(c);
    if (!job) return c.notFound();
    const ctx = viewContext(c, deps);
    const notice = v.safeParse(noticeParam, c.req.query('notice'));
    const notices: PageNotice[] = notice.success && notice.output ? [{ kind: 'ok', text: ctx.t(`reports.notice.${notice.output}`, { name: job.name }) }] : [];
    return jobPage(c, job, [...notices, ...(deps.flash.take<PageNotice[]>(sessionKey(c), `report-${job.id}`) ?? [])]);
  });

  app.get('/reports/:id/edit', (c) => {
    const job = jobOr404(c);
    if (!job) return c.notFound();
    const ctx = viewContext(c, deps);
    return formPage(c, { jobId: job.id, title: ctx.t('reports.form.editTitle', { name: job.name }), values: valuesFromJob(job) });
  });

  app.post('/reports/:id', async (c) => {
    const job = jobOr404(c);
    if (!job) return c.notFound();
    const ctx = viewContext(c, deps);
    const result = await parseForm(c, job.id, ctx.t('reports.form.editTitle', { name: job.name }));
    if (!result.ok) return result.response;
    const out = result.output;
    const now = deps.clock.now();
    updateReportJob(deps.db, job.id, { ...out, template: out.template.trim() === '' ? null : out.template }, now);
    const changed = Object.fromEntries(
      (['name', 'type', 'cron', 'timezone', 'template', 'enabled', 'attachChart', 'chartMetrics'] as const).filter((k) => (job[k] ?? '') !== (out[k] ?? '')).map((k) => [k, out[k]]),
    );
    writeAudit(deps.db, now, { actor: 'admin', action: 'report.update', detail: { id: job.id, changed }, ip: clientIp(c) });
    // Takes effect at once: the job's timer is replaced, no restart needed.
    scheduler().reschedule();
    return c.redirect(`/reports/${job.id}?notice=saved`, 303);
  });

  for (const action of ['enable', 'disable'] as const) {
    app.post(`/reports/:id/${action}`, (c) => {
      const job = jobOr404(c);
      if (!job) return c.notFound();
      const now = deps.clock.now();
      setReportJobEnabled(deps.db, job.id, action === 'enable', now);
      writeAudit(deps.db, now, { actor: 'admin', action: `report.${action}`, detail: { id: job.id, name: job.name }, ip: clientIp(c) });
      scheduler().reschedule();
      return c.redirect(`/reports/${job.id}?notice=${action}d`, 303);
    });
  }

  app.get('/reports/:id/delete', (c) => {
    const job = jobOr404(c);
    if (!job) return c.notFound();
    return c.html(<DeleteReportPage ctx={viewContext(c, deps)} job={job} />);
  });

  app.post('/reports/:id/delete', (c) => {
    const job = jobOr404(c);
    if (!job) return c.notFound();
    const ctx = viewContext(c, deps);
    deleteReportJob(deps.db, job.id);
    writeAudit(deps.db, deps.clock.now(), { actor: 'admin', action: 'report.delete', detail: { id: job.id, name: job.name }, ip: clientIp(c) });
    scheduler().reschedule();
    return listPage(c, { notices: [{ kind: 'ok', text: ctx.t('reports.notice.deleted', { name: job.name }) }] });
  });

  // Post/redirect/get: the outcome waits for the job page the redirect leads to; a reload runs nothing.
  app.post('/reports/:id/run', async (c) => {
    const job = jobOr404(c);
    if (!job) return c.notFound();
    const ctx = viewContext(c, deps);
    const form = v.safeParse(runForm, await c.req.parseBody());
    if (!form.success) return c.text(ctx.t('form.error.choice'), 422);
    const done = (notices: PageNotice[]) => {
      deps.flash.put<PageNotice[]>(sessionKey(c), `report-${job.id}`, notices);
      return c.redirect(`/reports/${job.id}`, 303);
    };
    const outcome = await scheduler().runNow(job.id, form.output.period);
    if (!outcome.ok) {
      if (outcome.reason === 'not_found') return c.notFound();
      return done([{ kind: 'bad', text: ctx.t('reports.notice.running') }]);
    }
    const { run } = outcome;
    writeAudit(deps.db, deps.clock.now(), {
      actor: 'admin',
      action: 'report.run',
      detail: { id: job.id, name: job.name, run: run.id, status: run.status, period: form.output.period },
      ip: clientIp(c),
    });
    if (run.status !== 'succeeded') return done([{ kind: 'bad', text: ctx.t('reports.notice.ranFailed', { error: runErrorText(ctx, run.error) }) }]);
    const count = runDeliveryIds(run).length;
    const notices: PageNotice[] = [{ kind: 'ok', text: ctx.t('reports.notice.ran', { count }) }];
    if (!getChannel(deps.db)) notices.push({ kind: 'info', text: ctx.t('reports.notice.noBot') });
    return done(notices);
  });

  app.get('/reports/:id/preview', async (c) => {
    const job = jobOr404(c);
    if (!job) return c.notFound();
    const ctx = viewContext(c, deps);
    return c.html(<ReportPreviewPage ctx={ctx} job={job} preview={await previewOf(deps, ctx, job)} />);
  });

  return app;
}
