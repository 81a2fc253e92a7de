import { asc, eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { hookMappings } from '../schema.ts';

export type HookMappingRow = typeof hookMappings.$inferSelect;

export function listHookMappings(db: Db): HookMappingRow[] {
  return db.select().from(hookMappings).orderBy(asc(hookMappings.name)).all();
}

export function getHookMapping(db: Db, name: string): HookMappingRow | undefined {
  return db.select().from(hookMappings).where(eq(hookMappings.name, name)).get();
}

/** Creates the mapping or replaces its definition; the name is the key. */
export function saveHookMapping(db: Db, name: string, definition: string, now: number): void {
  db.insert(hookMappings)
    .values({ name, definition, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({ target: hookMappings.name, set: { definition, updatedAt: now } })
    .run();
}

export function deleteHookMapping(db: Db, name: string): boolean {
  return db.delete(hookMappings).where(eq(hookMappings.name, name)).run().changes > 0;
}
