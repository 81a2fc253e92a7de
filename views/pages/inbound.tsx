import { REFUSALS_KEPT, type RefusalRow } from '../../db/queries/refusals.ts';
import type { EventRow } from '../../db/queries/events.ts';
import type { ApiTokenRow } from '../../db/queries/tokens.ts';
import type { ViewContext } from '../context.ts';
import { dictionaries, type MessageKey } from '../../server/strings/translate.ts';
import { formatDateTime } from '../../server/time/format.ts';
import { Layout, Notice } from '../layout.tsx';

export const SAMPLE_EVENT_BODY = JSON.stringify({
  kind: 'alert',
  category: 'inventory',
  severity: 'warning',
  title: 'SKU-1024 low stock',
  store: 'Tmall Flagship',
});

export interface Endpoints {
  events: string;
  alertmanager: string;
}

export interface RecentEvent {
  row: EventRow;
  /** Where its messages are in the send log, when it has any. */
  deliveryHref?: string;
  digestId?: number;
}

export interface InboundPageProps {
  ctx: ViewContext;
  endpoints: Endpoints;
  tokens: ApiTokenRow[];
  events: RecentEvent[];
  form?: { name: string; requireSignature: boolean; error?: string };
  notice?: { kind: 'ok' | 'bad' | 'info'; text: string };
  refusals: RefusalRow[];
  /** The notification language the samples are written in. */
  sampleLanguage: 'en' | 'zh';
}

const SAMPLE_KINDS = ['alert', 'task_result', 'report', 'metric'] as const;

/** Sends one sample event through intake: a plain form, so it works without JavaScript. */
function SampleEventCard({ ctx, language }: { ctx: ViewContext; language: 'en' | 'zh' }) {
  return (
    <section class="card" aria-labelledby="sample-title">
      <h2 id="sample-title">{ctx.t('sample.title')}</h2>
      <p class="help">{ctx.t('sample.intro', { language: ctx.t(`sample.language.${language}`) })}</p>
      <form method="post" action="/inbound/sample">
        <input type="hidden" name="_csrf" value={ctx.csrf} />
        <label for="sample-kind">{ctx.t('sample.kind')}</label>
        <select id="sample-kind" name="kind">
          {SAMPLE_KINDS.map((k) => (
            <option value={k}>{ctx.t(`kind.${k}`)}</option>
          ))}
        </select>
        <p class="help">{ctx.t('sample.metricNote')}</p>
        <div class="actions">
          <button type="submit">{ctx.t('sample.send')}</button>
        </div>
      </form>
    </section>
  );
}

