// The report job form, new or edited: name, type, schedule, zone, template and chart, with a preview.
import { REPORT_TYPES } from '../../../db/schema.ts';
import { MAX_CHART_METRICS } from '../../../server/reports/chartData.ts';
import { KNOWN_PATHS } from '../../../server/reports/reportTemplate.ts';
import type { ViewContext } from '../../context.ts';
import type { MessageKey } from '../../../server/strings/translate.ts';
import { describedBy, ErrorSummary, FieldError } from '../../components/formErrors.tsx';
import { Layout } from '../../layout.tsx';
import type { CronPreviewState, ReportField, ReportFieldErrors, ReportFormValues } from '../../../server/reports/reportForm.ts';
import { CronPreview } from './cronPreview.tsx';
import { PreviewParts, type ReportPreview } from './previewParts.tsx';
import { typeLabel } from './reportLabels.tsx';

export const REPORT_FIELD_LABELS: Record<ReportField, MessageKey> = {
  name: 'reports.form.name',
  type: 'reports.form.type',
  cron: 'reports.form.cron',
  timezone: 'reports.form.timezone',
  template: 'reports.form.template',
  chartMetrics: 'reports.form.chartMetrics',
};

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
      <ErrorSummary ctx={ctx} id="report-errors" intro="reports.error.summary" labels={REPORT_FIELD_LABELS} errors={errors} href={(f) => `#r-${f}`} />
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
          <FieldError id="r-name-error" message={errors.name} />
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
          <FieldError id="r-type-error" message={errors.type} />
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
          <FieldError id="r-cron-error" message={errors.cron} />
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
          <FieldError id="r-timezone-error" message={errors.timezone} />
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
          <FieldError id="r-template-error" message={errors.template} />
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
          <FieldError id="r-chartMetrics-error" message={errors.chartMetrics} />
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
