import { asc, eq, gt } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { silences } from '../schema.ts';

export type SilenceRow = typeof silences.$inferSelect;

export function insertSilence(db: Db, row: Omit<typeof silences.$inferInsert, 'id'>): number {
  return db.insert(silences).values(row).returning({ id: silences.id }).get().id;
}

/** Silences still in force at `now`, the soonest to end first. */
export function listActiveSilences(db: Db, now: number): SilenceRow[] {
  return db.select().from(silences).where(gt(silences.until, now)).orderBy(asc(silences.until), asc(silences.id)).all();
}

export function getSilence(db: Db, id: number): SilenceRow | undefined {
  return db.select().from(silences).where(eq(silences.id, id)).get();
}

export function deleteSilence(db: Db, id: number): void {
  db.delete(silences).where(eq(silences.id, id)).run();
}
