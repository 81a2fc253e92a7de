import type { DeliveryRow } from '../../db/queries/deliveries.ts';
import { DELIVERY_STATUSES } from '../../db/schema.ts';
import type { ViewContext } from '../context.ts';
import { labelOr, type MessageKey } from '../../server/strings/translate.ts';
import { formatDateTime } from '../../server/time/format.ts';
import { WecomPreview } from '../components/wecomPreview.tsx';
import { describedBy, FieldError } from '../components/formErrors.tsx';
import { Layout, Notice } from '../layout.tsx';
import { parseNote } from '../../server/render/messageTemplateChoice.ts';
import { problemText } from '../../server/render/messageTemplateProblemText.ts';
import { TEST_TITLES } from '../../server/channel/wecomChannel.ts';
import { parseDigestTitle } from '../../server/delivery/policy/fold.ts';
import { categoryLabel, kindLabel as templateKindLabel, langLabel } from './messageTemplates.tsx';

export interface SendLogFilterValues {
  status?: string;
  kind?: string;
  category?: string;
  from?: string;
  to?: string;
  event?: string;
}

const FILTER_KINDS = ['test', 'alert', 'task_result', 'report', 'digest', 'mention'];
const FILTER_CATEGORIES = ['orders', 'inventory', 'ads', 'products', 'store', 'task', 'other'];

function statusLabel(ctx: ViewContext, status: string): string {
  return ctx.t(`status.${status}` as MessageKey);
}

function kindLabel(ctx: ViewContext, kind: string): string {
  return labelOr(ctx.t, `kind.${kind}`, kind);
}

/** Which custom template rendered the message, or why the built-in was sent instead; nothing for the built-in. */
function templateText(ctx: ViewContext, row: DeliveryRow): { text: string; failed: boolean } | undefined {
  const note = parseNote(row.template);
  if (!note) return undefined;
  const labels = { kind: templateKindLabel(ctx, note.kind), category: categoryLabel(ctx, note.category), lang: langLabel(ctx, note.lang) };
  if (!note.failed) return { text: ctx.t('sendLog.template.custom', labels), failed: false };
  const { failed } = note;
  if ('problem' in failed) return { text: ctx.t('sendLog.template.failedProblem', { ...labels, problem: problemText(ctx.t, failed.problem) }), failed: true };
  // Empty, an error, or a problem an earlier version noted in English.
  const reason = ctx.t(`sendLog.template.reason.${failed.code}`, { detail: failed.detail });
  return { text: ctx.t('sendLog.template.failed', { ...labels, reason }), failed: true };
}

/** The title as the reader's language says it: the appliance's own messages (tests, digests) are stored in English. */
export function deliveryTitle(ctx: ViewContext, row: Pick<DeliveryRow, 'kind' | 'title'>): string {
  if (row.kind === 'test') {
    if (row.title === TEST_TITLES.connected) return ctx.t('sendLog.system.connectTest');
    if (row.title === TEST_TITLES.manual) return ctx.t('sendLog.system.testNotification');
  }
  // A digest's parts and its mention follow-up (kind mention) carry the digest's title too.
  const digest = row.kind === 'digest' || row.kind === 'mention' ? parseDigestTitle(row.title) : undefined;
  if (!digest) return row.title;
  const category = labelOr(ctx.t, `category.${digest.category}`, digest.category);
  return ctx.t(digest.reason === 'storm' ? 'sendLog.system.digest' : 'sendLog.system.quiet', { count: digest.count, category }) + digest.suffix;
}

/** WeCom's errcode; else the failure in words, with the HTTP status WeCom answered when there was one. */
function resultText(ctx: ViewContext, row: DeliveryRow): string {
  if (row.errcode !== null) return `errcode ${row.errcode}`;
  const failure = row.failure ? labelOr(ctx.t, `sendLog.failure.${row.failure}`, row.failure) : undefined;
  const http = row.httpStatus !== null ? `HTTP ${row.httpStatus}` : undefined;
  return [failure, http].filter(Boolean).join(' · ');
}

/** The first page of the send log with these filters. */
export function sendLogHref(filter: SendLogFilterValues): string {
  const query = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => e[1] !== undefined)).toString();
  return query ? `/send-log?${query}` : '/send-log';
}

