// The Inbound API page: endpoints and an example, tokens, a sample event, signing, recent and refused requests.
import type { RefusalRow } from '../../../db/queries/refusals.ts';
import type { ApiTokenRow } from '../../../db/queries/tokens.ts';
import type { ViewContext } from '../../context.ts';
import { formatDateTime } from '../../../server/time/format.ts';
import { curlExample } from '../../../server/security/signingSnippets.ts';
import { tokenHooks } from '../../../server/security/apiTokens.ts';
import { API_SCOPES, tokenScopes, type ApiScope } from '../../../server/security/apiScopes.ts';
import { Layout, Notice } from '../../layout.tsx';
import { SigningHelp, type Endpoints } from './signingHelp.tsx';
import { RecentEvents, RefusedRequests, type RecentEvent } from './recentEvents.tsx';

/** The token form's fields a refusal can be about. */
export type TokenFormField = 'name' | 'hooks' | 'scopes';

export interface InboundPageProps {
  ctx: ViewContext;
  endpoints: Endpoints;
  tokens: ApiTokenRow[];
  events: RecentEvent[];
  form?: { name: string; requireSignature: boolean; scopes?: ApiScope[]; hooks?: string; error?: { field: TokenFormField; text: string } };
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
  const wrong = (field: TokenFormField) => form.error?.field === field;
  // The field the refusal is about is marked invalid and tied to its message, for a screen reader.
  const invalid = (field: TokenFormField, help: string) => ({
    'aria-invalid': wrong(field) ? 'true' : undefined,
    'aria-describedby': wrong(field) ? `${help} token-${field}-error` : help,
  });
  const errorFor = (field: TokenFormField) =>
    wrong(field) ? (
      <p class="notice bad" id={`token-${field}-error`} role="alert">
        {form.error!.text}
      </p>
    ) : null;
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
              <th>{ctx.t('inbound.col.scopes')}</th>
              <th>{ctx.t('inbound.col.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((tok) => (
              <tr>
                <td data-label={ctx.t('inbound.col.name')}>
                  {tok.name}
                  {tok.hookNames !== null ? <p class="help">{ctx.t('inbound.token.hooksOnly', { names: tokenHooks(tok)!.join(', ') })}</p> : null}
                </td>
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
                <td data-label={ctx.t('inbound.col.scopes')}>
                  <code>{tokenScopes(tok).join(', ')}</code>
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
          {...invalid('name', 'token-name-help')}
        />
        <p class="help" id="token-name-help">
          {ctx.t('inbound.create.name.help')}
        </p>
        {errorFor('name')}
        <label for="token-signature">
          <input id="token-signature" name="requireSignature" type="checkbox" value="on" checked={form.requireSignature} aria-describedby="token-signature-help" />{' '}
          {ctx.t('inbound.create.signature')}
        </label>
        <p class="help" id="token-signature-help">
          {ctx.t('inbound.create.signature.help')}
        </p>
        <label for="token-hooks">{ctx.t('inbound.create.hooks')}</label>
        <input id="token-hooks" name="hooks" type="text" value={form.hooks ?? ''} autocomplete="off" {...invalid('hooks', 'token-hooks-help')} />
        <p class="help" id="token-hooks-help">
          {ctx.t('inbound.create.hooks.help')}
        </p>
        {errorFor('hooks')}
        <fieldset aria-describedby={wrong('scopes') ? 'token-scopes-error' : undefined}>
          <legend>{ctx.t('inbound.create.scopes')}</legend>
          {API_SCOPES.map((scope) => (
            <label for={`token-scope-${scope}`}>
              <input id={`token-scope-${scope}`} name="scope" type="checkbox" value={scope} checked={(form.scopes ?? ['send']).includes(scope)} /> {ctx.t(`inbound.scope.${scope}`)}
            </label>
          ))}
          {errorFor('scopes')}
        </fieldset>
        <div class="actions">
          <button type="submit">{ctx.t('inbound.create.submit')}</button>
        </div>
      </form>
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
