// What an inbound API token may do. `send`: events, metrics, Alertmanager, hooks, and reading back the
// events it sent (all a token could do before scopes, so older tokens are `send`). `read`: export the
// configuration. `admin`: import it (and export: an import is planned against what is there).
import type { ApiTokenRow } from '../../db/queries/tokens.ts';

export const API_SCOPES = ['send', 'read', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const isApiScope = (s: unknown): s is ApiScope => (API_SCOPES as readonly unknown[]).includes(s);

/** The token's scopes as stored (a JSON array); an unreadable value grants only `send`, what every token had. */
export function tokenScopes(token: Pick<ApiTokenRow, 'scopes'>): ApiScope[] {
  try {
    const parsed: unknown = JSON.parse(token.scopes);
    if (Array.isArray(parsed)) return API_SCOPES.filter((s) => parsed.includes(s));
  } catch {
    // fall through
  }
  return ['send'];
}

export function hasScope(token: Pick<ApiTokenRow, 'scopes'>, needed: ApiScope): boolean {
  const scopes = tokenScopes(token);
  return scopes.includes(needed) || (needed === 'read' && scopes.includes('admin'));
}

/** The 403 answer's message: which scope is missing and where to get it. */
export function missingScopeMessage(needed: ApiScope): string {
  return `This token does not have the "${needed}" scope: create a token with it on the console's Inbound API page`;
}
