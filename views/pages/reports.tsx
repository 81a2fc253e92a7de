import { runPeriod } from '../../db/queries/reports.ts';
import { describePeriod } from '../../server/reports/periodWording.ts';
import type { ReportJobRow, ReportRunRow } from '../../db/queries/reports.ts';
import { REPORT_TYPES } from '../../db/schema.ts';
import { MAX_CHART_METRICS } from '../../server/reports/chartData.ts';
import { localDateTime } from '../../server/reports/periods.ts';
import { KNOWN_PATHS } from '../../server/reports/template.ts';
import type { ViewContext } from '../context.ts';
import { dictionaries, type Lang, type MessageKey } from '../../server/strings/translate.ts';
import { formatDateTime } from '../../server/time/format.ts';
import { WecomPreview } from '../components/wecomPreview.tsx';
import { Layout, Notice } from '../layout.tsx';

export type PageNotice = { kind: 'ok' | 'bad' | 'info'; text: string };

export interface ReportFormValues {
  name: string;
  type: string;
  cron: string;
  timezone: string;
  template: string;
  enabled: boolean;
  attachChart: boolean;
  chartMetrics: string;
}

export type ReportField = 'name' | 'type' | 'cron' | 'timezone' | 'template' | 'chartMetrics';
export const REPORT_FIELD_LABELS: Record<ReportField, MessageKey> = {
  name: 'reports.form.name',
  type: 'reports.form.type',
  cron: 'reports.form.cron',
  timezone: 'reports.form.timezone',
  template: 'reports.form.template',
  chartMetrics: 'reports.form.chartMetrics',
};
export type ReportFieldErrors = Partial<Record<ReportField, string>>;

/** The next run times of a schedule, or why there are none. */
export type CronPreviewState = { runs: number[]; timeZone: string } | { error: string };

export interface PreviewPart {
  content: string;
  /** The message exactly as sent (JSON). */
  payload: string;
  bytes: number;
  limit: number;
  msgtype: string;
}

/** The chart exactly as a run would send it (a data: URI: the CSP allows them for images), or why not. */
export type ChartPreview = { payload: string; src: string; bytes: number; limit: number; missingGlyphs: string } | { error: string };

export interface ReportPreview {
  title: string;
  /** "yesterday (2026-11-29, Asia/Shanghai)", in the reader's language. */
  covers: string;
  parts: PreviewPart[];
  chart?: ChartPreview;
  /** Placeholders the template does not know, as typed. */
  problems: string[];
}

export interface JobListItem {
  job: ReportJobRow;
  nextRun?: number;
  /** The last run's status as the run history shows it (runDisplayStatus). */
  lastResult?: string;
}

export interface RunItem {
  run: ReportRunRow;
  deliveries: Array<{ id: number; status: string }>;
}

const weekdayFormats = new Map<string, Intl.DateTimeFormat>();

/** "2025-03-30 03:00 Sun (GMT+2)": the job's own zone, with the offset so a DST change shows. */
export function formatRunTime(ms: number, lang: Lang, timeZone: string): string {
  const id = `${lang}|${timeZone}`;
  let f = weekdayFormats.get(id);
  if (!f) {
    f = new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-US', { timeZone, weekday: 'short', timeZoneName: 'shortOffset' });
    weekdayFormats.set(id, f);
  }
  const parts = f.formatToParts(ms);
  const weekday = parts.find((p) => p.type === 'weekday')?.value ?? '';
  const offset = parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
  return `${localDateTime(ms, timeZone)} ${weekday} (${offset})`;
}

function label(ctx: ViewContext, key: string, fallback: string): string {
  return key in dictionaries.en ? ctx.t(key as MessageKey) : fallback;
}

function typeLabel(ctx: ViewContext, type: string): string {
  return label(ctx, `reports.type.${type}`, type);
}

const RUN_BADGE: Record<string, string> = { succeeded: 'none', sent: 'ok', undelivered: 'bad', failed: 'bad', skipped: 'warn', running: 'none' };

function RunStatus({ ctx, status }: { ctx: ViewContext; status: string }) {
  return <span class={`badge ${RUN_BADGE[status] ?? 'none'}`}>{label(ctx, `reports.run.status.${status}`, status)}</span>;
}

export function runErrorText(ctx: ViewContext, error: string | null): string {
  if (!error) return '';
  if (error.startsWith('code:')) return label(ctx, `reports.run.error.${error.slice(5)}`, error);
  return error;
}

