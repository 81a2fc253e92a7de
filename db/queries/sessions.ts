import { eq, lt } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { sessions } from '../schema.ts';

export type SessionRow = typeof sessions.$inferSelect;

export function insertSession(db: Db, row: SessionRow): void {
  db.insert(sessions).values(row).run();
}

export function findSession(db: Db, tokenHash: string): SessionRow | undefined {
  return db.select().from(sessions).where(eq(sessions.tokenHash, tokenHash)).get();
}

export function touchSession(db: Db, tokenHash: string, lastSeenAt: number, expiresAt: number): void {
  db.update(sessions).set({ lastSeenAt, expiresAt }).where(eq(sessions.tokenHash, tokenHash)).run();
}

export function deleteSession(db: Db, tokenHash: string): void {
  db.delete(sessions).where(eq(sessions.tokenHash, tokenHash)).run();
}

export function deleteAllSessions(db: Db): void {
  db.delete(sessions).run();
}

export function deleteExpiredSessions(db: Db, now: number): void {
  db.delete(sessions).where(lt(sessions.expiresAt, now)).run();
}
