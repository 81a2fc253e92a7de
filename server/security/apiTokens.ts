import type { Db } from '../../db/client.ts';
import { insertApiToken } from '../../db/queries/tokens.ts';
import { randomToken, sha256 } from './tokens.ts';

export const API_TOKEN_PREFIX = 'scn_';

/** Creates an inbound API token; the clear token is returned once and only its SHA-256 is stored. */
export function issueApiToken(db: Db, opts: { name: string; requireSignature: boolean; now: number }): { id: number; token: string } {
  const token = API_TOKEN_PREFIX + randomToken();
  const id = insertApiToken(db, {
    name: opts.name,
    tokenHash: sha256(token),
    prefix: token.slice(0, API_TOKEN_PREFIX.length + 4),
    requireSignature: opts.requireSignature,
    createdAt: opts.now,
  });
  return { id, token };
}
