import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MIGRATIONS = 'db/migrations';

/**
 * A database migrated up to, not including, the migration whose tag ends with `tagSuffix` (an
 * install from before it), and `migrateAll()` to run the rest as a start of the new version does.
 */
export function databaseBefore(tagSuffix: string, dir: string): { sqlite: Database.Database; migrateAll: () => void } {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS, 'meta/_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
  const index = journal.entries.findIndex((e) => e.tag.endsWith(tagSuffix));
  if (index <= 0) throw new Error(`no migration after the first ends with ${tagSuffix}`);
  const before = join(dir, 'before');
  cpSync(MIGRATIONS, before, { recursive: true });
  writeFileSync(join(before, 'meta/_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, index) }));
  const sqlite = new Database(join(dir, 'notifier.db'));
  const db = drizzle(sqlite);
  migrate(db, { migrationsFolder: before });
  return { sqlite, migrateAll: () => migrate(db, { migrationsFolder: MIGRATIONS }) };
}
