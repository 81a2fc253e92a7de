import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import { pickLanguage, translator } from '../strings/translate.ts';
import type { Db } from '../../db/client.ts';
import { getAdminPasswordHash } from '../../db/queries/admin.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { AppEnv } from '../env.ts';
import type { BuildInfo } from '../buildInfo.ts';
import { addApiHeaders, HSTS, isHttps } from './apiHeaders.ts';
import { clientAddress, proxyTrust, socketAddress } from './clientAddress.ts';
import { allowedHosts, hostName, isAllowedHost } from './hostAllowList.ts';
import { loadSession } from './sessions.ts';
import { safeEqual } from './tokens.ts';

export const LANG_COOKIE = 'scn_lang';

/** CSP without inline script or style: htmx and the stylesheet are served from /static. */
const securityHeaders = () =>
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
    },
    referrerPolicy: 'same-origin',
    // Set by sharedRequest(), which knows whether the browser came over HTTPS.
    strictTransportSecurity: false,
  });

type RequestDeps = { build: BuildInfo; config: Pick<Config, 'trustProxy' | 'publicUrl' | 'allowedHosts'> };

/** The client's address (X-Forwarded-For counts only from a trusted proxy) and whether it came over HTTPS. */
function addressAndScheme(trustProxy: Config['trustProxy']): (c: Context<AppEnv>) => void {
  const trusted = proxyTrust(trustProxy);
  return (c) => {
    c.set('clientIp', clientAddress(socketAddress(c), c.req.header('x-forwarded-for'), trusted));
    c.set('https', isHttps(c));
  };
}

/**
 * What every API request shares, as the API app's one middleware: the client's address and the
 * API's headers as one plain object (apiHeaders.ts) instead of secureHeaders editing each answer. No
 * language (the API answers in English) and no Host check (health checks and senders name the
 * appliance by whatever reaches the container).
 */
export const apiRequest = (deps: Pick<RequestDeps, 'config'>): MiddlewareHandler<AppEnv> => {
  const address = addressAndScheme(deps.config.trustProxy);
  return async (c, next) => {
    address(c);
    await next();
    addApiHeaders(c);
  };
};

/**
 * What every console request shares, as the console app's first middleware: the security headers,
 * the client's address, HSTS, the build, the language, the Host check and no-store. One async frame
 * instead of seven: a hono/jsx render enters an AsyncLocalStorage, which on Node 20 and 22 switches
 * on promise hooks for the whole process for good, and from the first console page on every promise
 * of every request pays them. Seven middlewares made an accepted event ~15 % dearer than one
 * (paired, bench/). (The image starts Node 22 with async context frames, which need no promise hooks.)
 */
export const consoleRequest = (deps: RequestDeps): MiddlewareHandler<AppEnv> => {
  const secure = securityHeaders();
  const address = addressAndScheme(deps.config.trustProxy);
  const hosts = allowedHosts(deps.config);
  return (c, next) =>
    secure(c, async () => {
      c.set('build', deps.build);
      const lang = pickLanguage(getCookie(c, LANG_COOKIE), c.req.header('accept-language'));
      c.set('lang', lang);
      c.set('t', translator(lang));
      address(c);
      const refusal = hostRefusal(c, hosts);
      if (refusal) c.res = refusal;
      else {
        await next();
        // Console pages show payloads, the audit log and settings: no browser or proxy keeps a copy.
        if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
      }
      if (c.get('https')) c.res.headers.set('strict-transport-security', HSTS);
    });
};

/**
 * Paths that answer for any Host: health checks call them by whatever name reaches the container.
 * /metrics is not one of them: a scraper names the appliance as ALLOWED_HOSTS says.
 */
const ANY_HOST = ['/healthz', '/readyz'];