function JobStatus({ ctx, job }: { ctx: ViewContext; job: ReportJobRow }) {
  if (job.enabled) return <span class="badge ok">{ctx.t('reports.enabled')}</span>;
  return <span class="badge none">{job.autoEnable ? ctx.t('reports.waitingForBot') : ctx.t('reports.disabled')}</span>;
}

function Notices({ notices }: { notices: PageNotice[] }) {
  return (
    <>
      {notices.map((n) => (
        <Notice kind={n.kind}>{n.text}</Notice>
      ))}
    </>
  );
}

export function ReportsListPage({
  ctx,
  jobs,
  notices = [],
  grace,
  graceError,
  retentionDays,
  housekeepingZone,
}: {
  ctx: ViewContext;
  jobs: JobListItem[];
  notices?: PageNotice[];
  grace: string;
  graceError?: string;
  retentionDays: number;
  housekeepingZone: string;
}) {
  return (
    <Layout ctx={ctx} title={ctx.t('reports.title')}>
      <p>{ctx.t('reports.intro')}</p>
      <p class="help">{ctx.t('reports.periods')}</p>
      <Notices notices={notices} />
      <div class="actions">
        <a class="button" href="/reports/new">
          {ctx.t('reports.new')}
        </a>
      </div>
      <section class="card" aria-labelledby="reports-jobs-title">
        <h2 id="reports-jobs-title">{ctx.t('reports.jobs')}</h2>
        {jobs.length ? (
          <table id="report-jobs">
            <thead>
              <tr>
                <th>{ctx.t('reports.col.name')}</th>
                <th>{ctx.t('reports.col.type')}</th>
                <th>{ctx.t('reports.col.schedule')}</th>
                <th>{ctx.t('reports.col.status')}</th>
                <th>{ctx.t('reports.col.nextRun')}</th>
                <th>{ctx.t('reports.col.lastResult')}</th>
              </tr>
            </thead>
            <tbody>
              {jobs.map(({ job, nextRun, lastResult }) => (
                <tr id={`job-${job.id}`}>
                  <td data-label={ctx.t('reports.col.name')}>
                    <a href={`/reports/${job.id}`}>{job.name}</a>
                  </td>
                  <td data-label={ctx.t('reports.col.type')}>{typeLabel(ctx, job.type)}</td>
                  <td data-label={ctx.t('reports.col.schedule')}>
                    <code>{job.cron}</code>
                    {' · '}
                    {job.timezone}
                  </td>
                  <td data-label={ctx.t('reports.col.status')}>
                    <JobStatus ctx={ctx} job={job} />
                  </td>
                  <td data-label={ctx.t('reports.col.nextRun')}>{nextRun !== undefined ? formatRunTime(nextRun, ctx.lang, job.timezone) : ctx.t('reports.never')}</td>
                  <td data-label={ctx.t('reports.col.lastResult')}>
                    {lastResult ? (
                      <>
                        <RunStatus ctx={ctx} status={lastResult} />{' '}
                        {job.lastRunAt !== null ? formatDateTime(job.lastRunAt, ctx.lang, job.timezone) : ''}
                      </>
                    ) : (
                      ctx.t('reports.never')
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>{ctx.t('reports.empty')}</p>
        )}
      </section>

      <section class="card" aria-labelledby="reports-settings-title">
        <h2 id="reports-settings-title">{ctx.t('reports.settings')}</h2>
        <form method="post" action="/reports/settings">
          <input type="hidden" name="_csrf" value={ctx.csrf} />
          <label for="r-grace">{ctx.t('reports.settings.grace')}</label>
          <input
            id="r-grace"
            name="missedRunGraceMinutes"
            type="number"
            min="0"
            max="1440"
            step="1"
            inputmode="numeric"
            value={grace}
            required
            aria-invalid={graceError ? 'true' : undefined}
            aria-describedby={graceError ? 'r-grace-help r-grace-error' : 'r-grace-help'}
          />
          <p class="help" id="r-grace-help">
            {ctx.t('reports.settings.grace.help')}
          </p>
          {graceError ? (
            <p class="notice bad" id="r-grace-error" role="alert">
              {graceError}
            </p>
          ) : null}
          <div class="actions">
            <button type="submit">{ctx.t('reports.settings.save')}</button>
          </div>
        </form>
        <h3>{ctx.t('reports.housekeeping')}</h3>
        <p class="help">
          {ctx.t('reports.housekeeping.help', { zone: housekeepingZone, days: retentionDays })} <a href="/settings">{ctx.t('nav.settings')}</a>
        </p>
      </section>
    </Layout>
  );
}

export function CronPreview({ ctx, state }: { ctx: ViewContext; state: CronPreviewState }) {
  if ('error' in state) {
    return (
      <p class="notice bad" id="r-cron-preview-error" role="alert">
        {state.error}
      </p>
    );
  }
  return (
    <ol id="r-next-runs">
      {state.runs.map((at) => (
        <li>
          <time datetime={new Date(at).toISOString()}>{formatRunTime(at, ctx.lang, state.timeZone)}</time>
        </li>
      ))}
    </ol>
  );
}

function describedBy(...ids: Array<string | false | undefined>): string | undefined {
  const list = ids.filter((x): x is string => typeof x === 'string');
  return list.length ? list.join(' ') : undefined;
}

function FieldError({ field, errors }: { field: ReportField; errors: ReportFieldErrors }) {
  const message = errors[field];
  return message ? (
    <p class="notice bad" id={`r-${field}-error`}>
      {message}
    </p>
  ) : null;
}

function ErrorSummary({ ctx, errors }: { ctx: ViewContext; errors: ReportFieldErrors }) {
  const fields = (Object.keys(REPORT_FIELD_LABELS) as ReportField[]).filter((f) => errors[f]);
  if (!fields.length) return null;
  return (
    <div class="notice bad" role="alert" id="report-errors">
      <p>{ctx.t('reports.error.summary')}</p>
      <ul>
        {fields.map((f) => (
          <li>
            <a href={`#r-${f}`}>{ctx.t('reports.error.fieldIs', { field: ctx.t(REPORT_FIELD_LABELS[f]), message: errors[f] ?? '' })}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

function ChartPart({ ctx, chart }: { ctx: ViewContext; chart: ChartPreview }) {
  return (
    <article id="report-preview-chart">
      <p>
        <strong>{ctx.t('reports.preview.chart')}</strong>
        {'error' in chart ? null : (
          <>
            {' · '}
            <span class={`size ${chart.bytes > chart.limit ? 'bad' : 'ok'}`} data-bytes={chart.bytes}>
              {ctx.t('reports.preview.chartBytes', { bytes: chart.bytes, limit: chart.limit })}
            </span>
          </>
        )}
      </p>
      {'error' in chart ? (
        <Notice kind="bad">{ctx.t('reports.preview.chartFailed', { error: chart.error })}</Notice>
      ) : (
        <>
          {chart.missingGlyphs ? <Notice kind="info">{ctx.t('reports.preview.chartGlyphs', { chars: chart.missingGlyphs })}</Notice> : null}
          <WecomPreview t={ctx.t} payload={chart.payload} imageSrc={chart.src} />
        </>
      )}
    </article>
  );
}

function PreviewParts({ ctx, preview, heading }: { ctx: ViewContext; preview: ReportPreview; heading: string }) {
  return (
    <section class="card" id="report-preview" aria-labelledby="report-preview-title">
      <h2 id="report-preview-title">{heading}</h2>
      <p class="help">{ctx.t('reports.preview.intro', { period: preview.covers })}</p>
      {preview.problems.length ? (
        <div class="notice bad" role="alert" id="report-preview-problems">
          <p>{ctx.t('reports.preview.problems')}</p>
          <ul>
            {preview.problems.map((p) => (
              <li>
                <code>{p}</code>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {preview.parts.map((part, i) => (
        <article>
          <p>
            <strong>{ctx.t('reports.preview.part', { i: i + 1, n: preview.parts.length })}</strong>
            {' · '}
            <span class={`badge ${part.bytes > part.limit ? 'bad' : 'ok'}`} data-bytes={part.bytes}>
              {ctx.t('reports.preview.bytes', { bytes: part.bytes, limit: part.limit, msgtype: part.msgtype })}
            </span>
          </p>
          <WecomPreview t={ctx.t} payload={part.payload} />
        </article>
      ))}
      {preview.chart ? <ChartPart ctx={ctx} chart={preview.chart} /> : null}
    </section>
  );
}

export function ReportFormPage({
  ctx,
  jobId,
  title,
  values,
  errors = {},
  nextRuns,
  defaultZone,
  preview,
}: {
  ctx: ViewContext;
  jobId?: number;
  title: string;
  values: ReportFormValues;
  errors?: ReportFieldErrors;
  nextRuns: CronPreviewState;
  defaultZone: string;
  preview?: ReportPreview;
}) {
  const action = jobId !== undefined ? `/reports/${jobId}` : '/reports';
  return (
    <Layout ctx={ctx} title={title}>
      <ErrorSummary ctx={ctx} errors={errors} />
      <form method="post" action={action} class="card">
        <input type="hidden" name="_csrf" value={ctx.csrf} />
        <input type="hidden" name="jobId" value={jobId !== undefined ? String(jobId) : ''} />
        <div>
          <label for="r-name">{ctx.t('reports.form.name')}</label>
          <input
            id="r-name"
            name="name"
            type="text"
            value={values.name}
            maxlength={120}
            autocomplete="off"
            required
            aria-invalid={errors.name ? 'true' : undefined}
            aria-describedby={describedBy('r-name-help', errors.name && 'r-name-error')}
          />
          <p class="help" id="r-name-help">
            {ctx.t('reports.form.name.help')}
          </p>
          <FieldError field="name" errors={errors} />
        </div>
        <div>
          <label for="r-type">{ctx.t('reports.form.type')}</label>
          <select id="r-type" name="type" aria-invalid={errors.type ? 'true' : undefined} aria-describedby={describedBy(errors.type && 'r-type-error')}>
            {REPORT_TYPES.map((type) => (
              <option value={type} selected={values.type === type}>
                {typeLabel(ctx, type)}
              </option>
            ))}
          </select>
          <FieldError field="type" errors={errors} />
        </div>
        <div>
          <label for="r-cron">{ctx.t('reports.form.cron')}</label>
          <input
            id="r-cron"
            name="cron"
            type="text"
            value={values.cron}
            placeholder="0 9 * * *"
            autocomplete="off"
            spellcheck={false}
            required
            aria-invalid={errors.cron ? 'true' : undefined}
            aria-describedby={describedBy('r-cron-help', errors.cron && 'r-cron-error', 'r-cron-preview-title')}
          />
          <p class="help" id="r-cron-help">
            {ctx.t('reports.form.cron.help')}
          </p>
          <FieldError field="cron" errors={errors} />
        </div>
        <div>
          <label for="r-timezone">{ctx.t('reports.form.timezone')}</label>
          <input
            id="r-timezone"
            name="timezone"
            type="text"
            value={values.timezone}
            placeholder={defaultZone}
            autocomplete="off"
            spellcheck={false}
            aria-invalid={errors.timezone ? 'true' : undefined}
            aria-describedby={describedBy('r-timezone-help', errors.timezone && 'r-timezone-error')}
          />
          <p class="help" id="r-timezone-help">
            {ctx.t('reports.form.timezone.help', { zone: defaultZone })}
          </p>
          <FieldError field="timezone" errors={errors} />
        </div>
        <section aria-labelledby="r-cron-preview-title">
          <h2 id="r-cron-preview-title">{ctx.t('reports.form.nextRuns')}</h2>
          <p class="help">{ctx.t('reports.form.nextRuns.help')}</p>
          <div
            id="cron-preview"
            aria-live="polite"
            hx-get="/reports/cron-preview"
            hx-trigger="input changed delay:400ms from:#r-cron, input changed delay:400ms from:#r-timezone"
            hx-include="#r-cron, #r-timezone"
            hx-swap="innerHTML"
          >
            <CronPreview ctx={ctx} state={nextRuns} />
          </div>
        </section>
        <div>
          <label for="r-template">{ctx.t('reports.form.template')}</label>
          <textarea
            id="r-template"
            name="template"
            rows={10}
            cols={70}
            spellcheck={false}
            aria-invalid={errors.template ? 'true' : undefined}
            aria-describedby={describedBy('r-template-help', errors.template && 'r-template-error')}
          >
            {values.template}
          </textarea>
          <p class="help" id="r-template-help">
            {ctx.t('reports.form.template.help')}
          </p>
          <FieldError field="template" errors={errors} />
          <details>
            <summary>{ctx.t('reports.form.placeholders')}</summary>
            <p class="help">{ctx.t('reports.form.placeholders.metric')}</p>
            <p class="help">
              {KNOWN_PATHS.map((p, i) => (
                <>
                  {i > 0 ? ' ' : ''}
                  <code>{`{{${p}}}`}</code>
                </>
              ))}
            </p>
          </details>
        </div>
        <div>
          <label for="r-attachChart">
            <input id="r-attachChart" type="checkbox" name="attachChart" value="on" checked={values.attachChart} aria-describedby="r-attachChart-help" />{' '}
            {ctx.t('reports.form.attachChart')}
          </label>
          <p class="help" id="r-attachChart-help">
            {ctx.t('reports.form.attachChart.help')}
          </p>
          <label for="r-chartMetrics">{ctx.t('reports.form.chartMetrics')}</label>
          <textarea
            id="r-chartMetrics"
            name="chartMetrics"
            rows={3}
            cols={40}
            aria-invalid={errors.chartMetrics ? 'true' : undefined}
            aria-describedby={describedBy('r-chartMetrics-help', errors.chartMetrics && 'r-chartMetrics-error')}
          >
            {values.chartMetrics}
          </textarea>
          <p class="help" id="r-chartMetrics-help">
            {ctx.t('reports.form.chartMetrics.help', { max: MAX_CHART_METRICS })}
          </p>
          <FieldError field="chartMetrics" errors={errors} />
        </div>
        <label for="r-enabled">
          <input id="r-enabled" type="checkbox" name="enabled" value="on" checked={values.enabled} /> {ctx.t('reports.form.enabled')}
        </label>
        <div class="actions">
          <button type="submit">{ctx.t('reports.form.save')}</button>
          <button type="submit" class="secondary" formaction="/reports/preview">
            {ctx.t('reports.form.previewTemplate')}
          </button>
          <a class="button secondary" href={jobId !== undefined ? `/reports/${jobId}` : '/reports'}>
            {ctx.t('reports.form.cancel')}
          </a>
        </div>
      </form>
      {preview ? <PreviewParts ctx={ctx} preview={preview} heading={ctx.t('reports.preview.templateTitle')} /> : null}
    </Layout>
  );
}

/**
 * What a run amounts to: a run that queued its messages reads as their state (sent, still queued,
 * not delivered), never "queued" beside messages that went out long ago.
 */
export function runDisplayStatus(runStatus: string, deliveryStatuses: string[]): string {
  if (runStatus !== 'succeeded' || deliveryStatuses.length === 0) return runStatus;
  if (deliveryStatuses.some((s) => s === 'dead' || s === 'failed')) return 'undelivered';
  if (deliveryStatuses.every((s) => s === 'sent' || s === 'merged')) return 'sent';
  return 'succeeded';
}

function RunRow({ ctx, item, timeZone }: { ctx: ViewContext; item: RunItem; timeZone: string }) {
  const { run } = item;
  const period = runPeriod(run);
  return (
    <tr id={`run-${run.id}`} data-status={run.status}>
      <td data-label={ctx.t('reports.col.started')}>{formatDateTime(run.startedAt, ctx.lang, timeZone)}</td>
      <td data-label={ctx.t('reports.col.finished')}>{run.finishedAt !== null ? formatDateTime(run.finishedAt, ctx.lang, timeZone) : ''}</td>
      <td data-label={ctx.t('reports.col.trigger')}>{label(ctx, `reports.run.trigger.${run.trigger}`, run.trigger)}</td>
      <td data-label={ctx.t('reports.col.scheduledFor')}>{run.scheduledFor !== null ? formatRunTime(run.scheduledFor, ctx.lang, timeZone) : ''}</td>
      <td data-label={ctx.t('reports.col.period')}>{period ? describePeriod(ctx.lang, period, period.timeZone) : ''}</td>
      <td data-label={ctx.t('reports.col.status')}>
        <RunStatus ctx={ctx} status={runDisplayStatus(run.status, item.deliveries.map((d) => d.status))} />
      </td>
      <td data-label={ctx.t('reports.col.messages')}>
        {item.deliveries.map((d, i) => (
          <>
            {i > 0 ? ' · ' : ''}
            <a href={`/send-log/${d.id}`}>{ctx.t('reports.message.link', { id: d.id, status: label(ctx, `status.${d.status}`, d.status) })}</a>
          </>
        ))}
      </td>
      <td data-label={ctx.t('reports.col.error')}>{runErrorText(ctx, run.error)}</td>
    </tr>
  );
}

export function ReportJobPage({
  ctx,
  job,
  nextRuns,
  runs,
  olderHref,
  notices = [],
  running,
}: {
  ctx: ViewContext;
  job: ReportJobRow;
  nextRuns: CronPreviewState;
  runs: RunItem[];
  olderHref?: string;
  notices?: PageNotice[];
  running: boolean;
}) {
  return (
    <Layout ctx={ctx} title={job.name}>
      <p>
        <a href="/reports">← {ctx.t('reports.job.back')}</a>
      </p>
      <Notices notices={notices} />
      <section class="card" aria-labelledby="job-facts-title">
        <h2 id="job-facts-title">{ctx.t('reports.job.facts')}</h2>
        <dl class="facts">
          <dt>{ctx.t('reports.job.type')}</dt>
          <dd>{typeLabel(ctx, job.type)}</dd>
          <dt>{ctx.t('reports.job.cron')}</dt>
          <dd>
            <code>{job.cron}</code>
          </dd>
          <dt>{ctx.t('reports.job.timezone')}</dt>
          <dd>{job.timezone}</dd>
          <dt>{ctx.t('reports.job.status')}</dt>
          <dd>
            <JobStatus ctx={ctx} job={job} /> {running ? <RunStatus ctx={ctx} status="running" /> : null}
          </dd>
          <dt>{ctx.t(job.enabled ? 'reports.job.nextRuns' : 'reports.job.nextRuns.disabled')}</dt>
          <dd>
            <CronPreview ctx={ctx} state={nextRuns} />
          </dd>
        </dl>
        <div class="actions">
          <form method="post" action={`/reports/${job.id}/run`}>
            <input type="hidden" name="_csrf" value={ctx.csrf} />
            <button type="submit" name="period" value="scheduled">
              {ctx.t('reports.job.runNow')}
            </button>
            {job.type !== 'metrics_snapshot' ? (
              <>
                {' '}
                <button type="submit" name="period" value="today" class="secondary">
                  {ctx.t('reports.job.runNowToday')}
                </button>
              </>
            ) : null}
          </form>
          <a class="button secondary" href={`/reports/${job.id}/preview`}>
            {ctx.t('reports.job.preview')}
          </a>
          <a class="button secondary" href={`/reports/${job.id}/edit`}>
            {ctx.t('reports.job.edit')}
          </a>
          <form method="post" action={`/reports/${job.id}/${job.enabled ? 'disable' : 'enable'}`}>
            <input type="hidden" name="_csrf" value={ctx.csrf} />
            <button type="submit" class="secondary">
              {ctx.t(job.enabled ? 'reports.job.disable' : 'reports.job.enable')}
            </button>
          </form>
          <a class="button danger" href={`/reports/${job.id}/delete`}>
            {ctx.t('reports.job.delete')}
          </a>
        </div>
      </section>
      <section class="card" aria-labelledby="job-history-title">
        <h2 id="job-history-title">{ctx.t('reports.job.history')}</h2>
        {runs.length ? (
          <table id="run-history">
            <thead>
              <tr>
                <th>{ctx.t('reports.col.started')}</th>
                <th>{ctx.t('reports.col.finished')}</th>
                <th>{ctx.t('reports.col.trigger')}</th>
                <th>{ctx.t('reports.col.scheduledFor')}</th>
                <th>{ctx.t('reports.col.period')}</th>
                <th>{ctx.t('reports.col.status')}</th>
                <th>{ctx.t('reports.col.messages')}</th>
                <th>{ctx.t('reports.col.error')}</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((item) => (
                <RunRow ctx={ctx} item={item} timeZone={job.timezone} />
              ))}
            </tbody>
          </table>
        ) : (
          <p>{ctx.t('reports.job.history.empty')}</p>
        )}
        {olderHref ? (
          <p>
            <a href={olderHref}>{ctx.t('reports.job.history.older')}</a>
          </p>
        ) : null}
      </section>
    </Layout>
  );
}

export function ReportPreviewPage({ ctx, job, preview }: { ctx: ViewContext; job: ReportJobRow; preview: ReportPreview }) {
  return (
    <Layout ctx={ctx} title={ctx.t('reports.preview.title', { name: job.name })}>
      <p>
        <a href={`/reports/${job.id}`}>← {job.name}</a>
      </p>
      <PreviewParts ctx={ctx} preview={preview} heading={preview.title} />
    </Layout>
  );
}

export function DeleteReportPage({ ctx, job }: { ctx: ViewContext; job: ReportJobRow }) {
  return (
    <Layout ctx={ctx} title={ctx.t('reports.delete.title', { name: job.name })}>
      <section class="card">
        <p>{ctx.t('reports.delete.body')}</p>
        <div class="actions">
          <form method="post" action={`/reports/${job.id}/delete`}>
            <input type="hidden" name="_csrf" value={ctx.csrf} />
            <button type="submit" class="danger">
              {ctx.t('reports.delete.confirm')}
            </button>
          </form>
          <a class="button secondary" href={`/reports/${job.id}`}>
            {ctx.t('reports.delete.cancel')}
          </a>
        </div>
      </section>
    </Layout>
  );
}
