import { createHmac } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import { findApiTokenByHash, touchApiToken, type ApiTokenRow } from '../../db/queries/tokens.ts';
import type { RefusalReason } from '../../db/schema.ts';
import type { Clock } from '../clock.ts';
import { safeEqual, sha256 } from './tokens.ts';

export const SIGNATURE_HEADER = 'x-signature';
export const TIMESTAMP_HEADER = 'x-signature-timestamp';
export const SIGNATURE_WINDOW_MS = 5 * 60_000;

/** A refusal says why (for the console's refused-requests list) and the presented token's prefix, never the token. */
export type ApiAuthResult = { ok: true; token: ApiTokenRow } | { ok: false; message: string; reason: RefusalReason; prefix?: string };

/** As many characters as the console shows of a token (scn_ + 4). */
export const REFUSED_PREFIX_CHARS = 8;

/** `sha256=` + hex HMAC-SHA256 of `${timestamp}.${body}`, keyed with the bearer token itself. */
export function signBody(token: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', token).update(`${timestamp}.${body}`).digest('hex');
}

export interface ApiAuthenticator {
  authenticate(req: { authorization?: string; signature?: string; timestamp?: string; body: string }): ApiAuthResult;
}

/**
 * Bearer token (looked up by SHA-256, compared in constant time) and, when present or required by the
 * token, an HMAC signature whose timestamp must be within 5 minutes and which is accepted only once.
 */
export function createApiAuthenticator(deps: { db: Db; clock: Clock }): ApiAuthenticator {
  const seenSignatures = new Map<string, number>();
  const lastTouched = new Map<number, number>();
  const forgetOld = (now: number) => {
    for (const [sig, at] of seenSignatures) {
      if (at > now - SIGNATURE_WINDOW_MS * 2) break;
      seenSignatures.delete(sig);
    }
  };
  return {
    authenticate(req) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(req.authorization ?? '');
      if (!match) return { ok: false, message: 'Missing "Authorization: Bearer <token>" header', reason: 'no_token' };
      const presented = match[1]!;
      // A short string may be the whole secret: only a prefix of a token-length string is kept.
      const prefix = presented.length >= 3 * REFUSED_PREFIX_CHARS ? presented.slice(0, REFUSED_PREFIX_CHARS) : undefined;
      const refuse = (message: string, reason: RefusalReason): ApiAuthResult => ({ ok: false, message, reason, ...(prefix ? { prefix } : {}) });
      const hash = sha256(presented);
      const token = findApiTokenByHash(deps.db, hash);
      if (!token || !safeEqual(token.tokenHash, hash)) return refuse('Invalid or revoked token', 'unknown_token');
      if (token.revokedAt !== null) return refuse('Invalid or revoked token', 'revoked_token');
      const now = deps.clock.now();
      if (req.signature || req.timestamp || token.requireSignature) {
        if (!req.signature || !req.timestamp) return refuse(`This token requires the ${SIGNATURE_HEADER} and ${TIMESTAMP_HEADER} headers`, 'signature_missing');
        if (!/^\d{9,13}$/.test(req.timestamp)) return refuse(`${TIMESTAMP_HEADER} must be Unix time in seconds`, 'signature_timestamp');
        const ts = Number(req.timestamp) * (req.timestamp.length > 11 ? 1 : 1000);
        if (Math.abs(now - ts) > SIGNATURE_WINDOW_MS) return refuse(`${TIMESTAMP_HEADER} is more than 5 minutes away from the appliance's clock`, 'signature_stale');
        if (!safeEqual(req.signature, signBody(presented, req.timestamp, req.body))) return refuse(`${SIGNATURE_HEADER} does not match the body`, 'signature_mismatch');
        forgetOld(now);
        if (seenSignatures.has(req.signature)) return refuse('This signed request was already received (replay)', 'replay');
        seenSignatures.set(req.signature, now);
      }
      if ((lastTouched.get(token.id) ?? 0) < now - 60_000) {
        lastTouched.set(token.id, now);
        try {
          touchApiToken(deps.db, token.id, now);
        } catch {
          // "Last used" is best effort: a locked or full database is intake's to answer (503), not auth's.
          lastTouched.delete(token.id);
        }
      }
      return { ok: true, token };
    },
  };
}
