// Review tests, area "running it": first start, the data directory as a non-root user, the logs.
// Each test fails on the current code for the reason its name gives.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, spawnChild, waitReady } from '../helpers/childAppliance.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'review-operations-'));
// The scratch dir is reachable by the unprivileged user the tests below run the appliance as.
chmodSync(scratch, 0o755);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let n = 0;
const freshDir = (): string => join(scratch, `data-${n++}`);

/** The appliance (`node --import tsx server/main.ts`) as an unprivileged user, as the image runs it (`USER node`). */
async function spawnAs(uid: number, gid: number, env: Record<string, string>): Promise<{ proc: ChildProcess; url: string; output: string[]; exited: Promise<number | null> }> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: repoRoot,
    uid,
    gid,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TMPDIR: tmpdir(), PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ADMIN_PASSWORD: 'review-long-password', SECRET_KEY: 'r'.repeat(64), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  proc.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  proc.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<number | null>((res) => proc.on('exit', (code) => res(code)));
  return { proc, url: `http://127.0.0.1:${port}`, output, exited };
}

async function readyOrExit(child: { url: string; exited: Promise<number | null> }, ms = 25_000): Promise<'ready' | { exit: number | null }> {
  let exitCode: number | null | undefined;
  void child.exited.then((c) => (exitCode = c));
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) return { exit: exitCode };
    try {
      if ((await fetch(child.url + '/readyz')).ok) return 'ready';
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { exit: exitCode ?? null };
}

const NOBODY = 65534;
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

describe('first start: the setup code in the log', () => {
  it('prints the one-time setup code even when LOG_LEVEL=error (without it nobody can create the admin password)', async () => {
    const dataDir = freshDir();
    // No ADMIN_PASSWORD: the first visit needs the setup code "printed to the log at start" (SPEC, First run and secrets).
    const child = await spawnChild({ DATA_DIR: dataDir, LOG_LEVEL: 'error', ADMIN_PASSWORD: '' });
    try {
      await waitReady(child);
      // The console does ask for the code.
      const setup = await fetch(child.url + '/setup');
      expect(setup.status).toBe(200);
      expect(await setup.text()).toContain('Setup code');
      await new Promise((r) => setTimeout(r, 500));
      const out = child.output.join('');
      expect(out, `the appliance's whole output at LOG_LEVEL=error:\n${out}`).toMatch(/[2-9A-Z]{4}(-[2-9A-Z]{4}){4}/);
    } finally {
      child.process.kill('SIGTERM');
      await child.exited;
    }
  }, 40_000);
});

describe('DATA_DIR as a non-root user (the image runs as `node`; bind mounts and volumes are often root-owned)', () => {
  it.skipIf(!asRoot)('starts on a data directory its user can write through the group (root:node 0770), instead of failing on chmod', async () => {
    const dataDir = freshDir();
    // The usual way to hand a root-owned bind mount to the container's user: group ownership and g+rwx.
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dataDir);
    chownSync(dataDir, 0, NOBODY);
    chmodSync(dataDir, 0o770);
    const child = await spawnAs(NOBODY, NOBODY, { DATA_DIR: dataDir });
    try {
      const outcome = await readyOrExit(child);
      expect(outcome, `a writable DATA_DIR was refused:\n${child.output.join('')}`).toBe('ready');
    } finally {
      if (child.proc.exitCode === null) child.proc.kill('SIGTERM');
      await child.exited;
    }
  }, 40_000);

  it.skipIf(!asRoot)('a DATA_DIR its user cannot write stops the start with one line naming DATA_DIR and saying it is not writable (not "EPERM … chmod")', async () => {
    const dataDir = freshDir();
    // What Docker creates for a missing bind-mount source (`-v ./data:/data`): root:root 0755.
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    const child = await spawnAs(NOBODY, NOBODY, { DATA_DIR: dataDir });
    const code = await child.exited;
    const lines = child.output.join('').split('\n').filter((l) => l.trim() !== '');
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    // "Bad config fails fast with a clear line" (SPEC, Operations): which variable, and what is wrong with it.
    expect(lines[0], lines[0]).toMatch(/DATA_DIR/);
    expect(lines[0], lines[0]).toMatch(/writ/i);
    expect(lines[0], lines[0]).not.toMatch(/chmod/);
  }, 40_000);
});

