import { eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { admin } from '../schema.ts';

export function getAdminPasswordHash(db: Db): string | undefined {
  return db.select().from(admin).where(eq(admin.id, 1)).get()?.passwordHash;
}

export function setAdminPasswordHash(db: Db, passwordHash: string, now: number): void {
  db.insert(admin)
    .values({ id: 1, passwordHash, updatedAt: now })
    .onConflictDoUpdate({ target: admin.id, set: { passwordHash, updatedAt: now } })
    .run();
}
