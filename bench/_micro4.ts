import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../db/client.ts';
import { findApiTokenByHash } from '../db/queries/tokens.ts';
import { issueApiToken } from '../server/security/apiTokens.ts';
import { sha256 } from '../server/security/tokens.ts';
const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'micro-')), 'x.db'));
const { token } = issueApiToken(db, { name: 'x', requireSignature: false, now: Date.now() });
const h = sha256(token);
const time = (label: string, n: number, fn: (i: number) => void) => { const t = performance.now(); for (let i = 0; i < n; i++) fn(i); const ms = performance.now() - t; console.log(`${label}: ${(ms * 1000 / n).toFixed(1)} µs each`); };
const raw = db.$client.prepare('SELECT * FROM api_tokens WHERE token_hash = ?');
for (let r = 0; r < 2; r++) {
  time('sha256', 20000, () => sha256(token));
  time('drizzle prepared', 20000, () => findApiTokenByHash(db, h));
  time('raw get', 20000, () => raw.get(h));
  time('raw get in txn', 1, () => db.$client.transaction(() => { for (let i = 0; i < 20000; i++) raw.get(h); })());
}