/** Requests turned away at sign-in: when, why, which token prefix — never the token. */
function RefusedRequests({ ctx, rows }: { ctx: ViewContext; rows: RefusalRow[] }) {
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
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** A label from the dictionary when there is one, else the stored value as is. */
function label(ctx: ViewContext, key: string, fallback: string): string {
  return key in dictionaries.en ? ctx.t(key as MessageKey) : fallback;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function curlExample(url: string, token: string): string {
  return [
    `curl -X POST ${url} \\`,
    `  -H ${shellQuote(`Authorization: Bearer ${token}`)} \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d ${shellQuote(SAMPLE_EVENT_BODY)}`,
  ].join('\n');
}

export function nodeSigningExample(url: string, token: string, secret: string): string {
  return [
    `// sign.mjs — run with: SCN_TOKEN=${shellQuote(token)} SCN_SIGNING_SECRET=${shellQuote(secret)} node sign.mjs`,
    `import { createHmac } from 'node:crypto';`,
    ``,
    `const token = process.env.SCN_TOKEN;`,
    `const body = JSON.stringify(${SAMPLE_EVENT_BODY});`,
    `const timestamp = String(Math.floor(Date.now() / 1000));`,
    `const signature = 'sha256=' + createHmac('sha256', process.env.SCN_SIGNING_SECRET).update(\`\${timestamp}.\${body}\`).digest('hex');`,
    `const res = await fetch(${JSON.stringify(url)}, {`,
    `  method: 'POST',`,
    `  headers: {`,
    `    authorization: \`Bearer \${token}\`,`,
    `    'content-type': 'application/json',`,
    `    'x-signature': signature,`,
    `    'x-signature-timestamp': timestamp,`,
    `  },`,
    `  body,`,
    `});`,
    `console.log(res.status, await res.text());`,
  ].join('\n');
}

export function shellSigningExample(url: string, token: string, secret: string): string {
  return [
    `TOKEN=${shellQuote(token)}`,
    `SIGNING_SECRET=${shellQuote(secret)}`,
    `BODY=${shellQuote(SAMPLE_EVENT_BODY)}`,
    `TS=$(date +%s)`,
    `SIG="sha256=$(printf '%s.%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$SIGNING_SECRET" | sed 's/^.* //')"`,
    `curl -X POST ${url} \\`,
    `  -H "Authorization: Bearer $TOKEN" \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -H "x-signature: $SIG" \\`,
    `  -H "x-signature-timestamp: $TS" \\`,
    `  -d "$BODY"`,
  ].join('\n');
}

/** `shell: false` when the page already shows the signed shell example (Try it of a token that requires signing). */
function SigningHelp({ ctx, url, token, secret, shell = true }: { ctx: ViewContext; url: string; token: string; secret: string; shell?: boolean }) {
  return (
    <section class="card" aria-labelledby="inbound-sign-title">
      <h2 id="inbound-sign-title">{ctx.t('inbound.sign')}</h2>
      <p>{ctx.t('inbound.sign.intro')}</p>
      <dl class="facts">
        <dt>
          <code>x-signature-timestamp</code>
        </dt>
        <dd>{ctx.t('inbound.sign.timestamp')}</dd>
        <dt>
          <code>x-signature</code>
        </dt>
        <dd>
          {ctx.t('inbound.sign.signature')}
          <br />
          <code>{'sha256=' + 'hex(HMAC-SHA256(signing secret, timestamp + "." + body))'}</code>
        </dd>
      </dl>
      <h3>{ctx.t('inbound.sign.node')}</h3>
      <pre>{nodeSigningExample(url, token, secret)}</pre>
      {shell ? (
        <>
          <h3>{ctx.t('inbound.sign.shell')}</h3>
          <pre>{shellSigningExample(url, token, secret)}</pre>
        </>
      ) : null}
    </section>
  );
}

function EndpointsCard({ ctx, endpoints }: { ctx: ViewContext; endpoints: Endpoints }) {
  return (
    <section class="card" aria-labelledby="inbound-endpoints-title">
      <h2 id="inbound-endpoints-title">{ctx.t('inbound.endpoints')}</h2>
      <dl class="facts">
        <dt>{ctx.t('inbound.endpoint.events')}</dt>
        <dd>
          <code>POST {endpoints.events}</code>
        </dd>
        <dt>{ctx.t('inbound.endpoint.alertmanager')}</dt>
        <dd>
          <code>POST {endpoints.alertmanager}</code>
        </dd>
      </dl>
      <h3>{ctx.t('inbound.example')}</h3>
      <pre>{curlExample(endpoints.events, '<token>')}</pre>
      <p class="help">{ctx.t('inbound.example.help')}</p>
      <p>
        <a href="/api-docs">{ctx.t('apidocs.link')}</a>
      </p>
    </section>
  );
}

function When({ ctx, at }: { ctx: ViewContext; at: number | null }) {
  return <>{at ? formatDateTime(at, ctx.lang, ctx.timeZone) : ctx.t('inbound.token.never')}</>;
}

function TokensCard({ ctx, tokens, form }: { ctx: ViewContext; tokens: ApiTokenRow[]; form: NonNullable<InboundPageProps['form']> }) {
  return (
    <section class="card" id="tokens" aria-labelledby="inbound-tokens-title">
      <h2 id="inbound-tokens-title">{ctx.t('inbound.tokens')}</h2>
      {tokens.length ? (
        <table>
          <thead>
            <tr>
              <th>{ctx.t('inbound.col.name')}</th>
              <th>{ctx.t('inbound.col.prefix')}</th>
              <th>{ctx.t('inbound.col.created')}</th>
              <th>{ctx.t('inbound.col.lastUsed')}</th>
              <th>{ctx.t('inbound.col.status')}</th>
              <th>{ctx.t('inbound.col.signature')}</th>
              <th>{ctx.t('inbound.col.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((tok) => (
              <tr>
                <td data-label={ctx.t('inbound.col.name')}>{tok.name}</td>
                <td data-label={ctx.t('inbound.col.prefix')}>
                  <code>{tok.prefix}…</code>
                </td>
                <td data-label={ctx.t('inbound.col.created')}>
                  <When ctx={ctx} at={tok.createdAt} />
                </td>
                <td data-label={ctx.t('inbound.col.lastUsed')}>
                  <When ctx={ctx} at={tok.lastUsedAt} />
                </td>
                <td data-label={ctx.t('inbound.col.status')}>
                  {tok.revokedAt !== null ? (
                    <>
                      <span class="badge bad">{ctx.t('inbound.token.revoked')}</span> <When ctx={ctx} at={tok.revokedAt} />
                    </>
                  ) : (
                    <span class="badge ok">{ctx.t('inbound.token.active')}</span>
                  )}
                </td>
                <td data-label={ctx.t('inbound.col.signature')}>
                  {ctx.t(tok.requireSignature ? 'inbound.token.signatureRequired' : 'inbound.token.signatureOptional')}
                  {tok.signingSecret === null && tok.revokedAt === null ? <p class="help">{ctx.t('inbound.token.legacySigning')}</p> : null}
                </td>
                <td data-label={ctx.t('inbound.col.actions')}>
                  {tok.revokedAt === null ? (
                    <a class="button danger" href={`/inbound/tokens/${tok.id}/revoke`} aria-label={`${ctx.t('inbound.revoke')}: ${tok.name}`}>
                      {ctx.t('inbound.revoke')}
                    </a>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>{ctx.t('inbound.tokens.empty')}</p>
      )}

      <h3 id="inbound-create-title">{ctx.t('inbound.create')}</h3>
      <form method="post" action="/inbound/tokens" aria-labelledby="inbound-create-title">
        <input type="hidden" name="_csrf" value={ctx.csrf} />
        <label for="token-name">{ctx.t('inbound.create.name')}</label>
        <input
          id="token-name"
          name="name"
          type="text"
          value={form.name}
          maxlength={60}
          autocomplete="off"
          required
          aria-invalid={form.error ? 'true' : undefined}
          aria-describedby={form.error ? 'token-name-help token-name-error' : 'token-name-help'}
        />
        <p class="help" id="token-name-help">
          {ctx.t('inbound.create.name.help')}
        </p>
        {form.error ? (
          <p class="notice bad" id="token-name-error" role="alert">
            {form.error}
          </p>
        ) : null}
        <label for="token-signature">
          <input id="token-signature" name="requireSignature" type="checkbox" value="on" checked={form.requireSignature} aria-describedby="token-signature-help" />{' '}
          {ctx.t('inbound.create.signature')}
        </label>
        <p class="help" id="token-signature-help">
          {ctx.t('inbound.create.signature.help')}
        </p>
        <div class="actions">
          <button type="submit">{ctx.t('inbound.create.submit')}</button>
        </div>
      </form>
    </section>
  );
}

function reasonText(ctx: ViewContext, row: EventRow): string {
  if (!row.reason) return '';
  if (row.reason === 'duplicate') return ctx.t('event.reason.duplicate', { id: row.duplicateOf ?? '?' });
  return label(ctx, `event.reason.${row.reason}`, row.reason);
}

const STATUS_BADGE: Record<string, string> = { sent: 'ok', digested: 'ok', dead: 'bad', suppressed: 'warn' };

function RecentEvents({ ctx, events }: { ctx: ViewContext; events: RecentEvent[] }) {
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
            {events.map(({ row, deliveryHref, digestId }) => (
              <tr id={`event-${row.id}`} data-status={row.status}>
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
                  <span class={`badge ${STATUS_BADGE[row.status] ?? 'none'}`}>{label(ctx, `event.status.${row.status}`, row.status)}</span>
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
            ))}
          </tbody>
        </table>
      ) : (
        <p>{ctx.t('inbound.recent.empty')}</p>
      )}
    </section>
  );
}

export function InboundPage({ ctx, endpoints, tokens, events, form = { name: '', requireSignature: false }, notice, refusals, sampleLanguage }: InboundPageProps) {
  return (
    <Layout ctx={ctx} title={ctx.t('inbound.title')}>
      <p>{ctx.t('inbound.intro')}</p>
      {notice ? <Notice kind={notice.kind}>{notice.text}</Notice> : null}
      <EndpointsCard ctx={ctx} endpoints={endpoints} />
      {tokens.some((tok) => tok.signingSecret === null && tok.requireSignature && tok.revokedAt === null) ? (
        <Notice kind="bad">{ctx.t('inbound.legacyNote')}</Notice>
      ) : null}
      <TokensCard ctx={ctx} tokens={tokens} form={form} />
      <SampleEventCard ctx={ctx} language={sampleLanguage} />
      <SigningHelp ctx={ctx} url={endpoints.events} token="<token>" secret="<signing secret>" />
      <RecentEvents ctx={ctx} events={events} />
      <RefusedRequests ctx={ctx} rows={refusals} />
    </Layout>
  );
}

/**
 * The only page that ever shows the token and its signing secret. A token that requires signing is
 * shown only signed examples: an unsigned one would be refused.
 */
export function TokenCreatedPage({
  ctx,
  name,
  token,
  signingSecret,
  requireSignature,
  endpoints,
}: {
  ctx: ViewContext;
  name: string;
  token: string;
  signingSecret: string;
  requireSignature: boolean;
  endpoints: Endpoints;
}) {
  return (
    <Layout ctx={ctx} title={ctx.t('inbound.created.title')}>
      <script src="/static/copy.js" defer></script>
      <section class="card" aria-labelledby="token-created-title">
        <h2 id="token-created-title">{ctx.t('inbound.created.token', { name })}</h2>
        <Notice kind="info">{ctx.t('inbound.created.warning')}</Notice>
        {/* A read-only field: selectable and copyable without JavaScript; the button only with it. */}
        <label for="new-token">{ctx.t('inbound.created.field')}</label>
        <div class="actions">
          <input id="new-token" type="text" readonly value={token} autocomplete="off" spellcheck={false} />
          <button type="button" class="secondary" data-copy="new-token" data-copied={ctx.t('inbound.created.copied')} hidden>
            {ctx.t('inbound.created.copy')}
          </button>
        </div>
        <h3>{ctx.t('inbound.created.example')}</h3>
        {requireSignature ? <p class="help">{ctx.t('inbound.created.signedOnly')}</p> : null}
        <pre>{requireSignature ? shellSigningExample(endpoints.events, token, signingSecret) : curlExample(endpoints.events, token)}</pre>
        <h3>{ctx.t('inbound.created.secret')}</h3>
        <p class="help">{ctx.t('inbound.created.secret.help')}</p>
        <pre id="new-signing-secret">{signingSecret}</pre>
      </section>
      <SigningHelp ctx={ctx} url={endpoints.events} token={token} secret={signingSecret} shell={!requireSignature} />
      <a class="button" href="/inbound">
        {ctx.t('inbound.created.back')}
      </a>
    </Layout>
  );
}

/** The token page reloaded: the token was shown once and is not kept, so it cannot be shown again. */
export function TokenGonePage({ ctx, name }: { ctx: ViewContext; name: string | undefined }) {
  return (
    <Layout ctx={ctx} title={ctx.t('inbound.created.title')}>
      <section class="card">
        <Notice kind="info">{ctx.t('inbound.created.gone', { name: name ?? '' })}</Notice>
        <a class="button" href="/inbound">
          {ctx.t('inbound.created.back')}
        </a>
      </section>
    </Layout>
  );
}

export function RevokeConfirmPage({ ctx, token }: { ctx: ViewContext; token: ApiTokenRow }) {
  return (
    <Layout ctx={ctx} title={ctx.t('inbound.revoke.title', { name: token.name })}>
      <section class="card">
        <p>{ctx.t('inbound.revoke.body', { prefix: `${token.prefix}…` })}</p>
        <div class="actions">
          <form method="post" action={`/inbound/tokens/${token.id}/revoke`}>
            <input type="hidden" name="_csrf" value={ctx.csrf} />
            <button type="submit" class="danger">
              {ctx.t('inbound.revoke.confirm')}
            </button>
          </form>
          <a class="button secondary" href="/inbound">
            {ctx.t('inbound.revoke.cancel')}
          </a>
        </div>
      </section>
    </Layout>
  );
}
