import { desc, eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { apiTokens } from '../schema.ts';

export type ApiTokenRow = typeof apiTokens.$inferSelect;

export function insertApiToken(db: Db, row: typeof apiTokens.$inferInsert): number {
  return db.insert(apiTokens).values(row).returning({ id: apiTokens.id }).get().id;
}

export function findApiTokenByHash(db: Db, tokenHash: string): ApiTokenRow | undefined {
  return db.select().from(apiTokens).where(eq(apiTokens.tokenHash, tokenHash)).get();
}

export function listApiTokens(db: Db): ApiTokenRow[] {
  return db.select().from(apiTokens).orderBy(desc(apiTokens.id)).all();
}

export function getApiToken(db: Db, id: number): ApiTokenRow | undefined {
  return db.select().from(apiTokens).where(eq(apiTokens.id, id)).get();
}

export function revokeApiToken(db: Db, id: number, now: number): void {
  db.update(apiTokens).set({ revokedAt: now }).where(eq(apiTokens.id, id)).run();
}

export function touchApiToken(db: Db, id: number, now: number): void {
  db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, id)).run();
}
