import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from '../env.ts';

/**
 * What every API answer carries: the security headers the console's pages get (webMiddleware's
 * secureHeaders policy) and no-store. Written down as one plain object because an intake answer
 * handed over whole skips the Headers object that secureHeaders builds and edits per answer: on
 * the intake path that cost about as much as storing the event (issue 21, docs/performance.md).
 * A test holds it equal to what secureHeaders sets.
 */
export const API_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

/** HSTS, only on answers that went out over HTTPS: over plain http the header means nothing and misleads. */
export const HSTS = 'max-age=15552000; includeSubDomains';

const JSON_ANSWER = { ...API_HEADERS, 'content-type': 'application/json' };
const JSON_ANSWER_HTTPS = { ...JSON_ANSWER, 'strict-transport-security': HSTS };

/** The request came over HTTPS: directly, or per `X-Forwarded-Proto` (believed from anyone: it only makes answers stricter). */
export function isHttps(c: Context): boolean {
  return c.req.url.startsWith('https:') || c.req.header('x-forwarded-proto') === 'https';
}

/**
 * A JSON answer with the API headers, built in one piece (the intake answers: every accepted event
 * gets one). Any other API answer gets the same headers from `addApiHeaders`, one by one.
 */
export function apiJson(c: Context<AppEnv>, body: unknown, status: ContentfulStatusCode): Response {
  c.set('apiHeaders', true);
  return new Response(JSON.stringify(body), { status, headers: c.get('https') ? JSON_ANSWER_HTTPS : JSON_ANSWER });
}

/** Puts the API headers on an answer `apiJson` did not build; a cache-control the handler chose stays. */
export function addApiHeaders(c: Context<AppEnv>): void {
  if (c.get('apiHeaders')) return;
  const headers = c.res.headers;
  for (const [name, value] of Object.entries(API_HEADERS)) if (name !== 'cache-control' || !headers.has(name)) headers.set(name, value);
  if (c.get('https')) headers.set('strict-transport-security', HSTS);
}
