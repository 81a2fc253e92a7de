import type { Db } from '../../db/client.ts';
import { insertApiToken } from '../../db/queries/tokens.ts';
import type { ApiScope } from './apiScopes.ts';
import type { SecretBox } from './secretBox.ts';
import { randomToken, sha256 } from './tokens.ts';

export const API_TOKEN_PREFIX = 'scn_';
export const SIGNING_SECRET_PREFIX = 'scs_';
/** How many characters of a token the console shows to tell tokens apart. */
export const TOKEN_DISPLAY_PREFIX = API_TOKEN_PREFIX.length + 4;

export interface IssuedToken {
  id: number;
  token: string;
  /** Keys the request signatures; never sent with a request, so a captured request cannot sign new ones. */
  signingSecret: string;
}

/**
 * Creates an inbound API token and its signing secret; both are returned once. The token is stored
 * as SHA-256 only; the signing secret sealed with the data key, because verifying needs it back.
 */
export function issueApiToken(deps: { db: Db; secretBox: SecretBox }, opts: { name: string; requireSignature: boolean; now: number; scopes?: readonly ApiScope[] }): IssuedToken {
  const token = API_TOKEN_PREFIX + randomToken();
  const signingSecret = SIGNING_SECRET_PREFIX + randomToken();
  const id = insertApiToken(deps.db, {
    name: opts.name,
    tokenHash: sha256(token),
    prefix: token.slice(0, TOKEN_DISPLAY_PREFIX),
    requireSignature: opts.requireSignature,
    signingSecret: deps.secretBox.seal(signingSecret),
    scopes: JSON.stringify(opts.scopes ?? ['send']),
    createdAt: opts.now,
  });
  return { id, token, signingSecret };
}
