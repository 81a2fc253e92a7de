// Restore without a shell: an uploaded backup (console) or `npm run restore -- FILE` (appliance
// stopped), checked before anything is touched, the current database kept, the appliance reopened
// on the backup.
import Database from 'better-sqlite3';
import { request } from 'node:http';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_FILE } from '../../server/appliance.ts';
import { WRITTEN_BY_SETTING } from '../../server/writtenBy.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import type { UpgradeFixture } from '../fixtures/upgrade/fixture.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { downloadBackup as download, uploadBackup as upload } from '../helpers/backupForms.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { databaseBefore } from '../helpers/migrationsBefore.ts';
import { appliedMigrations, buildDatabaseAt, journal, loadUpgradeFixtures, migrationsPlus } from '../helpers/schemaVersions.ts';
import { runScript } from '../helpers/scriptRun.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';
const OTHER_KEY = '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a';
const PASSWORD = 'restore-test-pass';
const scratch = mkdtempSync(join(tmpdir(), 'restore-test-'));
let fake: FakeWecom;
let fixtures = new Map<string, UpgradeFixture>();

beforeAll(async () => {
  fake = await startFakeWecom({ keys: [KEY, OTHER_KEY] });
  fixtures = await loadUpgradeFixtures();
});
afterAll(async () => {
  await fake.close();
  rmSync(scratch, { recursive: true, force: true });
});

const count = (app: TestAppliance, sql: string) => (app.deps.db.$client.prepare(sql).get() as { n: number }).n;

const runRestoreCli = (args: string[], env: Record<string, string>) => runScript('server/restoreCli.ts', args, env);

