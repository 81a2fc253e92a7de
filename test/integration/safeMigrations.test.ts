// Migrations at start: a copy before they run, all or nothing, and no running on a newer version's
// database (docs/operations: upgrading and rolling back).
import Database from 'better-sqlite3';
import { closeSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../db/client.ts';
import { DB_FILE } from '../../server/appliance.ts';
import { StartupRefusal } from '../../server/databaseUpgrade.ts';
import { checkBackupFile } from '../../server/restore.ts';
import { WRITTEN_BY_SETTING } from '../../server/writtenBy.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { SECRET_KEY } from '../fixtures/upgrade/fixture.ts';
import type { UpgradeFixture } from '../fixtures/upgrade/fixture.ts';
import { spawnChild } from '../helpers/childAppliance.ts';
import { appliedMigrations, buildDatabaseAt, journal, loadUpgradeFixtures, migrationsPlus, rowDifferences, rowsOf } from '../helpers/schemaVersions.ts';
import { runScript } from '../helpers/scriptRun.ts';
import { startTestAppliance } from '../helpers/testAppliance.ts';

const scratch = mkdtempSync(join(tmpdir(), 'safe-migrations-'));
const BUILD = { version: '0.2.0', commit: '0123456789ab' };
const NEWEST = journal.entries[journal.entries.length - 1]!;
let fixtures = new Map<string, UpgradeFixture>();
let fake: FakeWecom;

beforeAll(async () => {
  fixtures = await loadUpgradeFixtures();
  fake = await startFakeWecom();
});
afterAll(async () => {
  await fake.close();
  rmSync(scratch, { recursive: true, force: true });
});

let n = 0;
/** A data dir whose database is at migration `version` with that version's rows. */
function dataDirAt(version: number): { dir: string; file: string } {
  const dir = join(scratch, `data-${n++}`);
  mkdirSync(dir);
  const file = join(dir, DB_FILE);
  buildDatabaseAt(file, version, { scratch, fixtures, at: Date.now() - 60_000 });
  return { dir, file };
}

const start = (dir: string, extra: { build?: typeof BUILD; migrationsFolder?: string } = {}) =>
  startTestAppliance({ wecomOrigin: fake.origin, dataDir: dir, env: { SECRET_KEY }, build: extra.build ?? BUILD, migrationsFolder: extra.migrationsFolder });

function writtenBy(file: string): unknown {
  const db = new Database(file, { readonly: true });
  try {
    const row = db.prepare('select value from settings where key = ?').get(WRITTEN_BY_SETTING) as { value: string } | undefined;
    return row ? JSON.parse(row.value) : undefined;
  } finally {
    db.close();
  }
}

describe('safe migrations', () => {
  it('writes notifier-pre-<version>.db before migrating, says so, and keeps the newest three', async () => {
    const { dir, file } = dataDirAt(6);
    const before = rowsOf(file);
    // Copies from earlier upgrades, oldest first.
    for (const [i, v] of ['0.0.1', '0.0.2', '0.0.3'].entries()) {
      const f = join(dir, `notifier-pre-${v}.db`);
      closeSync(openSync(f, 'w'));
      const t = Date.now() / 1000 - 3600 * (3 - i);
      utimesSync(f, t, t);
    }
    const app = await start(dir);
    try {
      const line = app.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'database backed up before migrating');
      expect(line).toMatchObject({ level: 'info', file: join(dir, 'notifier-pre-0.2.0.db'), from: journal.entries[6]!.tag, to: NEWEST.tag, migrations: journal.entries.length - 7 });
      // The oldest copy goes once the migrations committed.
      const migrated = app.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'database migrated');
      expect(migrated).toMatchObject({ removedCopies: ['notifier-pre-0.0.1.db'] });
      expect(readdirSync(dir).filter((f) => f.startsWith('notifier-pre-')).sort()).toEqual(['notifier-pre-0.0.2.db', 'notifier-pre-0.0.3.db', 'notifier-pre-0.2.0.db']);
      expect(readdirSync(dir).filter((f) => f.includes('.partial'))).toEqual([]);
      // The copy is the database as it was: whole, every row, the old schema, readable by the appliance's user only.
      const copy = join(dir, 'notifier-pre-0.2.0.db');
      expect((statSync(copy).mode & 0o777).toString(8)).toBe('600');
      const check = new Database(copy, { readonly: true });
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      check.close();
      expect(appliedMigrations(copy)).toBe(7);
      expect(rowDifferences(before, rowsOf(copy))).toEqual([]);
      expect(app.deps.db.$client.prepare('select count(*) as n from __drizzle_migrations').get()).toEqual({ n: journal.entries.length });
    } finally {
      await app.stop();
    }
    expect(writtenBy(join(dir, DB_FILE))).toEqual({ version: '0.2.0', commit: '0123456789ab', schema: NEWEST.tag });

    // Nothing pending: no copy, no log line.
    const again = await start(dir, { build: { version: '0.2.1', commit: 'fedcba987654' } });
    await again.stop();
    expect(again.logs.some((l) => l.includes('backed up before migrating'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('notifier-pre-'))).toHaveLength(3);
    expect(writtenBy(join(dir, DB_FILE))).toMatchObject({ version: '0.2.1' });
  }, 60_000);

  it('removes the half-written copy a start stopped while it wrote notifier-pre-<version>.db left behind (it is as large as the database)', async () => {
    const { dir } = dataDirAt(6);
    // `docker compose stop` while the upgrade's copy was written (VACUUM INTO), and a restore's upload cut off.
    const stale = ['.notifier-pre-0.2.0.db.0a1b2c3d4e5f.partial', '.restore-0a1b2c3d4e5f.partial'];
    for (const f of stale) writeFileSync(join(dir, f), Buffer.alloc(1 << 20, 1));
    const app = await start(dir);
    try {
      expect(readdirSync(dir).filter((f) => /^notifier-pre-.+\.db$/.test(f))).toEqual(['notifier-pre-0.2.0.db']);
      expect(readdirSync(dir).filter((f) => f.includes('.partial')), `left in DATA_DIR: ${stale.join(', ')}`).toEqual([]);
      const removed = app.logs.filter((l) => l.includes('half-written copy')).map((l) => (JSON.parse(l) as { file: string }).file);
      expect(removed.sort()).toEqual(stale.map((f) => join(dir, f)).sort());
    } finally {
      await app.stop();
    }
  }, 60_000);

  it("refuses another application's drizzle database, and leaves it alone", async () => {
    const dir = join(scratch, 'foreign');
    mkdirSync(dir);
    const file = join(dir, DB_FILE);
    const other = new Database(file);
    other.exec('CREATE TABLE "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric); CREATE TABLE invoices (id integer primary key)');
    other.prepare('insert into __drizzle_migrations (hash, created_at) values (?, ?)').run('a'.repeat(64), 1_700_000_000_000);
    other.close();
    const refused = await start(dir).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(StartupRefusal);
    expect((refused as Error).message).toBe(`notifier.db in ${dir} is not this appliance's database (its migrations are another application's); point DATA_DIR at the appliance's data directory.`);
    expect(readdirSync(dir).filter((f) => f.startsWith('notifier-pre-'))).toEqual([]);
    expect(appliedMigrations(file)).toBe(1);
  });

  it('no copy, no migration: when the copy cannot be written the database stays at its version', async () => {
    const { dir, file } = dataDirAt(6);
    // A copy that cannot be written (as on a full disk, or a read-only volume, which root in the tests
    // does not feel): a version name so long that the copy's temporary file name is too long.
    const refused = await start(dir, { build: { version: '9'.repeat(230), commit: '0123456789ab' } }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(StartupRefusal);
    expect((refused as Error).message).toMatch(new RegExp(`^Could not write the copy of notifier\\.db taken before migrating \\(.+\\); nothing was migrated\\. Free space in ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} and start again\\.$`));
    expect(appliedMigrations(file)).toBe(7);
    expect(readdirSync(dir).filter((f) => f.includes('.partial'))).toEqual([]);
  });

  it('a new database gets no copy', async () => {
    const dir = join(scratch, 'fresh');
    const app = await start(dir);
    await app.stop();
    expect(readdirSync(dir).filter((f) => f.startsWith('notifier-pre-'))).toEqual([]);
  });

  it("refuses a newer version's database with one line naming both versions and the copy to restore, and leaves it alone", async () => {
    const { dir, file } = dataDirAt(journal.entries.length - 1);
    // The copy 0.3.0 took before migrating, then what it left: one more migration, and its name on the database.
    copyFileSync(file, join(dir, 'notifier-pre-0.3.0.db'));
    const future = new Database(file);
    future.prepare('insert into __drizzle_migrations (hash, created_at) values (?, ?)').run('f'.repeat(64), NEWEST.when + 86_400_000);
    future.prepare('insert into settings (key, value, updated_at) values (?, ?, ?)').run(WRITTEN_BY_SETTING, JSON.stringify({ version: '0.3.0', commit: 'aaaabbbbcccc', schema: '0012_future' }), Date.now());
    future.close();
    const before = rowsOf(file);

    const refused = await start(dir).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(StartupRefusal);
    const line = (refused as Error).message;
    expect(line).not.toContain('\n');
    expect(line).toContain('was written by version 0.3.0 (schema 0012_future)');
    expect(line).toContain(`this is version 0.2.0, which knows ${journal.entries.length} (up to ${NEWEST.tag})`);
    expect(line).toContain('Run 0.3.0 or newer again');
    expect(line).toContain(`npm run restore -- ${join(dir, 'notifier-pre-0.3.0.db')} (in the image: node dist/server/restoreCli.js ${join(dir, 'notifier-pre-0.3.0.db')})`);
    expect(rowDifferences(before, rowsOf(file))).toEqual([]);
    expect(appliedMigrations(file)).toBe(journal.entries.length + 1);
    // Nor does a tool open it (openDatabase is what the bench and the CLIs use).
    expect(() => openDatabase(file)).toThrow(/this code knows/);

    // The line's own command puts the copy back: the appliance starts on it again.
    const restored = await runScript('server/restoreCli.ts', [join(dir, 'notifier-pre-0.3.0.db')], { DATA_DIR: dir });
    expect(restored.status, restored.stderr).toBe(0);
    const back = await start(dir);
    await back.stop();
    expect(writtenBy(join(dir, DB_FILE))).toMatchObject({ version: '0.2.0' });
    // Put the newer database back for the process check below.
    copyFileSync(join(dir, readdirSync(dir).find((f) => f.startsWith('notifier-before-restore-'))!), file);
    for (const x of ['-wal', '-shm']) rmSync(file + x, { force: true });

    // The process: that one line on stderr, exit code 1.
    const child = await spawnChild({ DATA_DIR: dir, SECRET_KEY });
    expect(await child.exited).toBe(1);
    const out = child.output.join('');
    expect(out.trim().split('\n')).toEqual([expect.stringContaining('was written by version 0.3.0')]);
  }, 60_000);

  it('rolled back over two upgrades, the refusal names a pre-upgrade copy this version can run, not one a newer version wrote too', async () => {
    const work = join(scratch, 'two-upgrades');
    mkdirSync(work);
    // 0.3.0 adds one migration, 0.4.0 another.
    const v3 = migrationsPlus(work, '0090_two_upgrades_a', ['CREATE TABLE two_upgrades_a (id integer PRIMARY KEY)']);
    const v4 = join(work, 'migrations-v4');
    cpSync(v3, v4, { recursive: true });
    const j = JSON.parse(readFileSync(join(v4, 'meta/_journal.json'), 'utf8')) as { entries: Array<{ idx: number; when: number; tag: string }> };
    const last = j.entries[j.entries.length - 1]!;
    writeFileSync(join(v4, '0091_two_upgrades_b.sql'), 'CREATE TABLE two_upgrades_b (id integer PRIMARY KEY)');
    writeFileSync(join(v4, 'meta/_journal.json'), JSON.stringify({ ...j, entries: [...j.entries, { ...last, idx: last.idx + 1, when: last.when + 1000, tag: '0091_two_upgrades_b' }] }));
    const dir = join(work, 'data');
    const run = async (version: string, migrationsFolder?: string) => (await start(dir, { build: { version, commit: '0123456789ab' }, migrationsFolder })).stop();
    await run('0.2.0');
    await run('0.3.0', v3); // writes notifier-pre-0.3.0.db (0.2.0's schema)
    await new Promise((r) => setTimeout(r, 20));
    await run('0.4.0', v4); // writes notifier-pre-0.4.0.db (0.3.0's schema), the newest copy

    // Back to 0.2.0: refused, with the copy to go back to.
    const refused = await start(dir).then(
      async (app) => void (await app.stop()),
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(StartupRefusal);
    const line = (refused as Error).message;
    const named = /npm run restore -- (\S+)/.exec(line)?.[1];
    // The line's own advice must work: that copy is one 0.2.0 runs on (restore checks exactly this).
    expect(named, line).toBe(join(dir, 'notifier-pre-0.3.0.db'));
    expect(checkBackupFile(named!).ok).toBe(true);
  }, 60_000);

  it('a newer database with no name on it and no copy beside it: the line says so', async () => {
    const { dir, file } = dataDirAt(journal.entries.length - 1);
    const future = new Database(file);
    future.prepare('insert into __drizzle_migrations (hash, created_at) values (?, ?)').run('f'.repeat(64), NEWEST.when + 86_400_000);
    future.close();
    const refused = await start(dir).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((refused as Error).message).toBe(
      `notifier.db was written by a newer version with ${journal.entries.length + 1} migrations; this is version 0.2.0, which knows ${journal.entries.length} (up to ${NEWEST.tag}) and will not run on it. Run the newer version again, or restore a backup taken before that upgrade (no notifier-pre-*.db copy in ${dir} is one this version runs on).`,
    );
  });

  it('a failing migration leaves the database as it was, and the appliance says which one', async () => {
    // Two pending: the newest committed one (which succeeds) and a broken one after it.
    const { dir, file } = dataDirAt(journal.entries.length - 2);
    const before = rowsOf(file);
    const broken = migrationsPlus(scratch, '0099_broken', [
      'CREATE TABLE `broken_new` (`id` integer PRIMARY KEY NOT NULL);',
      'ALTER TABLE `deliveries` ADD `broken_column` integer;',
      "UPDATE `deliveries` SET `status` = 'queued';",
      'INSERT INTO `no_such_table` VALUES (1);',
    ]);
    const refused = await start(dir, { migrationsFolder: broken }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(StartupRefusal);
    expect((refused as Error).message).toMatch(new RegExp(String.raw`^Migration 0099_broken failed \(no such table: no_such_table\); notifier\.db was left as it was \(schema ${journal.entries[journal.entries.length - 2]!.tag}\), and notifier-pre-0\.2\.0\.db beside it is a copy from before this start\.`));
    const db = new Database(file, { readonly: true });
    const columns = (db.prepare('pragma table_info(deliveries)').all() as Array<{ name: string }>).map((c) => c.name);
    const tables = db.prepare("select name from sqlite_master where name = 'broken_new'").all();
    db.close();
    expect(columns).not.toContain('broken_column');
    expect(tables).toEqual([]);
    expect(rowDifferences(before, rowsOf(file))).toEqual([]);
    // All or nothing: the newest committed migration, which succeeded, was rolled back too.
    expect(appliedMigrations(file)).toBe(journal.entries.length - 1);

    // With the right code it starts.
    const app = await start(dir);
    await app.stop();
    expect(appliedMigrations(file)).toBe(journal.entries.length);
  }, 60_000);

  it('a table rebuilt by a migration (the drizzle-kit way) keeps the rows that point at it', async () => {
    const { dir, file } = dataDirAt(journal.entries.length - 1);
    const runs = (rowsOf(file).get('report_runs') ?? []).length;
    expect(runs).toBeGreaterThan(0);
    const peek = new Database(file, { readonly: true });
    const create = (peek.prepare("select sql from sqlite_master where name = 'report_jobs'").get() as { sql: string }).sql;
    peek.close();
    const rebuild = migrationsPlus(scratch, '0099_rebuild_jobs', [
      'PRAGMA foreign_keys=OFF;',
      create.replace(/^CREATE TABLE [`"]?report_jobs[`"]?/, 'CREATE TABLE `__new_report_jobs`') + ';',
      'INSERT INTO `__new_report_jobs` SELECT * FROM `report_jobs`;',
      'DROP TABLE `report_jobs`;',
      'ALTER TABLE `__new_report_jobs` RENAME TO `report_jobs`;',
      'PRAGMA foreign_keys=ON;',
    ]);
    const app = await start(dir, { migrationsFolder: rebuild });
    try {
      expect(app.deps.db.$client.prepare('select count(*) as n from report_runs').get()).toEqual({ n: runs });
    } finally {
      await app.stop();
    }
    const db = openDatabase(file, { migrationsFolder: rebuild });
    expect(db.$client.pragma('foreign_key_check')).toEqual([]);
    closeDatabase(db);
  }, 60_000);
});
