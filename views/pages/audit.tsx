import type { AuditRow } from '../../db/queries/audit.ts';
import type { ViewContext } from '../context.ts';
import { labelOr } from '../../server/strings/translate.ts';
import { formatDateTime } from '../../server/time/format.ts';
import { Layout } from '../layout.tsx';

function actionLabel(ctx: ViewContext, action: string): string {
  return labelOr(ctx.t, `audit.action.${action}`, action);
}

export function AuditPage({ ctx, rows, olderHref }: { ctx: ViewContext; rows: AuditRow[]; olderHref?: string }) {
  return (
    <Layout ctx={ctx} title={ctx.t('audit.title')}>
      {rows.length ? (
        <table>
          <thead>
            <tr>
              <th>{ctx.t('audit.col.time')}</th>
              <th>{ctx.t('audit.col.actor')}</th>
              <th>{ctx.t('audit.col.action')}</th>
              <th>{ctx.t('audit.col.detail')}</th>
              <th>{ctx.t('audit.col.ip')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr>
                <td>{formatDateTime(row.at, ctx.lang, ctx.timeZone)}</td>
                <td>{row.actor}</td>
                <td>{actionLabel(ctx, row.action)}</td>
                <td>
                  <code>{row.detail ?? ''}</code>
                </td>
                <td>{row.ip ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>{ctx.t('audit.empty')}</p>
      )}
      {olderHref ? (
        <div class="actions">
          <a href={olderHref}>{ctx.t('sendLog.older')} →</a>
        </div>
      ) : null}
    </Layout>
  );
}