/** What an empty page of the send log says: nothing sent at all, nothing matching the filters, or nothing older. */
export function sendLogEmptyText(ctx: ViewContext, filter: SendLogFilterValues, older: boolean): string {
  if (older) return ctx.t('sendLog.empty.older');
  return ctx.t(Object.values(filter).some((v) => v !== undefined) ? 'sendLog.empty.filtered' : 'sendLog.empty');
}

/** The rows, or one row saying there are none (`empty`), so a refresh that brings some replaces it. */
export function DeliveryRows({ ctx, rows, empty }: { ctx: ViewContext; rows: DeliveryRow[]; empty?: string }) {
  if (!rows.length && empty) {
    return (
      <tr>
        <td colspan={7}>{empty}</td>
      </tr>
    );
  }
  return (
    <>
      {rows.map((row) => (
        <tr>
          <td data-label={ctx.t('sendLog.col.time')}>{formatDateTime(row.createdAt, ctx.lang, ctx.timeZone)}</td>
          <td class="short" data-label={ctx.t('sendLog.col.kind')}>
            {kindLabel(ctx, row.kind)}
          </td>
          <td data-label={ctx.t('sendLog.col.title')}>
            <a href={`/send-log/${row.id}`}>{deliveryTitle(ctx, row)}</a>
            {templateText(ctx, row)?.failed ? (
              <>
                {' '}
                <span class="badge bad">{ctx.t('sendLog.template.fallbackBadge')}</span>
              </>
            ) : null}
          </td>
          <td data-label={ctx.t('sendLog.col.status')}>
            <span class={`badge ${row.status === 'sent' ? 'ok' : row.status === 'dead' || row.status === 'failed' ? 'bad' : 'none'}`}>
              {statusLabel(ctx, row.status)}
            </span>
          </td>
          <td class="short" data-label={ctx.t('sendLog.col.attempts')}>
            {row.attempts}
          </td>
          <td class={row.errcode !== null ? 'short' : undefined} data-label={ctx.t('sendLog.col.result')}>
            {resultText(ctx, row)}
          </td>
          <td class="short" data-label={ctx.t('sendLog.col.latency')}>
            {row.latencyMs !== null ? `${row.latencyMs} ms` : ''}
          </td>
        </tr>
      ))}
    </>
  );
}

export function DeliveryTable({ ctx, rows, refreshHref, empty = ctx.t('sendLog.empty') }: { ctx: ViewContext; rows: DeliveryRow[]; refreshHref?: string; empty?: string }) {
  if (!rows.length && !refreshHref) return <p>{empty}</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>{ctx.t('sendLog.col.time')}</th>
          <th>{ctx.t('sendLog.col.kind')}</th>
          <th>{ctx.t('sendLog.col.title')}</th>
          <th>{ctx.t('sendLog.col.status')}</th>
          <th>{ctx.t('sendLog.col.attempts')}</th>
          <th>{ctx.t('sendLog.col.result')}</th>
          <th>{ctx.t('sendLog.col.latency')}</th>
        </tr>
      </thead>
      <tbody {...(refreshHref ? { 'hx-get': refreshHref, 'hx-trigger': 'every 5s', 'hx-swap': 'innerHTML' } : {})}>
        <DeliveryRows ctx={ctx} rows={rows} empty={empty} />
      </tbody>
    </table>
  );
}

