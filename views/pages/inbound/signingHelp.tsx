// The request endpoints, and how to sign a request (the examples come from server/security/signingSnippets.ts).
import type { ViewContext } from '../../context.ts';
import { nodeSigningExample, shellSigningExample } from '../../../server/security/signingSnippets.ts';

export interface Endpoints {
  events: string;
  alertmanager: string;
}

/** `shell: false` when the page already shows the signed shell example (Try it of a token that requires signing). */
export function SigningHelp({ ctx, url, token, secret, shell = true }: { ctx: ViewContext; url: string; token: string; secret: string; shell?: boolean }) {
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
