import { createHmac } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import { forgetSignature, pruneSignatures, recordSignature } from '../../db/queries/signatureReplays.ts';
import { findApiTokenByHash, touchApiToken, type ApiTokenRow } from '../../db/queries/tokens.ts';
import type { RefusalReason } from '../../db/schema.ts';
import type { Clock } from '../clock.ts';
import type { SecretBox } from './secretBox.ts';
import { equalDigests, safeEqual, sha256 } from './tokens.ts';

export const SIGNATURE_HEADER = 'x-signature';
export const TIMESTAMP_HEADER = 'x-signature-timestamp';
export const SIGNATURE_WINDOW_MS = 5 * 60_000;

/** A refusal says why (for the console's refused-requests list) and the presented token's prefix, never the token. */
export type ApiAuthResult = { ok: true; token: ApiTokenRow } | { ok: false; message: string; reason: RefusalReason; prefix?: string };

/** As many characters as the console shows of a token (scn_ + 4). */
export const REFUSED_PREFIX_CHARS = 8;

/**
 * A timestamp may be 5 minutes ahead of the clock and is accepted for 5 minutes after: a signature
 * stays usable for at most twice the window after it is first seen, so the replay record lives that long.
 */
export const REPLAY_KEEP_MS = 2 * SIGNATURE_WINDOW_MS;

/** `sha256=` + hex HMAC-SHA256 of `${timestamp}.${body}`, keyed with the token's signing secret. */
export function signBody(key: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex');
}

/** A sealed signing secret, or undefined when this data key cannot open it (SECRET_KEY changed since). */
function openSecret(box: SecretBox, sealed: string): string | undefined {
  try {
    return box.open(sealed);
  } catch {
    return undefined;
  }
}

export interface ApiAuthenticator {
  authenticate(req: { authorization?: string; signature?: string; timestamp?: string; body: string }): ApiAuthResult;
  /**
   * Takes back the record of an authenticated request's signature when the request is then refused
   * (415, 400, 404, 503, ...: nothing stored): it was not accepted, so the sender's retry of it is not a replay.
   */
  forget(signature: string): void;
}

/**
 * Bearer token (looked up by SHA-256, compared in constant time) and, when present or required by the
 * token, an HMAC signature whose timestamp must be within 5 minutes and which is accepted only once
 * (recorded in SQLite, so a restart does not reopen the window).
 */
export function createApiAuthenticator(deps: { db: Db; clock: Clock; secretBox: SecretBox }): ApiAuthenticator {
  const lastTouched = new Map<number, number>();
  let lastPrune = 0;
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
      if (!token || !equalDigests(token.tokenHash, hash)) return refuse('Invalid or revoked token', 'unknown_token');
      if (token.revokedAt !== null) return refuse('Invalid or revoked token', 'revoked_token');
      const now = deps.clock.now();
      if (req.signature || req.timestamp || token.requireSignature) {
        if (!req.signature || !req.timestamp) return refuse(`This token requires the ${SIGNATURE_HEADER} and ${TIMESTAMP_HEADER} headers`, 'signature_missing');
        if (!/^\d{9,13}$/.test(req.timestamp)) return refuse(`${TIMESTAMP_HEADER} must be Unix time in seconds`, 'signature_timestamp');
        const ts = Number(req.timestamp) * (req.timestamp.length > 11 ? 1 : 1000);
        if (Math.abs(now - ts) > SIGNATURE_WINDOW_MS) return refuse(`${TIMESTAMP_HEADER} is more than 5 minutes away from the appliance's clock`, 'signature_stale');
        // Tokens from before signing secrets sign with the token itself; the console asks to replace them.
        const key = token.signingSecret === null ? presented : openSecret(deps.secretBox, token.signingSecret);
        if (key === undefined) {
          return refuse(
            "This token's signing secret cannot be read: the appliance's data key (SECRET_KEY) changed since the token was created. Create a new token on the Inbound API page",
            'secret_unreadable',
          );
        }
        if (!safeEqual(req.signature, signBody(key, req.timestamp, req.body))) return refuse(`${SIGNATURE_HEADER} does not match the body`, 'signature_mismatch');
        if (now - lastPrune > 60_000) {
          lastPrune = now;
          pruneSignatures(deps.db, now - REPLAY_KEEP_MS);
        }
        if (!recordSignature(deps.db, sha256(req.signature), now)) return refuse('This signed request was already received (replay)', 'replay');
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
    forget(signature) {
      forgetSignature(deps.db, sha256(signature));
    },
  };
}