export function SendLogPage({
  ctx,
  rows,
  filter,
  olderHref,
  refreshHref,
}: {
  ctx: ViewContext;
  rows: DeliveryRow[];
  filter: SendLogFilterValues;
  olderHref?: string;
  refreshHref?: string;
}) {
  return (
    <Layout ctx={ctx} title={ctx.t('sendLog.title')}>
      <form method="get" action="/send-log" class="actions">
        <div>
          <label for="filter-status">{ctx.t('sendLog.filter.status')}</label>
          <select id="filter-status" name="status">
            <option value="">{ctx.t('sendLog.filter.any')}</option>
            {DELIVERY_STATUSES.map((s) => (
              <option value={s} selected={filter.status === s}>
                {statusLabel(ctx, s)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="filter-kind">{ctx.t('sendLog.filter.kind')}</label>
          <select id="filter-kind" name="kind">
            <option value="">{ctx.t('sendLog.filter.any')}</option>
            {FILTER_KINDS.map((k) => (
              <option value={k} selected={filter.kind === k}>
                {kindLabel(ctx, k)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="filter-category">{ctx.t('sendLog.filter.category')}</label>
          <select id="filter-category" name="category">
            <option value="">{ctx.t('sendLog.filter.any')}</option>
            {FILTER_CATEGORIES.map((k) => (
              <option value={k} selected={filter.category === k}>
                {ctx.t(`category.${k}` as MessageKey)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="filter-from">{ctx.t('sendLog.filter.from')}</label>
          <input id="filter-from" name="from" type="date" value={filter.from ?? ''} />
        </div>
        <div>
          <label for="filter-to">{ctx.t('sendLog.filter.to')}</label>
          <input id="filter-to" name="to" type="date" value={filter.to ?? ''} />
        </div>
        {filter.event ? <input type="hidden" name="event" value={filter.event} /> : null}
        <button type="submit" class="secondary">
          {ctx.t('sendLog.filter.apply')}
        </button>
      </form>
      <DeliveryTable ctx={ctx} rows={rows} refreshHref={refreshHref} empty={sendLogEmptyText(ctx, filter, refreshHref === undefined)} />
      <SendLogPager ctx={ctx} filter={filter} olderHref={olderHref} />
    </Layout>
  );
}

function SendLogPager({ ctx, filter, olderHref, oob = false }: { ctx: ViewContext; filter: SendLogFilterValues; olderHref?: string; oob?: boolean }) {
  return (
    <div class="actions" id="send-log-pager" hx-swap-oob={oob ? 'true' : undefined}>
      <a href={sendLogHref(filter)}>{ctx.t('sendLog.newest')}</a>
      {olderHref ? <a href={olderHref}>{ctx.t('sendLog.older')} →</a> : null}
    </div>
  );
}

/**
 * The first page's refresh: its rows, and its pager out of band, so "Older" continues after the
 * rows now shown (a template carries it: a div cannot stand among table rows).
 */
export function SendLogRefresh({ ctx, rows, filter, olderHref }: { ctx: ViewContext; rows: DeliveryRow[]; filter: SendLogFilterValues; olderHref?: string }) {
  return (
    <>
      <DeliveryRows ctx={ctx} rows={rows} empty={sendLogEmptyText(ctx, filter, false)} />
      <template>
        <SendLogPager ctx={ctx} filter={filter} olderHref={olderHref} oob />
      </template>
    </>
  );
}

/** A refused Mute form: why, and what was chosen. */
export interface MuteRefusal {
  error: string;
  /** The field the error is about; none for the form as a whole (too many silences). */
  field?: 'duration' | 'date';
  duration?: string;
  date?: string;
}

/** Mute this alert: a duration, or through a date; a plain form, so it works without JavaScript. */
function MuteForm({ ctx, id, refused }: { ctx: ViewContext; id: number; refused?: MuteRefusal }) {
  const wrong = (field: 'duration' | 'date') => refused?.field === field;
  return (
    <form method="post" action={`/send-log/${id}/silence`} id="mute" aria-labelledby="mute-title">
      <h2 id="mute-title">{ctx.t('silence.mute')}</h2>
      <p class="help">{ctx.t('silence.muteIntro')}</p>
      {refused && !refused.field ? <Notice kind="bad">{refused.error}</Notice> : null}
      <input type="hidden" name="_csrf" value={ctx.csrf} />
      <label for="mute-duration">{ctx.t('silence.duration')}</label>
      <select id="mute-duration" name="duration" aria-invalid={wrong('duration') ? 'true' : undefined} aria-describedby={describedBy(wrong('duration') && 'mute-duration-error')}>
        {(['1h', '4h', '24h', 'until'] as const).map((d) => (
          <option value={d} selected={refused?.duration === d}>
            {ctx.t(`silence.duration.${d}`)}
          </option>
        ))}
      </select>
      <FieldError id="mute-duration-error" message={wrong('duration') ? refused?.error : undefined} alert />
      <label for="mute-date">{ctx.t('silence.date')}</label>
      <input id="mute-date" name="date" type="date" value={refused?.date} aria-invalid={wrong('date') ? 'true' : undefined} aria-describedby={describedBy(wrong('date') && 'mute-date-error')} />
      <FieldError id="mute-date-error" message={wrong('date') ? refused?.error : undefined} alert />
      <div class="actions">
        <button type="submit">{ctx.t('silence.mute')}</button>
      </div>
    </form>
  );
}

export function DeliveryDetailPage({
  ctx,
  row,
  explanation,
  canMute = false,
  muteRefused,
  notice,
  unrendered,
  backHref,
}: {
  ctx: ViewContext;
  row: DeliveryRow;
  /** The send log the admin came from, with its filters. */
  backHref: string;
  /** Set when the payload shown is a preview: the event's message is rendered when sent, and this one was not (yet). */
  unrendered?: DeliveryRow['status'];
  explanation?: string;
  canMute?: boolean;
  muteRefused?: MuteRefusal;
  /** Why a form on the page did nothing (a Retry on a message no longer dead). */
  notice?: string;
}) {
  return (
    <Layout ctx={ctx} title={ctx.t('sendLog.detail', { id: row.id })}>
      {notice ? <Notice kind="info">{notice}</Notice> : null}
      <section class="card">
        <dl class="facts">
          <dt>{ctx.t('sendLog.col.time')}</dt>
          <dd>{formatDateTime(row.createdAt, ctx.lang, ctx.timeZone)}</dd>
          <dt>{ctx.t('sendLog.col.title')}</dt>
          <dd>{deliveryTitle(ctx, row)}</dd>
          <dt>{ctx.t('sendLog.col.kind')}</dt>
          <dd>{kindLabel(ctx, row.kind)}</dd>
          <dt>{ctx.t('sendLog.col.status')}</dt>
          <dd>{statusLabel(ctx, row.status)}</dd>
          <dt>{ctx.t('sendLog.col.attempts')}</dt>
          <dd>{row.attempts}</dd>
          <dt>{ctx.t('sendLog.col.result')}</dt>
          <dd>{resultText(ctx, row) || '—'}</dd>
          {explanation ? (
            <>
              <dt>{ctx.t('sendLog.explanation')}</dt>
              <dd>{explanation}</dd>
            </>
          ) : null}
          {templateText(ctx, row) ? (
            <>
              <dt>{ctx.t('sendLog.template')}</dt>
              <dd id="delivery-template" class={templateText(ctx, row)!.failed ? 'bad' : undefined}>
                {templateText(ctx, row)!.text}
              </dd>
            </>
          ) : null}
          {row.errmsg ? (
            <>
              <dt>errmsg</dt>
              <dd>
                <code>{row.errmsg}</code>
              </dd>
            </>
          ) : null}
          <dt>{ctx.t('sendLog.col.latency')}</dt>
          <dd>{row.latencyMs !== null ? `${row.latencyMs} ms` : '—'}</dd>
          <dt>{ctx.t('sendLog.bytes')}</dt>
          <dd>{row.bytes} B</dd>
        </dl>
        {row.status === 'dead' ? (
          <form method="post" action={`/send-log/${row.id}/retry`} class="actions">
            <input type="hidden" name="_csrf" value={ctx.csrf} />
            <button type="submit">{ctx.t('sendLog.retry')}</button>
          </form>
        ) : null}
        {canMute ? <MuteForm ctx={ctx} id={row.id} refused={muteRefused} /> : null}
        <h2>{ctx.t('sendLog.payload')}</h2>
        {unrendered ? <p id="delivery-unrendered" class="help">{ctx.t(unrendered === 'merged' ? 'sendLog.unrendered.merged' : 'sendLog.unrendered.queued')}</p> : null}
        <WecomPreview t={ctx.t} payload={row.payload} imageSrc={row.msgtype === 'image' ? `/send-log/${row.id}/image` : undefined} />
        <a href={backHref}>{ctx.t('sendLog.back')}</a>
      </section>
    </Layout>
  );
}
