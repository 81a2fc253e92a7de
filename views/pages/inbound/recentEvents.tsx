// What reached the inbound API: the latest events with their outcome, and the requests refused at sign-in.
import { REFUSALS_KEPT, type RefusalRow } from '../../../db/queries/refusals.ts';
import { shownEventStatus, type EventRow } from '../../../db/queries/events.ts';
import type { ViewContext } from '../../context.ts';
import { labelOr } from '../../../server/strings/translate.ts';
import { formatDateTime } from '../../../server/time/format.ts';

export interface RecentEvent {
  row: EventRow;
  /** Where its messages are in the send log, when it has any. */
  deliveryHref?: string;
  digestId?: number;
}

/** Requests turned away at sign-in: when, why, which token prefix — never the token. */
export function RefusedRequests({ ctx, rows }: { ctx: ViewContext; rows: RefusalRow[] }) {
  return (
    <section class="card" id="refused" aria-labelledby="refused-title">
      <h2 id="refused-title">{ctx.t('refused.title')}</h2>
      <p class="help">{ctx.t('refused.intro', { max: REFUSALS_KEPT })}</p>
      {rows.length === 0 ? (
        <p>{ctx.t('refused.empty')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{ctx.t('refused.col.time')}</th>
              <th>{ctx.t('refused.col.reason')}</th>
              <th>{ctx.t('refused.col.token')}</th>
              <th>{ctx.t('refused.col.path')}</th>
              <th>{ctx.t('refused.col.from')}</th>
              <th>{ctx.t('refused.col.count')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                <td data-label={ctx.t('refused.col.time')}>{formatDateTime(r.at, ctx.lang, ctx.timeZone)}</td>
                <td data-label={ctx.t('refused.col.reason')}>{label(ctx, `refused.reason.${r.reason}`, r.reason)}</td>
                <td data-label={ctx.t('refused.col.token')}>{r.tokenPrefix ? <code>{r.tokenPrefix}…</code> : ctx.t('refused.none')}</td>
                <td data-label={ctx.t('refused.col.path')}>
                  <code>{r.path}</code>
                </td>
                <td data-label={ctx.t('refused.col.from')}>{r.ip ?? ''}</td>
                <td data-label={ctx.t('refused.col.count')}>
                  {r.count}
                  {r.count > 1 && r.firstAt !== null ? <p class="help">{ctx.t('refused.since', { at: formatDateTime(r.firstAt, ctx.lang, ctx.timeZone) })}</p> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function label(ctx: ViewContext, key: string, fallback: string): string {
  return labelOr(ctx.t, key, fallback);
}

function reasonText(ctx: ViewContext, row: EventRow): string {
  if (!row.reason) return '';
  if (row.reason === 'duplicate') return ctx.t('event.reason.duplicate', { id: row.duplicateOf ?? '?' });
  return label(ctx, `event.reason.${row.reason}`, row.reason);
}

const STATUS_BADGE: Record<string, string> = { sent: 'ok', digested: 'ok', dead: 'bad', suppressed: 'warn' };

export function RecentEvents({ ctx, events }: { ctx: ViewContext; events: RecentEvent[] }) {
  return (
    <section class="card" aria-labelledby="inbound-recent-title">
      <h2 id="inbound-recent-title">{ctx.t('inbound.recent')}</h2>
      <p class="help">{ctx.t('inbound.recent.help')}</p>
      {events.length ? (
        <table id="recent-events">
          <thead>
            <tr>
              <th>{ctx.t('inbound.col.received')}</th>
              <th>{ctx.t('inbound.col.kind')}</th>
              <th>{ctx.t('inbound.col.category')}</th>
              <th>{ctx.t('inbound.col.severity')}</th>
              <th>{ctx.t('inbound.col.title')}</th>
              <th>{ctx.t('inbound.col.store')}</th>
              <th>{ctx.t('inbound.col.status')}</th>
              <th>{ctx.t('inbound.col.reason')}</th>
              <th>{ctx.t('inbound.col.delivery')}</th>
            </tr>
          </thead>
          <tbody>
            {events.map(({ row, deliveryHref, digestId }) => {
              const status = shownEventStatus(row);
              return (
                <tr id={`event-${row.id}`} data-status={status}>
                  <td data-label={ctx.t('inbound.col.received')}>{formatDateTime(row.receivedAt, ctx.lang, ctx.timeZone)}</td>
                  <td class="short" data-label={ctx.t('inbound.col.kind')}>
                    {label(ctx, `kind.${row.kind}`, row.kind)}
                  </td>
                  <td class="short" data-label={ctx.t('inbound.col.category')}>
                    {label(ctx, `category.${row.category}`, row.category)}
                  </td>
                  <td class="short" data-label={ctx.t('inbound.col.severity')}>
                    {label(ctx, `severity.${row.severity}`, row.severity)}
                  </td>
                  <td data-label={ctx.t('inbound.col.title')}>
                    {row.title}
                    {row.repeatCount > 1 ? ` ×${row.repeatCount}` : ''}
                  </td>
                  <td data-label={ctx.t('inbound.col.store')}>{row.store ?? ''}</td>
                  <td data-label={ctx.t('inbound.col.status')}>
                    <span class={`badge ${STATUS_BADGE[status] ?? 'none'}`}>{label(ctx, `event.status.${status}`, status)}</span>
                  </td>
                  <td data-label={ctx.t('inbound.col.reason')}>{reasonText(ctx, row)}</td>
                  <td data-label={ctx.t('inbound.col.delivery')}>
                    {deliveryHref ? <a href={deliveryHref}>{ctx.t('inbound.deliveries')}</a> : null}
                    {digestId !== undefined ? (
                      <>
                        {deliveryHref ? ' · ' : null}
                        <a href={`/send-log/${digestId}`}>{ctx.t('inbound.digest', { id: digestId })}</a>
                      </>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : (
        <p>{ctx.t('inbound.recent.empty')}</p>
      )}
    </section>
  );
}
