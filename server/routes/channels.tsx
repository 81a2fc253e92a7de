import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import type { CardNotice } from '../../views/components/wecomCard.tsx';
import { WecomCard } from '../../views/components/wecomCard.tsx';
import { ChannelsPage, DisconnectConfirmPage } from '../../views/pages/channels.tsx';
import type { ViewContext } from '../../views/context.ts';
import {
  channelStatus,
  connectBot,
  disconnectBot,
  sendTestNotification,
  type ConnectOutcome,
  type SendFailure,
} from '../channel/wecomChannel.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { clientIp, isHtmx, viewContext } from './viewContext.ts';

const formParam = v.optional(v.picklist(['add', 'replace']));
const connectSchema = v.object({ url: v.string() });

function failureReason(ctx: ViewContext, failure: SendFailure): string {
  return failure.explanation[ctx.lang];
}

function connectNotices(ctx: ViewContext, outcome: ConnectOutcome): CardNotice[] {
  if (outcome.ok) {
    const notices: CardNotice[] = [{ kind: 'ok', text: ctx.t('card.result.connected') }];
    if (outcome.droppedParams.length)
      notices.push({ kind: 'info', text: ctx.t('url.dropped_params', { params: outcome.droppedParams.join(', ') }) });
    return notices;
  }
  const reason =
    outcome.stage === 'format'
      ? ctx.t(`url.error.${outcome.code}`, outcome.detail)
      : outcome.stage === 'rate_limited'
        ? ctx.t('card.result.rateLimited', { seconds: Math.ceil(outcome.waitMs / 1000) })
        : failureReason(ctx, outcome.failure);
  return [{ kind: 'bad', text: ctx.t('card.result.failed', { reason }) }];
}

export function channelRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  /** Full page without JavaScript, just the card for htmx; the status code carries success or failure. */
  const respond = (c: Context<AppEnv>, form: 'none' | 'add' | 'replace', notices: CardNotice[], status: 200 | 422 | 429 | 502 = 200) => {
    const ctx = viewContext(c, deps);
    const props = { ctx, status: channelStatus(deps.db), form, notices };
    return isHtmx(c) ? c.html(<WecomCard {...props} />, status) : c.html(<ChannelsPage {...props} />, status);
  };

  const openForm = (c: Context<AppEnv>) => {
    const parsed = v.safeParse(formParam, c.req.query('form'));
    const requested = parsed.success ? parsed.output : undefined;
    const state = channelStatus(deps.db).state;
    if (requested === 'add' && state === 'none') return 'add';
    if (requested === 'replace' && state !== 'none') return 'replace';
    return 'none';
  };

  app.get('/channels', (c) => respond(c, openForm(c), []));
  app.get('/channels/wecom/card', (c) => {
    const ctx = viewContext(c, deps);
    return c.html(<WecomCard ctx={ctx} status={channelStatus(deps.db)} form={openForm(c)} />);
  });

  app.post('/channels/wecom/connect', async (c) => {
    const body = await c.req.parseBody();
    // Length and content are the URL parser's job, so each problem gets its own message.
    const parsed = v.safeParse(connectSchema, body);
    const ctx = viewContext(c, deps);
    const form = channelStatus(deps.db).state === 'none' ? 'add' : 'replace';
    const outcome = await connectBot(deps, parsed.success ? parsed.output.url : '', { ip: clientIp(c) });
    if (outcome.ok) {
      // The default report jobs wait for a bot: they are switched on with the first one.
      deps.reports?.botConnected();
      return respond(c, 'none', connectNotices(ctx, outcome));
    }
    return respond(c, form, connectNotices(ctx, outcome), outcome.stage === 'format' ? 422 : outcome.stage === 'rate_limited' ? 429 : 502);
  });

  app.post('/channels/wecom/test', async (c) => {
    const ctx = viewContext(c, deps);
    const outcome = await sendTestNotification(deps, { ip: clientIp(c) });
    if (outcome.ok) return respond(c, 'none', [{ kind: 'ok', text: ctx.t('card.result.testSent') }]);
    if (outcome.reason === 'no_bot') return respond(c, 'none', [{ kind: 'bad', text: ctx.t('card.result.noBot') }], 422);
    if (outcome.reason === 'rate_limited') {
      const seconds = Math.ceil(outcome.waitMs / 1000);
      return respond(c, 'none', [{ kind: 'bad', text: ctx.t('card.result.testFailed', { reason: ctx.t('card.result.rateLimited', { seconds }) }) }], 429);
    }
    return respond(c, 'none', [{ kind: 'bad', text: ctx.t('card.result.testFailed', { reason: failureReason(ctx, outcome.failure) }) }], 502);
  });

  app.get('/channels/wecom/disconnect', (c) => {
    const status = channelStatus(deps.db);
    if (!status.maskedUrl) return c.redirect('/channels');
    return c.html(<DisconnectConfirmPage ctx={viewContext(c, deps)} maskedUrl={status.maskedUrl} />);
  });

  app.post('/channels/wecom/disconnect', (c) => {
    const ctx = viewContext(c, deps);
    const removed = disconnectBot(deps, { ip: clientIp(c) });
    return respond(c, 'none', [removed ? { kind: 'ok', text: ctx.t('card.result.disconnected') } : { kind: 'info', text: ctx.t('card.result.noBot') }]);
  });

  return app;
}
