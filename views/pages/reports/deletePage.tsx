// The confirmation before a report job is deleted.
import type { ReportJobRow } from '../../../db/queries/reports.ts';
import type { ViewContext } from '../../context.ts';
import { Layout } from '../../layout.tsx';

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
