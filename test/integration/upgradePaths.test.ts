// Every upgrade path, with data. For each released schema (0000 … the newest) a database is built the
// way that version left it: each migration's own SQL from db/migrations (drizzle's migrator over the
// journal cut after it), each followed by its fixture's rows (test/fixtures/upgrade/). It is then
// migrated to the newest schema by the appliance's own openDatabase, every row compared column by
// column, and the appliance started on it: each fixture checks its rows still do what they did.
//
// A migration without its fixture fails here. Adding one: test/fixtures/upgrade/<tag without the
// number>.ts exporting `fixture: UpgradeFixture` (fixture.ts says what that is): the rows that
// version writes into its new tables and columns, and what they must still do once upgraded.
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../db/client.ts';
import { DB_FILE } from '../../server/appliance.ts';
import { startFakeWecom } from '../fakeWecom.ts';
import { waitFor } from '../helpers/api.ts';
import { ConsoleClient } from '../helpers/consoleClient.ts';
import { startTestAppliance } from '../helpers/testAppliance.ts';
import { ADMIN_PASSWORD, SECRET_KEY, WECOM_KEY, type UpgradeFixture, type Upgraded } from '../fixtures/upgrade/fixture.ts';

const MIGRATIONS = 'db/migrations';
const FIXTURES = 'test/fixtures/upgrade';
const WINDOW_MS = 1_000;

interface Migration {
  tag: string;
  /** The fixture's file name: the tag without its number, so a renumbered migration keeps its fixture. */
  name: string;
}

const journal = JSON.parse(readFileSync(join(MIGRATIONS, 'meta/_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
const migrations: Migration[] = journal.entries.map((e) => ({ tag: e.tag, name: e.tag.replace(/^\d+_/, '') }));

const scratch = mkdtempSync(join(tmpdir(), 'upgrade-paths-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** db/migrations as it was when `upTo` was the newest migration (its journal cut after it). */
function migrationsAsOf(upTo: number): string {
  const dir = join(scratch, `migrations-${upTo}`);
  if (existsSync(dir)) return dir;
  cpSync(MIGRATIONS, dir, { recursive: true });
  writeFileSync(join(dir, 'meta/_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, upTo + 1) }));
  return dir;
}

type Rows = Map<string, Array<Record<string, unknown>>>;

/** Every row of every table (drizzle's bookkeeping aside), by rowid. */
function allRows(sqlite: Database.Database): Rows {
  const tables = sqlite.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name <> '__drizzle_migrations' order by name").pluck().all() as string[];
  return new Map(tables.map((t) => [t, sqlite.prepare(`select rowid as _rowid_, * from "${t}" order by rowid`).all() as Array<Record<string, unknown>>]));
}

/** Rows missing after the upgrade, or whose columns of before now hold something else. */
function differences(before: Rows, after: Rows): string[] {
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

const fixtures = new Map<string, UpgradeFixture>();

beforeAll(async () => {
  for (const m of migrations) {
    const file = join(FIXTURES, `${m.name}.ts`);
    if (existsSync(file)) fixtures.set(m.name, ((await import(`../fixtures/upgrade/${m.name}.ts`)) as { fixture: UpgradeFixture }).fixture);
  }
});

describe('every upgrade path, with data', () => {
  it('has a fixture for every migration in db/migrations', () => {
    const missing = migrations.filter((m) => !fixtures.has(m.name));
    expect(
      missing.map((m) => `db/migrations/${m.tag}.sql has no upgrade fixture: add ${FIXTURES}/${m.name}.ts exporting \`fixture: UpgradeFixture\` (see ${FIXTURES}/fixture.ts)`),
    ).toEqual([]);
  });

  for (const [version, m] of migrations.entries()) {
    it(`from ${m.tag} to the newest schema: every row kept, and still working`, async () => {
      const fixture = fixtures.get(m.name);
      if (!fixture) throw new Error(`no upgrade fixture for ${m.tag} (see the first test)`);
      const dataDir = join(scratch, `data-${m.tag}`);
      mkdirSync(dataDir);
      const file = join(dataDir, DB_FILE);
      const writtenAt = Date.now() - 60_000;

      // The database as `version` left it: each migration's SQL, then that version's rows.
      const sqlite = new Database(file);
      sqlite.pragma('foreign_keys = ON');
      for (let step = 0; step <= version; step++) {
        migrate(drizzle(sqlite), { migrationsFolder: migrationsAsOf(step) });
        sqlite.transaction(() => fixtures.get(migrations[step]!.name)!.seed(sqlite, writtenAt))();
      }
      const before = allRows(sqlite);
      sqlite.close();

      // Upgraded as the appliance does at start: nothing lost, nothing changed.
      const upgraded = openDatabase(file);
      const after = allRows(upgraded.$client);
      closeDatabase(upgraded);
      expect(differences(before, after)).toEqual([]);

      const fake = await startFakeWecom({ keys: [WECOM_KEY], windowMs: WINDOW_MS });
      const app = await startTestAppliance({ wecomOrigin: fake.origin, dataDir, env: { SECRET_KEY, WECOM_RATE_WINDOW_MS: String(WINDOW_MS) } });
      let signedIn: ConsoleClient | undefined;
      const u: Upgraded = {
        app,
        fake,
        writtenAt,
        async console() {
          if (!signedIn) {
            signedIn = new ConsoleClient(app.url);
            await signedIn.signIn(ADMIN_PASSWORD);
          }
          return signedIn;
        },
        async received(text) {
          const find = () => fake.receivedFor(WECOM_KEY).find((r) => JSON.stringify(r.body).includes(text));
          if (!(await waitFor(() => find() !== undefined, 10_000))) {
            throw new Error(`the group never received "${text}"; it received: ${fake.receivedFor(WECOM_KEY).map((r) => JSON.stringify(r.body).slice(0, 120)).join(' | ')}`);
          }
          return find()!.body;
        },
        row: (sql, ...params) => app.deps.db.$client.prepare(sql).get(...params) as never,
      };
      try {
        for (let step = 0; step <= version; step++) await fixtures.get(migrations[step]!.name)!.verify(u);
        // The send log of before is what it was, after the appliance ran on it.
        const finalBefore = before.get('deliveries')!.filter((r) => ['sent', 'dead', 'failed', 'merged'].includes(r.status as string));
        const now = new Map(allRows(app.deps.db.$client).get('deliveries')!.map((r) => [r._rowid_, r]));
        for (const row of finalBefore) expect(now.get(row._rowid_), `send log row ${String(row._rowid_)}`).toMatchObject(row);
        expect(fake.rateLimitedCount()).toBe(0);
      } finally {
        await app.stop();
        await fake.close();
      }
    }, 60_000);
  }
});
