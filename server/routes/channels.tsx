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
import { explainOneOffFailure } from '../delivery/policy/outcomeExplanation.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { ChannelBanner } from '../../views/layout.tsx';
import { sessionKey, type FlashStore } from './flash.ts';
import { clientIp, invalidBotBanner, isHtmx, viewContext } from './viewContext.ts';

const formParam = v.optional(v.picklist(['add', 'replace']));
const connectSchema = v.object({ url: v.string() });

function failureReason(ctx: ViewContext, failure: SendFailure): string {
  return explainOneOffFailure(failure, ctx.t, ctx.lang);
}

function connectNotices(ctx: ViewContext, outcome: ConnectOutcome, form: 'add' | 'replace', limit: number): CardNotice[] {
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
        ? ctx.t('card.result.rateLimited', { seconds: Math.ceil(outcome.waitMs / 1000), limit })
        : failureReason(ctx, outcome.failure);
  // A refused replacement leaves the current bot as it was: say so, not "not connected".
  return [{ kind: 'bad', text: ctx.t(form === 'replace' ? 'card.result.replaceFailed' : 'card.result.failed', { reason }) }];
}

/** What a channel form's redirect shows once: its notices, and the form to reopen after a failure. */
interface ChannelOutcome {
  notices: CardNotice[];
}

export function channelRoutes(deps: AppDeps & { flash: FlashStore }) {
  const app = new Hono<AppEnv>();

  /** The card and the banner above every page, from one read of the channel. */
  const cardAndBanner = (c: Context<AppEnv>, form: 'none' | 'add' | 'replace', notices: CardNotice[], urlError?: string) => {
    const status = channelStatus(deps);
    const ctx: ViewContext = { ...viewContext(c, deps), banner: invalidBotBanner(status, c.var.t, c.var.lang) };
    return { ctx, status, form, notices, urlError };
  };

  /**
   * htmx swaps the card and, out of band, the banner; a plain form post that did something (connected,
   * sent, disconnected, or asked WeCom and was refused) is redirected (post/redirect/get), its notices
   * kept for the one page the redirect leads to, so a reload never connects or sends again.
   */
  const answer = (c: Context<AppEnv>, form: 'none' | 'add' | 'replace', notices: CardNotice[], status: 200 | 422 | 429 | 502 = 200, urlError?: string) => {
    if (isHtmx(c)) {
      const props = cardAndBanner(c, form, notices, urlError);
      return c.html(
        <>
          <WecomCard {...props} />
          <ChannelBanner text={props.ctx.banner} oob />
        </>,
        status,
      );
    }
    // A refused form (422) changed nothing and sent nothing: it is answered in place like any form error.
    if (status === 422) return c.html(<ChannelsPage {...cardAndBanner(c, form, notices, urlError)} />, 422);
    deps.flash.put<ChannelOutcome>(sessionKey(c), 'channels', { notices });
    return c.redirect(form === 'none' ? '/channels' : `/channels?form=${form}`, 303);
  };

  const openForm = (c: Context<AppEnv>) => {
    const parsed = v.safeParse(formParam, c.req.query('form'));
    const requested = parsed.success ? parsed.output : undefined;
    const state = channelStatus(deps).state;
    if (requested === 'add' && state === 'none') return 'add';
    if (requested === 'replace' && state !== 'none') return 'replace';
    return 'none';
  };

  app.get('/channels', (c) => {
    const notices = deps.flash.take<ChannelOutcome>(sessionKey(c), 'channels')?.notices ?? [];
    return c.html(<ChannelsPage {...cardAndBanner(c, openForm(c), notices)} />);
  });
  app.get('/channels/wecom/card', (c) => {
    const props = cardAndBanner(c, openForm(c), []);
    return c.html(
      <>
        <WecomCard {...props} />
        <ChannelBanner text={props.ctx.banner} oob />
      </>,
    );
  });

  app.post('/channels/wecom/connect', async (c) => {
    const body = await c.req.parseBody();
    // Length and content are the URL parser's job, so each problem gets its own message.
    const parsed = v.safeParse(connectSchema, body);
    const ctx = viewContext(c, deps);
    const form = channelStatus(deps).state === 'none' ? 'add' : 'replace';
    const outcome = await connectBot(deps, parsed.success ? parsed.output.url : '', { ip: clientIp(c) });
    if (outcome.ok) {
      // The default report jobs wait for a bot: they are switched on with the first one.
      deps.reports?.botConnected();
      return answer(c, 'none', connectNotices(ctx, outcome, form, deps.limiter.limit()));
    }
    const refusal = connectNotices(ctx, outcome, form, deps.limiter.limit());
    // A URL refused as written is said under the field it is about, not on top of the card.
    if (outcome.stage === 'format') return answer(c, form, [], 422, refusal[0]?.text);
    return answer(c, form, refusal, outcome.stage === 'rate_limited' ? 429 : 502);
  });

  app.post('/channels/wecom/test', async (c) => {
    const ctx = viewContext(c, deps);
    const outcome = await sendTestNotification(deps, { ip: clientIp(c) });
    if (outcome.ok) return answer(c, 'none', [{ kind: 'ok', text: ctx.t('card.result.testSent') }]);
    if (outcome.reason === 'no_bot') return answer(c, 'none', [{ kind: 'bad', text: ctx.t('card.result.noBot') }], 422);
    if (outcome.reason === 'key_unreadable') return answer(c, 'none', [{ kind: 'bad', text: ctx.t('card.result.testFailed', { reason: ctx.t('card.result.keyUnreadable') }) }], 422);
    if (outcome.reason === 'rate_limited') {
      const seconds = Math.ceil(outcome.waitMs / 1000);
      return answer(c, 'none', [{ kind: 'bad', text: ctx.t('card.result.testFailed', { reason: ctx.t('card.result.rateLimited', { seconds, limit: deps.limiter.limit() }) }) }], 429);
    }
    return answer(c, 'none', [{ kind: 'bad', text: ctx.t('card.result.testFailed', { reason: failureReason(ctx, outcome.failure) }) }], 502);
  });

  app.get('/channels/wecom/disconnect', (c) => {
    const status = channelStatus(deps);
    if (!status.maskedUrl) return c.redirect('/channels');
    return c.html(<DisconnectConfirmPage ctx={viewContext(c, deps)} maskedUrl={status.maskedUrl} />);
  });

  app.post('/channels/wecom/disconnect', (c) => {
    const ctx = viewContext(c, deps);
    const removed = disconnectBot(deps, { ip: clientIp(c) });
    return answer(c, 'none', [removed ? { kind: 'ok', text: ctx.t('card.result.disconnected') } : { kind: 'info', text: ctx.t('card.result.noBot') }]);
  });

  return app;
}
