import { WecomCard, type WecomCardProps } from '../components/wecomCard.tsx';
import type { ViewContext } from '../context.ts';
import { Layout } from '../layout.tsx';

export function ChannelsPage(props: WecomCardProps) {
  const { ctx } = props;
  return (
    <Layout ctx={ctx} title={ctx.t('channels.title')}>
      <p>{ctx.t('channels.intro')}</p>
      <WecomCard {...props} />
    </Layout>
  );
}

export function DisconnectConfirmPage({ ctx, maskedUrl }: { ctx: ViewContext; maskedUrl: string }) {
  return (
    <Layout ctx={ctx} title={ctx.t('disconnect.title')}>
      <section class="card">
        <p>
          <code>{maskedUrl}</code>
        </p>
        <p>{ctx.t('disconnect.body')}</p>
        <div class="actions">
          <form method="post" action="/channels/wecom/disconnect">
            <input type="hidden" name="_csrf" value={ctx.csrf} />
            <button type="submit" class="danger">
              {ctx.t('disconnect.confirm')}
            </button>
          </form>
          <a class="button secondary" href="/channels">
            {ctx.t('card.cancel')}
          </a>
        </div>
      </section>
    </Layout>
  );
}
