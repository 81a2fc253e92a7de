// The preview of what a job would send now.
import type { ReportJobRow } from '../../../db/queries/reports.ts';
import type { ViewContext } from '../../context.ts';
import { Layout } from '../../layout.tsx';
import { PreviewParts, type ReportPreview } from './previewParts.tsx';

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
