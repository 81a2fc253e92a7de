// Databases as released versions left them: each migration's own SQL (drizzle's migrator over the
// journal cut after it), each followed by that version's rows from test/fixtures/upgrade/.
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { UpgradeFixture } from '../fixtures/upgrade/fixture.ts';

export const MIGRATIONS = 'db/migrations';
export const FIXTURES = 'test/fixtures/upgrade';

export interface JournalEntry {
  idx: number;
  version: string;
  when: number;
  tag: string;
  breakpoints: boolean;
}

export const journal = JSON.parse(readFileSync(join(MIGRATIONS, 'meta/_journal.json'), 'utf8')) as { entries: JournalEntry[] };

/** Each migration's tag, and its fixture's name: the tag without its number, so a renumbered migration keeps its fixture. */
export const migrations = journal.entries.map((e) => ({ tag: e.tag, name: e.tag.replace(/^\d+_/, '') }));

/** The fixtures that exist, by name. */
export async function loadUpgradeFixtures(): Promise<Map<string, UpgradeFixture>> {
  const found = new Map<string, UpgradeFixture>();
  for (const m of migrations) {
    if (existsSync(join(FIXTURES, `${m.name}.ts`))) found.set(m.name, ((await import(`../fixtures/upgrade/${m.name}.ts`)) as { fixture: UpgradeFixture }).fixture);
  }
  return found;
}

/** A copy of db/migrations as it was when `upTo` was the newest (its journal cut after it), in `scratch`. */
export function migrationsAsOf(scratch: string, upTo: number): string {
  const dir = join(scratch, `migrations-${upTo}`);
  if (existsSync(dir)) return dir;
  cpSync(MIGRATIONS, dir, { recursive: true });
  writeFileSync(join(dir, 'meta/_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, upTo + 1) }));
  return dir;
}

/** A copy of db/migrations with one more migration after the newest (SQL statements joined with drizzle's breakpoints). */
export function migrationsPlus(scratch: string, tag: string, statements: string[]): string {
  const dir = join(scratch, `migrations-plus-${tag}`);
  cpSync(MIGRATIONS, dir, { recursive: true });
  const last = journal.entries[journal.entries.length - 1]!;
  writeFileSync(join(dir, `${tag}.sql`), statements.join('\n--> statement-breakpoint\n'));
  writeFileSync(join(dir, 'meta/_journal.json'), JSON.stringify({ ...journal, entries: [...journal.entries, { ...last, idx: last.idx + 1, when: last.when + 1000, tag }] }));
  return dir;
}

/** Writes `file` as version `version` (an index into the journal) left it, rows written at `at`. */
export function buildDatabaseAt(file: string, version: number, opts: { scratch: string; fixtures: Map<string, UpgradeFixture>; at: number }): void {
  const sqlite = new Database(file);
  try {
    sqlite.pragma('foreign_keys = ON');
    for (let step = 0; step <= version; step++) {
      migrate(drizzle(sqlite), { migrationsFolder: migrationsAsOf(opts.scratch, step) });
      const fixture = opts.fixtures.get(migrations[step]!.name);
      if (!fixture) throw new Error(`no upgrade fixture for ${migrations[step]!.tag}`);
      sqlite.transaction(() => fixture.seed(sqlite, opts.at))();
    }
  } finally {
    sqlite.close();
  }
}

export type Rows = Map<string, Array<Record<string, unknown>>>;

/** Every row of every table (drizzle's bookkeeping aside), by rowid. */
export function allRows(sqlite: Database.Database): Rows {
  const tables = sqlite.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name <> '__drizzle_migrations' order by name").pluck().all() as string[];
  return new Map(tables.map((t) => [t, sqlite.prepare(`select rowid as _rowid_, * from "${t}" order by rowid`).all() as Array<Record<string, unknown>>]));
}

/** Rows missing after, or whose columns of before now hold something else. */
export function rowDifferences(before: Rows, after: Rows): string[] {
  const out: string[] = [];
  for (const [table, rows] of before) {
    const now = after.get(table);
    if (!now) {
      out.push(`table ${table} is gone (${rows.length} rows)`);
      continue;
    }
    const byId = new Map(now.map((r) => [r._rowid_, r]));
    for (const row of rows) {
      const upgraded = byId.get(row._rowid_);
      if (!upgraded) {
        out.push(`${table} row ${String(row._rowid_)} is gone`);
        continue;
      }
      for (const [col, value] of Object.entries(row)) {
        if (upgraded[col] !== value) out.push(`${table} row ${String(row._rowid_)}: ${col} was ${JSON.stringify(value)}, is ${JSON.stringify(upgraded[col])}`);
      }
    }
    if (now.length !== rows.length) out.push(`${table}: ${rows.length} rows before, ${now.length} after`);
  }
  return out;
}

/** Rows of `file` (opened read-only). */
export function rowsOf(file: string): Rows {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return allRows(db);
  } finally {
    db.close();
  }
}

export function appliedMigrations(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number }).n;
  } finally {
    db.close();
  }
}
