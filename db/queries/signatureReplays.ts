import { eq, lt } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { signatureReplays } from '../schema.ts';

/** Records a signature as seen; false when it was already there (a replay). One statement, so two racing requests cannot both pass. */
export function recordSignature(db: Db, signatureHash: string, now: number): boolean {
  return db.insert(signatureReplays).values({ signatureHash, seenAt: now }).onConflictDoNothing().run().changes === 1;
}

/** Forgets a signature recorded for a request that was then refused with nothing stored, so it may be sent again. */
export function forgetSignature(db: Db, signatureHash: string): void {
  db.delete(signatureReplays).where(eq(signatureReplays.signatureHash, signatureHash)).run();
}

export function pruneSignatures(db: Db, before: number): void {
  db.delete(signatureReplays).where(lt(signatureReplays.seenAt, before)).run();
}