describe('an upgrade start stopped while it writes notifier-pre-<version>.db', () => {
  it('leaves no half-written copy behind for good: the next start removes the stale .partial (it is as large as the database)', async () => {
    const { databaseBefore } = await import('../helpers/migrationsBefore.ts');
    const { readdirSync, statSync, mkdirSync } = await import('node:fs');
    const dir = freshDir();
    mkdirSync(dir);
    // A database from before the newest migration, with some volume (a few months of send log).
    const { sqlite } = databaseBefore('channel_last_reason', dir);
    sqlite.exec('CREATE TABLE bulk (b BLOB)');
    sqlite.exec('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 250) INSERT INTO bulk SELECT zeroblob(1048576) FROM c');
    sqlite.close();
    const partials = () => readdirSync(dir).filter((f) => f.endsWith('.partial'));

    // `docker compose stop` (or a restart) while the upgrade's copy is being written.
    const first = await spawnChild({ DATA_DIR: dir, ADMIN_PASSWORD: 'review-long-password' });
    let caught = false;
    for (let i = 0; i < 4000 && first.process.exitCode === null; i++) {
      const p = partials();
      if (p.length && statSync(join(dir, p[0]!)).size > 32 << 20) {
        first.process.kill('SIGTERM');
        caught = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await first.exited;
    expect(caught, 'stopped while the copy was written').toBe(true);
    const stale = partials();
    expect(stale).toHaveLength(1);
    const staleBytes = statSync(join(dir, stale[0]!)).size;

    // The next start migrates (and writes its own copy) …
    const second = await spawnChild({ DATA_DIR: dir, ADMIN_PASSWORD: 'review-long-password' });
    try {
      await waitReady(second, 60_000);
      expect(readdirSync(dir).filter((f) => /^notifier-pre-.+\.db$/.test(f))).toHaveLength(1);
      // … and the interrupted start's half copy must not stay in the data volume for ever.
      expect(partials(), `left in DATA_DIR: ${stale[0]} (${(staleBytes / 1e6).toFixed(0)} MB)`).toEqual([]);
    } finally {
      second.process.kill('SIGTERM');
      await second.exited;
    }
  }, 120_000);
});

describe('the copy taken before migrating, after a restore of an older backup', () => {
  it('a restored older backup, migrated at reopen, does not overwrite the upgrade\'s own notifier-pre-<version>.db', async () => {
    const { databaseBefore } = await import('../helpers/migrationsBefore.ts');
    const { startFakeWecom } = await import('../fakeWecom.ts');
    const { startTestAppliance } = await import('../helpers/testAppliance.ts');
    const { copyFileSync, mkdirSync, readdirSync, statSync } = await import('node:fs');
    const Database = (await import('better-sqlite3')).default;
    const marked = (dir: string, marker: string) => {
      mkdirSync(dir);
      const { sqlite } = databaseBefore('channel_last_reason', dir);
      sqlite.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('review_marker', ?, 0)").run(JSON.stringify(marker));
      sqlite.close();
    };
    const markerOf = (file: string): string => {
      const db = new Database(file, { readonly: true });
      try {
        return JSON.parse((db.prepare("SELECT value FROM settings WHERE key = 'review_marker'").get() as { value: string }).value) as string;
      } finally {
        db.close();
      }
    };

    // The install as it was on upgrade day (the previous version's schema) …
    const dataDir = freshDir();
    marked(dataDir, 'the database on upgrade day');
    // … and a backup downloaded from that version weeks before.
    const oldDir = freshDir();
    marked(oldDir, 'a backup from weeks before');

    const fake = await startFakeWecom();
    const app = await startTestAppliance({ wecomOrigin: fake.origin, dataDir, env: { SECRET_KEY: 's'.repeat(64) }, build: { version: '0.2.0', commit: '0123456789ab' } });
    try {
      const copy = join(dataDir, 'notifier-pre-0.2.0.db');
      expect(markerOf(copy)).toBe('the database on upgrade day');

      // Backup → Restore this backup, with the older file (the route stages it beside the database).
      const staged = join(dataDir, '.restore-review.partial');
      copyFileSync(join(oldDir, 'notifier.db'), staged);
      await app.deps.restore!(staged, { ip: null, file: 'notifier-backup-old.db', bytes: statSync(staged).size });

      // The copy the README's roll-back names ("the copy to go back to") must still hold the upgrade day.
      const copies = readdirSync(dataDir).filter((f) => /^notifier-pre-.+\.db$/.test(f));
      const held = copies.map((f) => `${f}: ${markerOf(join(dataDir, f))}`);
      expect(held, 'pre-upgrade copies after the restore').toEqual(expect.arrayContaining(['notifier-pre-0.2.0.db: the database on upgrade day']));
    } finally {
      await app.stop();
      await fake.close();
    }
  }, 60_000);
});

describe('rolling back over two upgrades', () => {
  it('the refusal names a pre-upgrade copy this version can run, not one a newer version wrote too', async () => {
    const { migrationsPlus } = await import('../helpers/schemaVersions.ts');
    const { startFakeWecom } = await import('../fakeWecom.ts');
    const { startTestAppliance } = await import('../helpers/testAppliance.ts');
    const { StartupRefusal } = await import('../../server/databaseUpgrade.ts');
    const { checkBackupFile } = await import('../../server/restore.ts');
    const { cpSync, readFileSync, writeFileSync, mkdirSync } = await import('node:fs');

    const work = freshDir();
    mkdirSync(work);
    // 0.3.0 adds one migration, 0.4.0 another.
    const v3 = migrationsPlus(work, '0090_review_a', ['CREATE TABLE review_a (id integer PRIMARY KEY)']);
    const v4 = join(work, 'migrations-v4');
    cpSync(v3, v4, { recursive: true });
    const j = JSON.parse(readFileSync(join(v4, 'meta/_journal.json'), 'utf8')) as { entries: Array<{ idx: number; when: number; tag: string }> };
    const last = j.entries[j.entries.length - 1]!;
    writeFileSync(join(v4, '0091_review_b.sql'), 'CREATE TABLE review_b (id integer PRIMARY KEY)');
    writeFileSync(join(v4, 'meta/_journal.json'), JSON.stringify({ ...j, entries: [...j.entries, { ...last, idx: last.idx + 1, when: last.when + 1000, tag: '0091_review_b' }] }));

    const fake = await startFakeWecom();
    const dataDir = join(work, 'data');
    const env = { SECRET_KEY: 'k'.repeat(64) };
    try {
      const run = async (version: string, migrationsFolder?: string) => {
        const app = await startTestAppliance({ wecomOrigin: fake.origin, dataDir, env, build: { version, commit: '0123456789ab' }, migrationsFolder });
        await app.stop();
      };
      await run('0.2.0');
      await run('0.3.0', v3); // writes notifier-pre-0.3.0.db (0.2.0's schema)
      await new Promise((r) => setTimeout(r, 20));
      await run('0.4.0', v4); // writes notifier-pre-0.4.0.db (0.3.0's schema)

      // Back to 0.2.0: refused, with the copy to go back to.
      const refused = await startTestAppliance({ wecomOrigin: fake.origin, dataDir, env, build: { version: '0.2.0', commit: '0123456789ab' } }).then(
        async (app) => {
          await app.stop();
          return undefined;
        },
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(StartupRefusal);
      const line = (refused as Error).message;
      const named = /npm run restore -- (\S+)/.exec(line)?.[1];
      expect(named, line).toBeDefined();
      // The line's own advice must work: that copy is one 0.2.0 runs on (restore checks exactly this).
      // There is such a copy beside it: the one 0.3.0 took (0.2.0's own schema).
      expect(checkBackupFile(join(dataDir, 'notifier-pre-0.3.0.db')).ok).toBe(true);
      const check = checkBackupFile(named!);
      expect(check.ok ? { ok: true } : { ok: false, refusal: check.refusal }, `${line}\n→ restoring ${named} would answer`).toEqual({ ok: true });
    } finally {
      await fake.close();
    }
  }, 90_000);
});

describe('the port is taken because the appliance already runs on this DATA_DIR', () => {
  it('a second appliance on the same data directory is refused, so the bot never gets more than 20 calls in 60 s', async () => {
    const { startFakeWecom } = await import('../fakeWecom.ts');
    const { seedDataDir, startChild } = await import('../helpers/childAppliance.ts');
    const { postEvent } = await import('../helpers/api.ts');
    const { mkdirSync } = await import('node:fs');
    const KEY = '4d5e6f70-8192-4a3b-9c4d-5e6f70819203';
    const fake = await startFakeWecom({ keys: [KEY] });
    const dataDir = freshDir();
    mkdirSync(dataDir);
    const { token } = seedDataDir(dataDir, { key: KEY, windowSeconds: 60 });
    const env = { DATA_DIR: dataDir, WECOM_API_ORIGIN: fake.origin, LOG_LEVEL: 'warn' };
    const first = await startChild(env);
    const children = [first];
    try {
      // `npm start` again (another terminal, a second unit): the port is taken …
      const port = new URL(first.url).port;
      const again = await spawnChild({ ...env, PORT: port });
      expect(await again.exited).toBe(1);
      const line = again.output.join('').trim();
      expect(line).toContain('set PORT to a free port');
      // … and the line's advice, another PORT, starts a second appliance on the same database.
      const second = await spawnChild(env);
      children.push(second);
      const outcome = await readyOrExit(second);
      const targets = outcome === 'ready' ? [first, second] : [first];

      // StoreClaw posts 30 alerts (to whichever of them it reaches).
      for (let i = 0; i < 30; i++) {
        const res = await postEvent(targets[i % targets.length]!.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: `order backlog #${i}` });
        expect(res.status).toBe(202);
      }
      await new Promise((r) => setTimeout(r, 6_000));
      const calls = fake.calls.filter((c) => c.key === KEY).map((c) => c.at).sort((a, b) => a - b);
      const inWindow = calls.filter((t) => t - calls[0]! < 60_000).length;
      // SPEC, Semantics: "At most the configured limit of calls in any 60 s" (20), none answered 45009.
      expect(
        { callsInFirst60s: inWindow, answered45009: fake.rateLimitedCount() },
        `second appliance on ${dataDir}: ${outcome === 'ready' ? 'started and sent too' : JSON.stringify(outcome)}\n${second.output.join('')}`,
      ).toEqual({ callsInFirst60s: Math.min(20, calls.length), answered45009: 0 });
      expect(calls.length).toBeLessThanOrEqual(20);
    } finally {
      for (const c of children) if (c.process.exitCode === null) c.process.kill('SIGTERM');
      await Promise.all(children.map((c) => c.exited));
      await fake.close();
    }
  }, 90_000);
});

describe('an upgrade started while the previous version still runs (port taken)', () => {
  it('does not migrate the database under the running appliance before it finds the port taken', async () => {
    const { databaseBefore } = await import('../helpers/migrationsBefore.ts');
    const { journal } = await import('../helpers/schemaVersions.ts');
    const { createServer } = await import('node:net');
    const { mkdirSync, readdirSync } = await import('node:fs');
    const dataDir = freshDir();
    mkdirSync(dataDir);
    // The previous version (one migration less) runs: it holds its database open (WAL) and the port.
    const { sqlite } = databaseBefore('channel_last_reason', dataDir);
    sqlite.pragma('journal_mode = WAL');
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    const applied = () => (sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n;
    try {
      expect(applied()).toBe(journal.entries.length - 1);
      // `git pull && npm start` in another terminal: this version, same DATA_DIR, same PORT.
      const upgrade = await spawnChild({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', ADMIN_PASSWORD: 'review-long-password' });
      expect(await upgrade.exited).toBe(1);
      const line = upgrade.output.join('').trim();
      expect(line).toMatch(/already in use/);
      // It did not start; the running appliance's database must be as it was.
      expect({ applied: applied(), copies: readdirSync(dataDir).filter((f) => f.startsWith('notifier-pre-')) }, line).toEqual({ applied: journal.entries.length - 1, copies: [] });
    } finally {
      sqlite.close();
      await new Promise((r) => busy.close(r));
    }
  }, 60_000);
});