describe('restore from the console', () => {
  it('puts a downloaded backup back: bot, tokens and rows as they were, the current database kept, everyone signed out', async () => {
    const dataDir = join(scratch, 'console');
    const app = await startTestAppliance({ wecomOrigin: fake.origin, dataDir, env: { ADMIN_PASSWORD: PASSWORD, WECOM_RATE_WINDOW_MS: '1000' } });
    try {
      const c = new ConsoleClient(app.url);
      await c.signIn(PASSWORD);
      expect((await c.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
      const token = issueApiToken(app.deps, { name: 'before', requireSignature: false, now: Date.now() }).token;
      expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: 'In the backup' })).status).toBe(202);
      const backup = await download(c);

      // After the backup: another bot, the token revoked, another event.
      expect((await c.postForm('/channels/wecom/connect', { url: OTHER_KEY })).status).toBe(303);
      app.deps.db.$client.prepare('update api_tokens set revoked_at = ?').run(Date.now());
      const later = issueApiToken(app.deps, { name: 'after', requireSignature: false, now: Date.now() }).token;
      expect((await postEvent(app.url, later, { kind: 'alert', category: 'orders', severity: 'warning', title: 'After the backup' })).status).toBe(202);
      const dbBefore = app.deps.db;

      const page = await c.get('/backup');
      expect(page.body).toContain('enctype="multipart/form-data"');
      expect(page.body).toMatch(/<label for="restore-file">Backup file<\/label>/);
      const res = await upload(c, backup);
      expect(res.status, res.body.slice(0, 300)).toBe(303);
      expect(res.location).toBe('/login?restored=1');

      // Reopened on the backup: a new database handle, the backup's rows.
      expect(app.deps.db).not.toBe(dbBefore);
      expect(count(app, "select count(*) as n from events where title = 'After the backup'")).toBe(0);
      expect(count(app, "select count(*) as n from events where title = 'In the backup'")).toBe(1);
      // Everyone signed out; the login page says why.
      expect((await c.get('/channels')).status).toBe(302);
      expect(textOf((await c.get('/login?restored=1')).body)).toContain('The backup was restored and everyone was signed out');
      await c.signIn(PASSWORD);
      expect(textOf((await c.get('/channels')).body)).toContain(`key=****${KEY.slice(-4)}`);
      expect(textOf((await c.get('/audit')).body)).toContain('restored a backup');
      // The backup's token works again, the later one is unknown; the bot sends.
      expect((await postEvent(app.url, later, { kind: 'alert', category: 'orders', title: 'x' })).status).toBe(401);
      expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'critical', title: 'After the restore' })).status).toBe(202);
      expect(await waitFor(() => fake.receivedFor(KEY).some((m) => JSON.stringify(m.body).includes('After the restore')))).toBe(true);

      // The database of before is kept beside it, whole.
      const kept = readdirSync(dataDir).filter((f) => /^notifier-before-restore-\d{8}-\d{6}\.db$/.test(f));
      expect(kept).toHaveLength(1);
      expect((statSync(join(dataDir, kept[0]!)).mode & 0o777).toString(8)).toBe('600');
      const old = new Database(join(dataDir, kept[0]!), { readonly: true });
      expect(old.prepare("select count(*) as n from events where title = 'After the backup'").get()).toEqual({ n: 1 });
      old.close();
      expect(readdirSync(dataDir).filter((f) => f.includes('.partial'))).toEqual([]);
      const line = app.logs.find((l) => l.includes('database restored from a backup'));
      expect(line).toContain(kept[0]);
    } finally {
      await app.stop();
    }
  }, 60_000);

  it('refuses what is not a backup it can run on, each with its reason, and changes nothing', async () => {
    const dataDir = join(scratch, 'refusals');
    const app = await startTestAppliance({ wecomOrigin: fake.origin, dataDir, env: { ADMIN_PASSWORD: PASSWORD }, build: { version: '0.2.0', commit: 'abcdefabcdef' } });
    try {
      const c = new ConsoleClient(app.url);
      await c.signIn(PASSWORD);
      const good = await download(c);
      const db = app.deps.db;
      const refused = async (bytes: Buffer, reason: RegExp, status = 422, headers: Record<string, string> = {}) => {
        await c.get('/backup');
        const res = await upload(c, bytes, 'x.db', headers);
        expect(res.status).toBe(status);
        expect(textOf(res.body)).toMatch(reason);
        expect(app.deps.db).toBe(db);
      };
      await refused(Buffer.alloc(0), /The file is empty: nothing was changed\./);
      await refused(Buffer.from('id,title\n1,not a database\n'), /This file is not an SQLite database/);
      // A database from another application.
      const other = join(scratch, 'other.db');
      const o = new Database(other);
      o.exec('create table notes (id integer primary key, body text)');
      o.close();
      await refused(readFileSync(other), /not a StoreClaw WeCom Notifier backup/);
      // A damaged copy: the header is fine, pages are overwritten.
      const damaged = Buffer.from(good);
      damaged.fill(0xa5, 4096 * 2, Math.min(damaged.length, 4096 * 6));
      await refused(damaged, /This backup is damaged \(SQLite says: .+\)\. Nothing was changed\./);
      // From a newer version.
      const newer = join(scratch, 'newer.db');
      writeFileSync(newer, good);
      const n = new Database(newer);
      n.prepare('insert into __drizzle_migrations (hash, created_at) values (?, ?)').run('e'.repeat(64), journal.entries.at(-1)!.when + 1000);
      n.prepare('update settings set value = ? where key = ?').run(JSON.stringify({ version: '0.3.0', commit: 'x', schema: '0010_next' }), WRITTEN_BY_SETTING);
      n.close();
      await refused(readFileSync(newer), /written by version 0\.3\.0, newer than this appliance \(0\.2\.0\): upgrade first/);
      await refused(readFileSync(newer), /由版本 0\.3\.0 写入，比本设备（0\.2\.0）新/, 422, { 'accept-language': 'zh-CN' });
      // Larger than the console takes: refused from its Content-Length, before the body is read.
      const big = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(c.baseUrl + '/backup/restore', {
          method: 'POST',
          headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '), origin: c.baseUrl, 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(300 * 1024 * 1024) },
        });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.write('--x\r\n');
      });
      expect(big.status).toBe(413);
      expect(textOf(big.body)).toContain('The file is larger than 256 MB: restore it from the command line (npm run restore) instead.');
      // No file chosen.
      await c.get('/backup');
      const none = await c.postForm('/backup/restore', {}, { 'content-type': 'application/x-www-form-urlencoded' });
      expect(none.status).toBe(422);
      expect(textOf(none.body)).toContain('Choose a backup file to restore.');
      // Without the session's CSRF token, nothing is read.
      const csrf = c.csrf;
      c.csrf = 'wrong';
      expect((await upload(c, good)).status).toBe(403);
      c.csrf = csrf;
      expect(readdirSync(dataDir).filter((f) => f.startsWith('notifier-before-restore') || f.includes('.partial'))).toEqual([]);
    } finally {
      await app.stop();
    }
  }, 60_000);

  it('an older backup is migrated on the way in (its pre-upgrade copy written first)', async () => {
    const dataDir = join(scratch, 'older');
    const app = await startTestAppliance({ wecomOrigin: fake.origin, dataDir, env: { ADMIN_PASSWORD: PASSWORD }, build: { version: '0.2.0', commit: 'abcdefabcdef' } });
    try {
      const c = new ConsoleClient(app.url);
      await c.signIn(PASSWORD);
      const old = join(scratch, 'old-0006.db');
      buildDatabaseAt(old, 6, { scratch, fixtures, at: Date.now() - 60_000 });
      expect((await upload(c, readFileSync(old))).status).toBe(303);
      expect(count(app, 'select count(*) as n from __drizzle_migrations')).toBe(journal.entries.length);
      expect(existsSync(join(dataDir, 'notifier-pre-0.2.0.db'))).toBe(true);
      expect(appliedMigrations(join(dataDir, 'notifier-pre-0.2.0.db'))).toBe(7);
      expect(count(app, "select count(*) as n from hook_mappings where name = 'kuma'")).toBe(1);
    } finally {
      await app.stop();
    }
  }, 60_000);

  it("a restored older backup, migrated at reopen, does not overwrite the upgrade's own notifier-pre-<version>.db", async () => {
    const marked = (dir: string, marker: string) => {
      mkdirSync(dir);
      const { sqlite } = databaseBefore('channel_last_reason', dir);
      sqlite.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('restore_marker', ?, 0)").run(JSON.stringify(marker));
      sqlite.close();
    };
    const markerOf = (file: string): string => {
      const db = new Database(file, { readonly: true });
      try {
        return JSON.parse((db.prepare("SELECT value FROM settings WHERE key = 'restore_marker'").get() as { value: string }).value) as string;
      } finally {
        db.close();
      }
    };
    // The install as it was on upgrade day (the previous version's schema), and a backup downloaded from that version weeks before.
    const dataDir = join(scratch, 'upgrade-day');
    marked(dataDir, 'the database on upgrade day');
    const oldDir = join(scratch, 'weeks-before');
    marked(oldDir, 'a backup from weeks before');

    const app = await startTestAppliance({ wecomOrigin: fake.origin, dataDir, env: { ADMIN_PASSWORD: PASSWORD }, build: { version: '0.2.0', commit: 'abcdefabcdef' } });
    try {
      expect(markerOf(join(dataDir, 'notifier-pre-0.2.0.db'))).toBe('the database on upgrade day');
      // Backup → Restore this backup, with the older file (the route stages it beside the database).
      const staged = join(dataDir, '.restore-0a1b2c3d4e5f.partial');
      copyFileSync(join(oldDir, DB_FILE), staged);
      await app.deps.restore!(staged, { ip: null, file: 'notifier-backup-old.db', bytes: statSync(staged).size });
      // The copy the README's roll-back names must still hold the upgrade day; the restore's own is beside it.
      const copies = readdirSync(dataDir)
        .filter((f) => /^notifier-pre-.+\.db$/.test(f))
        .sort()
        .map((f) => `${f}: ${markerOf(join(dataDir, f))}`);
      expect(copies).toEqual(['notifier-pre-0.2.0-2.db: a backup from weeks before', 'notifier-pre-0.2.0.db: the database on upgrade day']);
    } finally {
      await app.stop();
    }
  }, 60_000);

  it('a backup that passes its checks but fails to migrate: the database of before is back as it was (the admin still signed in, no restore audited, no kept copy) and the appliance carries on', async () => {
    const dataDir = join(scratch, 'unmigratable');
    // A migration that fails only on data: a database without hook mappings takes it, the old backup (with one) does not.
    const migrations = migrationsPlus(scratch, '0099_hooks_need_names', ['UPDATE `hook_mappings` SET `name` = NULL;']);
    const app = await startTestAppliance({ wecomOrigin: fake.origin, dataDir, env: { ADMIN_PASSWORD: PASSWORD }, migrationsFolder: migrations });
    try {
      const c = new ConsoleClient(app.url);
      await c.signIn(PASSWORD);
      const token = issueApiToken(app.deps, { name: 'kept', requireSignature: false, now: Date.now() }).token;
      const old = join(scratch, 'old-for-failure.db');
      buildDatabaseAt(old, 6, { scratch, fixtures, at: Date.now() - 60_000 });
      // Three copies from earlier upgrades, the most a data directory keeps.
      const copies = ['notifier-pre-0.0.1.db', 'notifier-pre-0.0.2.db', 'notifier-pre-0.0.3.db'];
      for (const f of copies) writeFileSync(join(dataDir, f), '');
      const res = await upload(c, readFileSync(old));
      expect(res.status).toBe(503);
      expect(textOf(res.body)).toMatch(/The backup could not be restored \(Migration 0099_hooks_need_names failed \(NOT NULL constraint failed: hook_mappings\.name\).*\); the previous database is back in place\./);
      // The appliance runs on its own database again: the token issued before the attempt works.
      expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', title: 'still here' })).status).toBe(202);
      expect(count(app, "select count(*) as n from hook_mappings")).toBe(0);
      // As it was: no restore happened, so nobody was signed out and the audit log says it failed, not that it restored.
      const audited = app.deps.db.$client.prepare("SELECT action, detail FROM audit_log WHERE action LIKE 'backup.restore%'").all() as Array<{ action: string; detail: string }>;
      expect(audited.map((a) => a.action), 'the audit log says a backup was restored, though the restore failed').toEqual(['backup.restore_failed']);
      expect(JSON.parse(audited[0]!.detail)).toMatchObject({ file: 'notifier-backup.db', reason: expect.stringContaining('Migration 0099_hooks_need_names failed') });
      expect((await c.get('/backup')).status, 'the admin was signed out by a restore that did not happen').toBe(200);
      // The kept copy went back into place; the refused backup is gone, not kept as "the database before the restore".
      expect(readdirSync(dataDir).filter((f) => f.startsWith('notifier-before-restore-') || f.startsWith('.restore-'))).toEqual([]);
      // Nor is a copy of the refused backup taken before migrating it, and none of the earlier upgrades' copies was pushed out.
      expect(readdirSync(dataDir).filter((f) => f.startsWith('notifier-pre-')).sort()).toEqual(copies);
    } finally {
      await app.stop();
    }
  }, 60_000);
});

