import type { AuditRow } from '../../db/queries/audit.ts';
import type { ViewContext } from '../context.ts';
import { dictionaries, type MessageKey } from '../../server/strings/translate.ts';
import { formatDateTime } from '../../server/time/format.ts';
import { Layout } from '../layout.tsx';

function actionLabel(ctx: ViewContext, action: string): string {
  const key = `audit.action.${action}`;
  return key in dictionaries.en ? ctx.t(key as MessageKey) : action;
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
                <td data-label={ctx.t('audit.col.time')}>{formatDateTime(row.at, ctx.lang, ctx.timeZone)}</td>
                <td data-label={ctx.t('audit.col.actor')}>{row.actor}</td>
                <td data-label={ctx.t('audit.col.action')}>{actionLabel(ctx, row.action)}</td>
                <td data-label={ctx.t('audit.col.detail')}>
                  <code>{row.detail ?? ''}</code>
                </td>
                <td data-label={ctx.t('audit.col.ip')}>{row.ip ?? ''}</td>
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
