import { createHmac } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import { findApiTokenByHash, touchApiToken, type ApiTokenRow } from '../../db/queries/tokens.ts';
import type { Clock } from '../clock.ts';
import { safeEqual, sha256 } from './tokens.ts';

export const SIGNATURE_HEADER = 'x-signature';
export const TIMESTAMP_HEADER = 'x-signature-timestamp';
export const SIGNATURE_WINDOW_MS = 5 * 60_000;

export type ApiAuthResult = { ok: true; token: ApiTokenRow } | { ok: false; message: string };

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
      if (!match) return { ok: false, message: 'Missing "Authorization: Bearer <token>" header' };
      const presented = match[1]!;
      const hash = sha256(presented);
      const token = findApiTokenByHash(deps.db, hash);
      if (!token || !safeEqual(token.tokenHash, hash) || token.revokedAt !== null) return { ok: false, message: 'Invalid or revoked token' };
      const now = deps.clock.now();
      if (req.signature || req.timestamp || token.requireSignature) {
        if (!req.signature || !req.timestamp) return { ok: false, message: `This token requires the ${SIGNATURE_HEADER} and ${TIMESTAMP_HEADER} headers` };
        if (!/^\d{9,13}$/.test(req.timestamp)) return { ok: false, message: `${TIMESTAMP_HEADER} must be Unix time in seconds` };
        const ts = Number(req.timestamp) * (req.timestamp.length > 11 ? 1 : 1000);
        if (Math.abs(now - ts) > SIGNATURE_WINDOW_MS) return { ok: false, message: `${TIMESTAMP_HEADER} is more than 5 minutes away from the appliance's clock` };
        if (!safeEqual(req.signature, signBody(presented, req.timestamp, req.body))) return { ok: false, message: `${SIGNATURE_HEADER} does not match the body` };
        forgetOld(now);
        if (seenSignatures.has(req.signature)) return { ok: false, message: 'This signed request was already received (replay)' };
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
