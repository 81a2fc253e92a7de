import { desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { apiTokens } from '../schema.ts';

export type ApiTokenRow = typeof apiTokens.$inferSelect;

export function insertApiToken(db: Db, row: typeof apiTokens.$inferInsert): number {
  const id = db.insert(apiTokens).values(row).returning({ id: apiTokens.id }).get().id;
  forgetTokens(db);
  return id;
}

/**
 * Tokens found by hash, per connection: every inbound request looks its token up, and a read of
 * its own (a WAL read transaction) cost more than the rest of authentication. Every write to the
 * table goes through this file and empties the cache, so a revoked token fails at once.
 */
const byHash = new WeakMap<object, { query: { get(values: { hash: string }): ApiTokenRow | undefined }; rows: Map<string, ApiTokenRow> }>();

function forgetTokens(db: Db): void {
  byHash.get(db.$client)?.rows.clear();
}

export function findApiTokenByHash(db: Db, tokenHash: string): ApiTokenRow | undefined {
  let cached = byHash.get(db.$client);
  if (!cached) {
    cached = { query: db.select().from(apiTokens).where(eq(apiTokens.tokenHash, sql.placeholder('hash'))).prepare(), rows: new Map() };
    byHash.set(db.$client, cached);
  }
  const hit = cached.rows.get(tokenHash);
  if (hit) return hit;
  const row = cached.query.get({ hash: tokenHash });
  // Unknown hashes are not kept: guessing tokens must not grow the cache.
  if (row) {
    if (cached.rows.size >= 256) cached.rows.clear();
    cached.rows.set(tokenHash, row);
  }
  return row;
}

export function listApiTokens(db: Db): ApiTokenRow[] {
  return db.select().from(apiTokens).orderBy(desc(apiTokens.id)).all();
}

export function getApiToken(db: Db, id: number): ApiTokenRow | undefined {
  return db.select().from(apiTokens).where(eq(apiTokens.id, id)).get();
}

export function revokeApiToken(db: Db, id: number, now: number): void {
  db.update(apiTokens).set({ revokedAt: now }).where(eq(apiTokens.id, id)).run();
  forgetTokens(db);
}

export function touchApiToken(db: Db, id: number, now: number): void {
  db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, id)).run();
  forgetTokens(db);
}
