import type { ChannelStatus } from '../../server/channel/wecomChannel.ts';
import type { ViewContext } from '../context.ts';
import { formatDateTime } from '../../server/time/format.ts';
import { labelOr } from '../../server/strings/translate.ts';
import { Notice } from '../layout.tsx';
import { describedBy, FieldError } from './formErrors.tsx';

export interface CardNotice {
  kind: 'ok' | 'bad' | 'info';
  text: string;
}

export interface WecomCardProps {
  ctx: ViewContext;
  status: ChannelStatus;
  /** Which form is open: none, the first "Add", or "Replace URL" on a connected bot. */
  form: 'none' | 'add' | 'replace';
  notices?: CardNotice[];
  /** Why the Webhook URL was refused as written, shown under the field. */
  urlError?: string;
}

function StatusBadge({ ctx, status }: { ctx: ViewContext; status: ChannelStatus }) {
  if (status.state === 'connected') return <span class="badge ok">{ctx.t('card.status.connected')}</span>;
  if (status.state === 'invalid') return <span class="badge bad">{ctx.t('card.status.invalid')}</span>;
  if (status.state === 'unreadable') return <span class="badge bad">{ctx.t('card.status.unreadable')}</span>;
  return <span class="badge none">{ctx.t('card.status.none')}</span>;
}

function When({ ctx, at }: { ctx: ViewContext; at: number | null | undefined }) {
  return <>{at ? formatDateTime(at, ctx.lang, ctx.timeZone) : ctx.t('card.never')}</>;
}

function ConnectForm({ ctx, mode, urlError }: { ctx: ViewContext; mode: 'add' | 'replace'; urlError?: string }) {
  return (
    <form method="post" action="/channels/wecom/connect" hx-post="/channels/wecom/connect" hx-target="#wecom-card" hx-swap="outerHTML">
      <input type="hidden" name="_csrf" value={ctx.csrf} />
      {mode === 'replace' ? <p class="help">{ctx.t('card.replaceIntro')}</p> : null}
      <label for="webhook-url">{ctx.t('card.url.label')}</label>
      <input
        id="webhook-url"
        name="url"
        type="text"
        inputmode="url"
        autocomplete="off"
        spellcheck={false}
        required
        aria-invalid={urlError ? 'true' : undefined}
        aria-describedby={describedBy('webhook-url-help', urlError && 'webhook-url-error')}
        placeholder="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"
      />
      <p class="help" id="webhook-url-help">
        {ctx.t('card.url.help')}
      </p>
      <FieldError id="webhook-url-error" message={urlError} alert />
      <div class="actions">
        <button type="submit">
          <span class="when-idle">{ctx.t('card.connect')}</span>
          <span class="when-busy">{ctx.t('card.connecting')}</span>
        </button>
        <a class="button secondary" href="/channels" hx-get="/channels/wecom/card" hx-target="#wecom-card" hx-swap="outerHTML">
          {ctx.t('card.cancel')}
        </a>
      </div>
    </form>
  );
}

/** The WeCom Bot card; the htmx target of every channel action, so it re-renders whole. */
export function WecomCard({ ctx, status, form, notices = [], urlError }: WecomCardProps) {
  const connected = status.state !== 'none';
  return (
    <section class="card" id="wecom-card" aria-labelledby="wecom-card-title">
      <h2 id="wecom-card-title">
        {ctx.t('card.title')} <StatusBadge ctx={ctx} status={status} />
      </h2>
      {notices.map((n) => (
        <Notice kind={n.kind}>{n.text}</Notice>
      ))}
      {status.state === 'unreadable' ? <Notice kind="bad">{ctx.t('card.unreadable')}</Notice> : null}
      {connected ? (
        <dl class="facts">
          <dt>{ctx.t('card.maskedUrl')}</dt>
          <dd>
            <code>{status.maskedUrl}</code>
          </dd>
          <dt>{ctx.t('card.connectedAt')}</dt>
          <dd>
            <When ctx={ctx} at={status.connectedAt} />
          </dd>
          <dt>{ctx.t('card.lastSuccess')}</dt>
          <dd>
            <When ctx={ctx} at={status.lastSuccessAt} />
          </dd>
          {status.lastErrorAt ? (
            <>
              <dt>{ctx.t('card.lastError')}</dt>
              <dd>
                <When ctx={ctx} at={status.lastErrorAt} /> {status.lastErrcode !== null ? `(errcode ${status.lastErrcode})` : `(${labelOr(ctx.t, `sendLog.failure.${status.lastFailure}`, status.lastFailure ?? '')})`}
              </dd>
            </>
          ) : null}
        </dl>
      ) : null}
      {form !== 'none' ? (
        <ConnectForm ctx={ctx} mode={form} urlError={urlError} />
      ) : connected ? (
        <div class="actions">
          <form method="post" action="/channels/wecom/test" hx-post="/channels/wecom/test" hx-target="#wecom-card" hx-swap="outerHTML">
            <input type="hidden" name="_csrf" value={ctx.csrf} />
            <button type="submit">{ctx.t('card.sendTest')}</button>
          </form>
          <a class="button secondary" href="/channels?form=replace" hx-get="/channels/wecom/card?form=replace" hx-target="#wecom-card" hx-swap="outerHTML">
            {ctx.t('card.replace')}
          </a>
          <a class="button danger" href="/channels/wecom/disconnect">
            {ctx.t('card.disconnect')}
          </a>
        </div>
      ) : (
        <div class="actions">
          <a class="button" href="/channels?form=add" hx-get="/channels/wecom/card?form=add" hx-target="#wecom-card" hx-swap="outerHTML">
            {ctx.t('card.add')}
          </a>
        </div>
      )}
    </section>
  );
}
