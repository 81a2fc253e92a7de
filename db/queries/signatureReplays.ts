import { lt } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { signatureReplays } from '../schema.ts';

/** Records a signature as seen; false when it was already there (a replay). One statement, so two racing requests cannot both pass. */
export function recordSignature(db: Db, signatureHash: string, now: number): boolean {
  return db.insert(signatureReplays).values({ signatureHash, seenAt: now }).onConflictDoNothing().run().changes === 1;
}

export function pruneSignatures(db: Db, before: number): void {
  db.delete(signatureReplays).where(lt(signatureReplays.seenAt, before)).run();
}
