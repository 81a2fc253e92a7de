// A report's preview: its numbered parts as the group will see them, and its chart image.
import type { ViewContext } from '../../context.ts';
import { WecomPreview } from '../../components/wecomPreview.tsx';
import { Notice } from '../../layout.tsx';

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

export function PreviewParts({ ctx, preview, heading }: { ctx: ViewContext; preview: ReportPreview; heading: string }) {
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
