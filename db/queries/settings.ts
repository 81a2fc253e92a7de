import { eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { settings } from '../schema.ts';

export function getSetting<T>(db: Db, key: string, fallback: T): T {
  const row = db.select().from(settings).where(eq(settings.key, key)).get();
  return row ? (JSON.parse(row.value) as T) : fallback;
}

export function putSetting(db: Db, key: string, value: unknown, now: number): void {
  const json = JSON.stringify(value);
  db.insert(settings)
    .values({ key, value: json, updatedAt: now })
    .onConflictDoUpdate({ target: settings.key, set: { value: json, updatedAt: now } })
    .run();
}
