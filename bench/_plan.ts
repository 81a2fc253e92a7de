import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../db/client.ts';
const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'plan-')), 'x.db'));
for (const q of [
  `SELECT id, status FROM events WHERE idempotency_key = ? AND received_at > ? ORDER BY id LIMIT 1`,
  `SELECT id FROM events WHERE dedupe_key = ? AND received_at > ? AND duplicate_of IS NULL AND status <> 'suppressed' ORDER BY id LIMIT 1`,
  `SELECT * FROM api_tokens WHERE token_hash = ?`,
  `SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE status = 'queued' LIMIT ?)`,
  `SELECT * FROM deliveries WHERE status='queued' AND next_attempt_at <= ? ORDER BY priority, id LIMIT 1`,
  `SELECT min(next_attempt_at) FROM deliveries WHERE status='queued'`,
]) console.log(q.slice(0, 60), '\n   ', db.$client.prepare('EXPLAIN QUERY PLAN ' + q).all(...Array((q.match(/\?/g) ?? []).length).fill(1)).map((r: any) => r.detail).join(' | '));
