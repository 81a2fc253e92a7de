import type { Context } from 'hono';
import type { ViewContext } from '../../views/context.ts';
import type { Lang, Translate } from '../strings/translate.ts';
import { getChannel } from '../../db/queries/channel.ts';
import type { ChannelStatus } from '../channel/wecomChannel.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { explainErrcode } from '../wecom/errcodes.ts';
import { safeLocalPath } from './safeRedirect.ts';

/** Gathers what every console page shows: language, CSRF token, and the invalid-bot banner. */
export function viewContext(c: Context<AppEnv>, deps: Pick<AppDeps, 'db' | 'settings'>): ViewContext {
  const t = c.var.t;
  // The banner needs only whether the bot is invalid, and why: the row, not the key's decryption.
  const row = c.var.session ? getChannel(deps.db) : undefined;
  const banner = row && invalidBotBanner({ state: row.status, invalidErrcode: row.invalidErrcode }, t, c.var.lang);
  return {
    t,
    lang: c.var.lang,
    csrf: c.var.session?.csrfToken,
    path: returnPath(c),
    timeZone: deps.settings.general().timeZone,
    banner,
    build: c.var.build,
  };
}

/** The banner every page shows while the bot is invalid; one function, so the card's answers agree with it. */
export function invalidBotBanner(channel: Pick<ChannelStatus, 'state' | 'invalidErrcode'>, t: Translate, lang: Lang): string | undefined {
  return channel.state === 'invalid' ? t('card.invalidBanner', { explanation: explainErrcode(channel.invalidErrcode ?? 93000)[lang] }) : undefined;
}

/**
 * Where sign-in and the language switch return to: the page itself with its query (a message's link
 * to the send log, the sign-in page's ?next=); for an htmx request, whose own path is a fragment or
 * a form's action, the page it was made from; for a form post the area it belongs to.
 */
export function returnPath(c: Context): string {
  const area = '/' + (c.req.path.split('/')[1] ?? '');
  if (isHtmx(c)) return htmxPage(c) ?? area;
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return area;
  const { pathname, search } = new URL(c.req.url);
  return safeLocalPath(pathname + search, area);
}

/** htmx's HX-Current-URL, when it is a page of this console (the Host the request came to, as the origin check asks). */
function htmxPage(c: Context): string | undefined {
  return consolePage(c, c.req.header('hx-current-url'));
}

/** The page a form was posted from (its Referer), when it is a page of this console. */
export function refererPage(c: Context): string | undefined {
  return consolePage(c, c.req.header('referer'));
}

function consolePage(c: Context, address: string | undefined): string | undefined {
  if (!address || !URL.canParse(address)) return undefined;
  const url = new URL(address);
  if (url.host !== c.req.header('host')) return undefined;
  return safeLocalPath(url.pathname + url.search, '') || undefined;
}

/** Set once per request by the clientAddress middleware (which knows TRUST_PROXY). */
export function clientIp(c: Context<AppEnv>): string | null {
  return c.var.clientIp ?? null;
}

export function isHtmx(c: Context): boolean {
  return c.req.header('hx-request') === 'true';
}
