import type { Context } from 'hono';

/**
 * The origin (scheme, host, port) this request was sent to, as a client would write it. A Host header
 * that is not a host name (or an IP literal) with an optional port is not echoed: localhost and the
 * listening port stand in for it.
 */
export function requestOrigin(c: Context, port: number): string {
  const host = c.req.header('host') ?? '';
  const safeHost = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) ? host : `localhost:${port}`;
  const scheme = new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https' ? 'https' : 'http';
  return `${scheme}://${safeHost}`;
}
