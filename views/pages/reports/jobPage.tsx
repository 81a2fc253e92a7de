// One report job: its settings, next runs, Run now and its run history.
import { runPeriod, type ReportJobRow, type ReportRunRow } from '../../../db/queries/reports.ts';
import { describePeriod } from '../../../server/reports/periodWording.ts';
import type { ViewContext } from '../../context.ts';
import { formatDateTime, formatRunTime } from '../../../server/time/format.ts';
import { Layout } from '../../layout.tsx';
import { label, typeLabel, RunStatus, runErrorText, JobStatus, Notices, runDisplayStatus, type PageNotice } from './reportLabels.tsx';
import type { CronPreviewState } from '../../../server/reports/reportForm.ts';
import { CronPreview } from './cronPreview.tsx';

export interface RunItem {
  run: ReportRunRow;
  deliveries: Array<{ id: number; status: string }>;
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