/** Console routes answer only for the expected Host names (see hostAllowList.ts): 421 with how to fix it otherwise. */
function hostRefusal(c: Context<AppEnv>, hosts: Set<string>): Response | undefined {
  if (ANY_HOST.includes(c.req.path) || isAllowedHost(c.req.header('host'), hosts)) return undefined;
  return c.text(c.var.t('host.refused', { host: hostName(c.req.header('host')) ?? '?' }), 421);
}

export const session = (deps: { db: Db; clock: Clock }): MiddlewareHandler<AppEnv> => async (c, next) => {
  c.set('session', loadSession(c, deps.db, deps.clock));
  await next();
};

export interface PublicRoutes {
  paths: string[];
  prefixes: string[];
}

export function isPublic(path: string, pub: PublicRoutes): boolean {
  return pub.paths.includes(path) || pub.prefixes.some((p) => path.startsWith(p));
}

/** What requireAuth asks the routes (this layer renders no view and knows no pages). */
export interface SignInPages {
  /** The sign-in page for a plain form posted without a session. */
  signInFirst: (c: Context<AppEnv>) => Response | Promise<Response>;
  /** The page sign-in leads back to. */
  returnPath: (c: Context<AppEnv>) => string;
}

/**
 * Every console route needs a session; before the first password exists, everything leads to setup.
 * A page asked for without one goes to sign-in, which leads back to it. An htmx request without one
 * (its session expired, or was signed out elsewhere), a form or a panel's refresh, is answered 401
 * with HX-Redirect, which htmx follows with the whole page: a redirect would be followed by its XHR
 * and the sign-in page swapped into the panel. A plain form gets `signInFirst`'s page.
 */
export const requireAuth =
  (deps: { db: Db }, pub: PublicRoutes, pages: SignInPages): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    if (isPublic(c.req.path, pub) || c.var.session) return next();
    const target = getAdminPasswordHash(deps.db) ? `/login?next=${encodeURIComponent(pages.returnPath(c))}` : '/setup';
    if (c.req.header('hx-request') === 'true') {
      c.header('hx-redirect', target);
      return c.text(c.var.t('login.sessionEnded'), 401);
    }
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return c.redirect(target);
    return pages.signInFirst(c);
  };

/**
 * hono/csrf refuses cross-site form posts. The Origin's host must be the Host the browser used, so a
 * TLS-terminating proxy in front (https outside, http inside) still passes.
 */
export const originCheck = (): MiddlewareHandler<AppEnv> =>
  csrf({
    origin: (origin, c) => {
      try {
        return new URL(origin).host === c.req.header('host');
      } catch {
        return false;
      }
    },
  });

/**
 * Every state-changing request of a signed-in session carries the session's token (`_csrf` or
 * `x-csrf-token`); a refusal is thrown as hono/csrf's is, so the app answers both alike.
 */
export const csrfToken = (pub: PublicRoutes): MiddlewareHandler<AppEnv> => async (c, next) => {
  const s = c.var.session;
  const safe = c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS';
  // Sign-in and setup have no session token yet; the origin check is their protection.
  if (safe || !s || isPublic(c.req.path, pub)) return next();
  let sent = c.req.header('x-csrf-token');
  if (!sent) {
    const type = c.req.header('content-type') ?? '';
    if (type.includes('application/x-www-form-urlencoded') || type.includes('multipart/form-data')) {
      const field = (await c.req.parseBody())._csrf;
      sent = typeof field === 'string' ? field : undefined;
    }
  }
  if (!sent || !safeEqual(sent, s.csrfToken)) throw new HTTPException(403);
  return next();
};

/**
 * A console form that cannot be parsed (a broken multipart body, a wrong boundary) is the client's
 * mistake: 400 with a sentence, before any handler would fail on it with a 500. The parsed body is
 * cached by hono, so handlers read it again for free.
 */
export const readableForm = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (type.includes('application/x-www-form-urlencoded') || type.includes('multipart/form-data')) {
    try {
      await c.req.parseBody();
    } catch {
      return c.text(c.var.t('error.badForm'), 400);
    }
  }
  return next();
};
