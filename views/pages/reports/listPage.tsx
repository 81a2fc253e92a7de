// The Reports page: every job with its schedule, next and last run, and the catch-up and retention settings.
import type { ReportJobRow } from '../../../db/queries/reports.ts';
import type { ViewContext } from '../../context.ts';
import { formatDateTime, formatRunTime } from '../../../server/time/format.ts';
import { Layout } from '../../layout.tsx';
import { typeLabel, RunStatus, JobStatus, Notices, type PageNotice } from './reportLabels.tsx';

export interface JobListItem {
  job: ReportJobRow;
  nextRun?: number;
  /** The last run's status as the run history shows it (runDisplayStatus). */
  lastResult?: string;
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
