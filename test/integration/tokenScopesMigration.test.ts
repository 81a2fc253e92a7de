import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasScope, tokenScopes } from '../../server/security/apiScopes.ts';
import { databaseBefore } from '../helpers/migrationsBefore.ts';

/** An install from before token scopes: its tokens keep doing what they did (send), and no more. */
describe('the token-scopes migration on an existing database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scopes-migration-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives every existing token, revoked or not, the send scope only', () => {
    const { sqlite, migrateAll } = databaseBefore('_token_scopes', dir);
    const insert = sqlite.prepare(`INSERT INTO api_tokens (name, token_hash, prefix, require_signature, signing_secret, created_at, revoked_at) VALUES (?, ?, 'scn_abcd', ?, NULL, 1700000000000, ?)`);
    insert.run('storeclaw', 'h1', 0, null);
    insert.run('ci', 'h2', 1, null);
    insert.run('old', 'h3', 0, 1700000001000);

    migrateAll();
    const rows = sqlite.prepare('SELECT name, scopes FROM api_tokens ORDER BY id').all() as Array<{ name: string; scopes: string }>;
    sqlite.close();
    expect(rows).toEqual([
      { name: 'storeclaw', scopes: '["send"]' },
      { name: 'ci', scopes: '["send"]' },
      { name: 'old', scopes: '["send"]' },
    ]);
    for (const row of rows) {
      expect(tokenScopes(row)).toEqual(['send']);
      expect(hasScope(row, 'read')).toBe(false);
    }
  });

  it('reads scopes defensively: admin includes read, unreadable values grant only send', () => {
    expect(hasScope({ scopes: '["admin"]' }, 'read')).toBe(true);
    expect(hasScope({ scopes: '["admin"]' }, 'send')).toBe(false);
    expect(tokenScopes({ scopes: 'not json' })).toEqual(['send']);
    expect(tokenScopes({ scopes: '["read","bogus"]' })).toEqual(['read']);
  });
});
