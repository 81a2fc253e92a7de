import { Hono, type Context } from 'hono';
import { getChannel, type ChannelRow } from '../../db/queries/channel.ts';
import { deadNotifications, eventsWithStatus, lastNotificationSentAt, lastRefusedNotification, oldestQueuedAt, rateLimitedCountSince } from '../../db/queries/stats.ts';
import type { CardNotice } from '../../views/components/wecomCard.tsx';
import { formatDateTime } from '../time/format.ts';
import { TroubleshootingPage } from '../../views/pages/troubleshooting.tsx';
import { channelStatus, sendTestNotification } from '../channel/wecomChannel.ts';
import { explainDeliveryErrcode, explainOneOffFailure } from '../delivery/policy/outcomeExplanation.ts';
import { queueDepth } from '../delivery/store.ts';
import { quietEndsAt } from '../rules/quietHours.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { troubleshootingChecks } from '../troubleshooting.ts';
import { classifyTransportFailure, explainErrcode, type TransportFailure } from '../wecom/errcodes.ts';
import type { Lang } from '../strings/translate.ts';
import { clientIp, viewContext } from './viewContext.ts';

/** What the answer behind the channel's last transport failure meant, when WeCom answered (an HTTP status). */
function transportAnswer(row: ChannelRow, lang: Lang): string | undefined {
  // Without an errcode the stored reason is the client's transport reason (cut_off, http_status, …).
  return row.lastHttpStatus === null ? undefined : classifyTransportFailure(row.lastErrorReason as TransportFailure, row.lastHttpStatus).explanation[lang];
}

export function troubleshootingRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  const render = (c: Context<AppEnv>, notices: CardNotice[] = [], code: 200 | 422 | 429 | 502 = 200) => {
    const now = deps.clock.now();
    const ctx = viewContext(c, deps);
    const status = channelStatus(deps);
    const row = getChannel(deps.db);
    const refusal = lastRefusedNotification(deps.db);
    const dead = deadNotifications(deps.db);
    const deadErrcode = dead.latest?.errcode;
    const transport = row?.lastFailure === 'transient' && row.lastErrorAt && (!row.lastSuccessAt || row.lastErrorAt > row.lastSuccessAt) && row.lastErrcode === null;
    const checks = troubleshootingChecks({
      status,
      lastNotificationAt: lastNotificationSentAt(deps.db),
      lastRefusal: refusal && { ...refusal, explanation: explainDeliveryErrcode(refusal.errcode, 'dead', ctx.t, ctx.lang) },
      rateLimited24h: rateLimitedCountSince(deps.db, now - 24 * 3600_000),
      used: deps.limiter.used(now),
      limit: deps.limiter.limit(),
      queued: queueDepth(deps.db),
      oldestQueuedAt: oldestQueuedAt(deps.db),
      dead: {
        count: dead.count,
        latest: dead.latest && { ...dead.latest, explanation: deadErrcode ? explainDeliveryErrcode(deadErrcode, 'dead', ctx.t, ctx.lang) : undefined },
      },
      held: { count: eventsWithStatus(deps.db, 'held').count, until: quietEndsAt(now, deps.settings.rules().quietHours, deps.calendar?.calendar()) },
      lastTransportFailure: transport ? { failure: row.lastFailure!, at: row.lastErrorAt!, answer: transportAnswer(row, ctx.lang) } : undefined,
      format: deps.settings.delivery().format,
      suppressed: eventsWithStatus(deps.db, 'suppressed'),
      explain: explainErrcode,
      lang: ctx.lang,
      formatTime: (ms) => formatDateTime(ms, ctx.lang, ctx.timeZone),
    });
    return c.html(<TroubleshootingPage ctx={ctx} checks={checks} notices={notices} canTest={status.state !== 'none'} />, code);
  };

  app.get('/troubleshooting', (c) => render(c));

  app.post('/troubleshooting/test', async (c) => {
    const t = c.var.t;
    const outcome = await sendTestNotification(deps, { ip: clientIp(c) });
    if (outcome.ok) return render(c, [{ kind: 'ok', text: t('card.result.testSent') }]);
    if (outcome.reason === 'no_bot') return render(c, [{ kind: 'bad', text: t('card.result.noBot') }], 422);
    if (outcome.reason === 'key_unreadable') return render(c, [{ kind: 'bad', text: t('card.result.testFailed', { reason: t('card.result.keyUnreadable') }) }], 422);
    if (outcome.reason === 'rate_limited') {
      return render(c, [{ kind: 'bad', text: t('card.result.testFailed', { reason: t('card.result.rateLimited', { seconds: Math.ceil(outcome.waitMs / 1000), limit: deps.limiter.limit() }) }) }], 429);
    }
    return render(c, [{ kind: 'bad', text: t('card.result.testFailed', { reason: explainOneOffFailure(outcome.failure, t, c.var.lang) }) }], 502);
  });

  return app;
}
