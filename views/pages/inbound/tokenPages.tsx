// A token's own pages: shown once after it is created, gone, and the confirmation before revoking it.
import type { ApiTokenRow } from '../../../db/queries/tokens.ts';
import type { ViewContext } from '../../context.ts';
import { configExportExample, curlExample, shellSigningExample } from '../../../server/security/signingSnippets.ts';
import type { ApiScope } from '../../../server/security/apiScopes.ts';
import { Layout, Notice } from '../../layout.tsx';
import { SigningHelp, type Endpoints } from './signingHelp.tsx';

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
  scopes,
  hooks,
  endpoints,
}: {
  ctx: ViewContext;
  name: string;
  token: string;
  signingSecret: string;
  requireSignature: boolean;
  /** What the token may do: Try it shows what it can run (sending events, exporting the configuration). */
  scopes: ApiScope[];
  /** The hooks a token is limited to: its examples are their URLs, since every other route refuses it. */
  hooks: string[] | null;
  endpoints: Endpoints;
}) {
  const sends = scopes.includes('send') && !hooks;
  const exports = scopes.includes('read') || scopes.includes('admin');
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
        <p>{ctx.t('inbound.created.scopes', { scopes: scopes.join(', ') })}</p>
        <h3>{ctx.t('inbound.created.example')}</h3>
        {requireSignature ? <p class="help">{ctx.t('inbound.created.signedOnly')}</p> : null}
        {hooks ? (
          <>
            <p>{ctx.t('inbound.created.hooksOnly')}</p>
            <pre>{hooks.map((name) => endpoints.events.replace(/\/events$/, `/hooks/${name}`)).join('\n')}</pre>
          </>
        ) : null}
        {sends ? <pre>{requireSignature ? shellSigningExample(endpoints.events, token, signingSecret) : curlExample(endpoints.events, token)}</pre> : null}
        {exports ? <pre>{configExportExample(endpoints.events, token, requireSignature ? signingSecret : undefined)}</pre> : null}
        <h3>{ctx.t('inbound.created.secret')}</h3>
        <p class="help">{ctx.t('inbound.created.secret.help')}</p>
        <pre id="new-signing-secret">{signingSecret}</pre>
      </section>
      {sends ? <SigningHelp ctx={ctx} url={endpoints.events} token={token} secret={signingSecret} shell={!requireSignature} /> : null}
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
