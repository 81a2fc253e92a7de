import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { applyMigrations, committedMigrations, schemaState, type Migration, type SchemaState } from './migrator.ts';
import * as schema from './schema.ts';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));

/** A database a newer version migrated: this code must not run on it (nor "migrate" it). */
export class SchemaTooNew extends Error {
  constructor(readonly state: Extract<SchemaState, { kind: 'newer' }>) {
    super(`the database has ${state.applied} migrations applied, this code knows ${state.known} (up to ${state.newestKnown.tag})`);
  }
}

export class NotApplianceDatabase extends Error {
  constructor() {
    super("the database's migrations are not this appliance's");
  }
}

export interface OpenOptions {
  /** Tests point this at a copy with an extra (failing) migration. */
  migrationsFolder?: string;
  /** Called before pending migrations are applied to a database that has data (not a new one): the pre-upgrade backup. */
  beforeMigrating?: (sqlite: Database.Database, from: Migration, pending: readonly Migration[]) => void;
}

/**
 * Opens the SQLite file, sets the pragmas the appliance relies on, and applies pending migrations,
 * all or none. Refuses a database a newer version migrated (SchemaTooNew) or another
 * application's (NotApplianceDatabase), leaving it untouched.
 */
export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  const sqlite = new Database(file);
  try {
    prepare(sqlite, opts);
  } catch (err) {
    sqlite.close();
    throw err;
  }
  return drizzle(sqlite, { schema });
}

function prepare(sqlite: Database.Database, opts: OpenOptions): void {
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // Savepoint journals and sort b-trees in memory instead of temp files (a savepoint per request
  // cost as much as the inserts it guarded).
  sqlite.pragma('temp_store = MEMORY');
  const state = schemaState(sqlite, committedMigrations(opts.migrationsFolder ?? MIGRATIONS_FOLDER));
  if (state.kind === 'newer') throw new SchemaTooNew(state);
  if (state.kind === 'foreign') throw new NotApplianceDatabase();
  if (state.kind === 'pending') opts.beforeMigrating?.(sqlite, state.last, state.pending);
  if (state.kind === 'fresh' || state.kind === 'pending') applyMigrations(sqlite, state.pending);
}

export function closeDatabase(db: Db): void {
  const sqlite = db.$client;
  if (!sqlite.open) return;
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  sqlite.close();
}

function expectedMigrations(): number {
  const journal = JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8')) as { entries: unknown[] };
  return journal.entries.length;
}

/**
 * True when a write that takes new pages commits: a row larger than a page inserted and deleted in one
 * transaction, so nothing of it stays. The write lock alone is granted on a full disk too.
 */
export function commitsWrite(db: Db): boolean {
  const sqlite = db.$client;
  try {
    sqlite
      .transaction(() => {
        sqlite.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('readiness_probe', ?, 0)").run('x'.repeat(2 * (sqlite.pragma('page_size', { simple: true }) as number)));
        sqlite.prepare("DELETE FROM settings WHERE key = 'readiness_probe'").run();
      })
      .immediate();
    return true;
  } catch {
    return false;
  }
}

/** True when the database takes a write lock and every committed migration is applied. */
export function isReady(db: Db): boolean {
  try {
    const sqlite = db.$client;
    sqlite.prepare('BEGIN IMMEDIATE').run();
    sqlite.prepare('ROLLBACK').run();
    const applied = sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number };
    return applied.n >= expectedMigrations();
  } catch {
    return false;
  }
}
