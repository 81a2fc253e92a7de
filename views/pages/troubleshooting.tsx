import type { Check } from '../../server/troubleshooting.ts';
import type { CardNotice } from '../components/wecomCard.tsx';
import type { ViewContext } from '../context.ts';
import { Layout, Notice } from '../layout.tsx';

const BADGE: Record<Check['verdict'], string> = { ok: 'ok', warn: 'warn', bad: 'bad', info: 'none' };

export function TroubleshootingPage({ ctx, checks, notices = [], canTest }: { ctx: ViewContext; checks: Check[]; notices?: CardNotice[]; canTest: boolean }) {
  return (
    <Layout ctx={ctx} title={ctx.t('trouble.title')}>
      <p>{ctx.t('trouble.intro')}</p>
      {notices.map((n) => (
        <Notice kind={n.kind}>{n.text}</Notice>
      ))}
      {canTest ? (
        <form method="post" action="/troubleshooting/test" class="actions">
          <input type="hidden" name="_csrf" value={ctx.csrf} />
          <span>{ctx.t('trouble.test.intro')}</span>
          <button type="submit">{ctx.t('card.sendTest')}</button>
        </form>
      ) : null}
      <div class="checks">
        {checks.map((check) => (
          <section class="card" id={`check-${check.id}`} data-verdict={check.verdict}>
            <h2>
              {ctx.t(check.title)} <span class={`badge ${BADGE[check.verdict]}`}>{ctx.t(`trouble.verdict.${check.verdict}`)}</span>
            </h2>
            <p>{ctx.t(check.text, check.params)}</p>
            {check.link ? (
              <p>
                <a href={check.link.href}>{ctx.t(check.link.text)}</a>
              </p>
            ) : null}
          </section>
        ))}
      </div>
    </Layout>
  );
}
