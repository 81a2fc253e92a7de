import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Db } from '../../db/client.ts';
import { deleteSession, findSession, insertSession, touchSession, type SessionRow } from '../../db/queries/sessions.ts';
import type { Clock } from '../clock.ts';
import type { AppEnv } from '../env.ts';
import { randomToken, sha256 } from './tokens.ts';

/**
 * Over HTTPS the cookie is `__Host-scn_session` (Secure, Path=/, no Domain: no subdomain or plain-http
 * page can plant or overwrite it). Plain http (localhost, a LAN address) cannot carry the prefix,
 * which requires Secure, so there it stays `scn_session`; each scheme reads only its own name.
 */
export const SESSION_COOKIE = 'scn_session';
export const SECURE_SESSION_COOKIE = '__Host-scn_session';
/** Idle timeout; every request slides it (written at most once a minute, the cookie set again with it). */
export const SESSION_IDLE_MS = 12 * 60 * 60_000;
/** Absolute lifetime: a session ends this long after sign-in, however active (ASVS 3.3). */
export const SESSION_ABSOLUTE_MS = 24 * 60 * 60_000;

export function createSession(db: Db, clock: Clock): { token: string; session: SessionRow } {
  const token = randomToken();
  const now = clock.now();
  const session = { tokenHash: sha256(token), csrfToken: randomToken(), createdAt: now, lastSeenAt: now, expiresAt: now + SESSION_IDLE_MS };
  insertSession(db, session);
  return { token, session };
}

/** The session the request's cookie names, while it lasts. */
export function loadSession(c: Context, db: Db, clock: Clock): SessionRow | undefined {
  const token = readSessionToken(c);
  if (!token) return undefined;
  const tokenHash = sha256(token);
  const row = findSession(db, tokenHash);
  const now = clock.now();
  if (!row) return undefined;
  if (row.expiresAt <= now || row.createdAt + SESSION_ABSOLUTE_MS <= now) {
    deleteSession(db, tokenHash);
    return undefined;
  }
  if (now - row.lastSeenAt > 60_000) {
    touchSession(db, tokenHash, now, now + SESSION_IDLE_MS);
    // The browser keeps the cookie for its Max-Age from when it was last set: without a new one, it
    // would drop an active session 12 h after sign-in.
    setSessionCookie(c, token, Math.min(SESSION_IDLE_MS, row.createdAt + SESSION_ABSOLUTE_MS - now));
  }
  return row;
}

/** Set by the sharedRequest middleware (webMiddleware.ts) from the request's URL and X-Forwarded-Proto. */
function isHttps(c: Context): boolean {
  return (c as Context<AppEnv>).var.https ?? new URL(c.req.url).protocol === 'https:';
}

export function readSessionToken(c: Context): string | undefined {
  return getCookie(c, isHttps(c) ? SECURE_SESSION_COOKIE : SESSION_COOKIE);
}

/** The session cookie, kept by the browser for `lifetimeMs` (a new session's: the idle timeout). */
export function setSessionCookie(c: Context, token: string, lifetimeMs = SESSION_IDLE_MS): void {
  const secure = isHttps(c);
  setCookie(c, secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Strict',
    secure,
    path: '/',
    maxAge: Math.floor(lifetimeMs / 1000),
  });
}

export function clearSessionCookie(c: Context): void {
  const secure = isHttps(c);
  deleteCookie(c, secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE, { path: '/', secure });
}
