// Every upgrade path, with data. For each released schema (0000 … the newest) a database is built the
// way that version left it: each migration's own SQL from db/migrations (drizzle's migrator over the
// journal cut after it), each followed by its fixture's rows (test/fixtures/upgrade/). It is then
// migrated to the newest schema by the appliance's own openDatabase, every row compared column by
// column, and the appliance started on it: each fixture checks its rows still do what they did.
//
// A migration without its fixture fails here. Adding one: test/fixtures/upgrade/<tag without the
// number>.ts exporting `fixture: UpgradeFixture` (fixture.ts says what that is): the rows that
// version writes into its new tables and columns, and what they must still do once upgraded.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../db/client.ts';
import { DB_FILE } from '../../server/appliance.ts';
import { startFakeWecom } from '../fakeWecom.ts';
import { waitFor } from '../helpers/api.ts';
import { ConsoleClient } from '../helpers/consoleClient.ts';
import { allRows, buildDatabaseAt, FIXTURES, loadUpgradeFixtures, migrations, rowDifferences, rowsOf } from '../helpers/schemaVersions.ts';
import { startTestAppliance } from '../helpers/testAppliance.ts';
import { ADMIN_PASSWORD, SECRET_KEY, WECOM_KEY, type UpgradeFixture, type Upgraded } from '../fixtures/upgrade/fixture.ts';

const WINDOW_MS = 1_000;

const scratch = mkdtempSync(join(tmpdir(), 'upgrade-paths-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let fixtures = new Map<string, UpgradeFixture>();
beforeAll(async () => {
  fixtures = await loadUpgradeFixtures();
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
      const dataDir = join(scratch, `data-${m.tag}`);
      mkdirSync(dataDir);
      const file = join(dataDir, DB_FILE);
      const writtenAt = Date.now() - 60_000;

      // The database as `version` left it: each migration's SQL, then that version's rows.
      buildDatabaseAt(file, version, { scratch, fixtures, at: writtenAt });
      const before = rowsOf(file);

      // Upgraded as the appliance does at start: nothing lost, nothing changed.
      const upgraded = openDatabase(file);
      const after = allRows(upgraded.$client);
      closeDatabase(upgraded);
      expect(rowDifferences(before, after)).toEqual([]);

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
