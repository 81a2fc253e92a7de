import type { Db } from '../../db/client.ts';
import { insertApiToken, type ApiTokenRow } from '../../db/queries/tokens.ts';
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
export function issueApiToken(
  deps: { db: Db; secretBox: SecretBox },
  /**
   * `scopes`: what the token may do (absent: `send`). `hooks`: the hooks the token may post to, and
   * nothing else of the API (absent: the whole API its scopes allow).
   */
  opts: { name: string; requireSignature: boolean; now: number; scopes?: readonly ApiScope[]; hooks?: readonly string[] },
): IssuedToken {
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
    hookNames: opts.hooks?.length ? JSON.stringify(opts.hooks) : null,
  });
  return { id, token, signingSecret };
}

/** The hooks a token is limited to; null when it may use the whole API. */
export function tokenHooks(token: Pick<ApiTokenRow, 'hookNames'>): string[] | null {
  return token.hookNames === null ? null : (JSON.parse(token.hookNames) as string[]);
}

/**
 * Whether a token may post to this endpoint: a token limited to hooks (one handed to a third-party
 * tool) posts only to `POST /api/v1/hooks/{name}` for its names, never events, metrics or alerts.
 */
export function mayPost(token: Pick<ApiTokenRow, 'hookNames'>, hookName: string | undefined): boolean {
  const hooks = tokenHooks(token);
  return hooks === null || (hookName !== undefined && hooks.includes(hookName));
}