describe('npm run restore', () => {
  it('refuses while the appliance runs, restores once it is stopped, and the appliance starts on the backup', async () => {
    const dataDir = join(scratch, 'cli');
    mkdirSync(dataDir);
    let app = await startTestAppliance({ wecomOrigin: fake.origin, dataDir, env: { ADMIN_PASSWORD: PASSWORD } });
    const c = new ConsoleClient(app.url);
    await c.signIn(PASSWORD);
    expect((await c.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
    const token = issueApiToken(app.deps, { name: 'cli', requireSignature: false, now: Date.now() }).token;
    const backup = join(scratch, 'cli-backup.db');
    writeFileSync(backup, await download(c));
    expect((await c.postForm('/channels/wecom/connect', { url: OTHER_KEY })).status).toBe(303);

    const env = { DATA_DIR: dataDir };
    const [usage, missing, notDb] = await Promise.all([
      runRestoreCli([], env),
      runRestoreCli([join(scratch, 'nope.db')], env),
      runRestoreCli(['package.json'], env),
    ]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('Usage: npm run restore -- <backup-file>');
    expect(missing).toMatchObject({ status: 1, stderr: expect.stringContaining('No backup file at') });
    const [live, noDir] = await Promise.all([runRestoreCli([join(dataDir, 'notifier.db')], env), runRestoreCli([backup], { DATA_DIR: join(scratch, 'no-such-dir') })]);
    expect(live).toMatchObject({ status: 1, stderr: 'That is the live database itself: give the backup file to restore.\n' });
    expect(noDir).toMatchObject({ status: 1, stderr: expect.stringMatching(/^No data directory at .*no-such-dir: set DATA_DIR/) });
    expect(notDb).toMatchObject({ status: 1, stderr: 'Not restored: package.json is not an SQLite database (a backup is what the console\'s Download backup or npm run backup wrote). Nothing was changed.\n' });
    const running = await runRestoreCli([backup], env);
    expect(running.status).toBe(1);
    expect(running.stderr).toMatch(/^Not restored: .*notifier\.db is open in a running appliance\. Stop it first/);
    await app.stop();

    const restoredFrom = Date.now();
    const done = await runRestoreCli([backup], env);
    expect(done.status, done.stderr).toBe(0);
    expect(done.stdout).toMatch(new RegExp(`^Restored .*cli-backup\\.db \\(\\d+ bytes, schema ${journal.entries.at(-1)!.tag}, written by version \\S+\\) as .*notifier\\.db\\.\\nThe database before is kept as .*notifier-before-restore-\\d{8}-\\d{6}\\.db\\.`));
    expect(readdirSync(dataDir).filter((f) => f.includes('.partial') || f.endsWith('-wal'))).toEqual([]);

    // A window of 2 s: the stopped appliance's last calls are not in the restored send log, so the
    // first window after the restore is taken as full.
    app = await startTestAppliance({ wecomOrigin: fake.origin, dataDir, env: { ADMIN_PASSWORD: PASSWORD, WECOM_RATE_WINDOW_MS: '2000' } });
    try {
      expect(count(app, 'select count(*) as n from sessions')).toBe(0);
      expect(app.deps.db.$client.prepare("select actor, detail from audit_log where action = 'backup.restore'").get()).toEqual({ actor: 'cli', detail: expect.stringContaining(basename(backup)) });
      const back = new ConsoleClient(app.url);
      await back.signIn(PASSWORD);
      expect(textOf((await back.get('/channels')).body)).toContain(`key=****${KEY.slice(-4)}`);
      expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'critical', title: 'After the CLI restore' })).status).toBe(202);
      expect(await waitFor(() => fake.receivedFor(KEY).some((m) => JSON.stringify(m.body).includes('After the CLI restore')))).toBe(true);
      const sentAt = fake.receivedFor(KEY).find((m) => JSON.stringify(m.body).includes('After the CLI restore'))!.at;
      expect(sentAt).toBeGreaterThanOrEqual(restoredFrom + 2_000);
    } finally {
      await app.stop();
    }
  }, 90_000);
});
