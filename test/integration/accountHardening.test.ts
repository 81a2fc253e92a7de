import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeDatabase, openDatabase } from '../../db/client.ts';
import { getAdminPasswordHash, setAdminPasswordHash } from '../../db/queries/admin.ts';
import { DB_FILE, startAppliance } from '../../server/appliance.ts';
import { loadConfig } from '../../server/config.ts';
import { createLogger } from '../../server/log.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { postEvent } from '../helpers/api.ts';
import { createPasswordHasher } from '../../server/security/passwords.ts';
import { spawnChild, startChild, waitReady } from '../helpers/childAppliance.ts';
import { ConsoleClient, descriptionOf, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance } from '../helpers/testAppliance.ts';

const NOWHERE = 'http://127.0.0.1:9';
const scratch = mkdtempSync(join(tmpdir(), 'notifier-account-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const dir = (name: string) => join(scratch, name);

describe('admin password (ASVS 2.1.1, 2.4)', () => {
  it('an ADMIN_PASSWORD shorter than 12 characters stops the process with one clear line', async () => {
    const child = await spawnChild({ DATA_DIR: dir('short-env'), ADMIN_PASSWORD: 'elevenchars' });
    expect(await child.exited).toBe(1);
    const output = child.output.join('');
    expect(output).toBe('Invalid configuration: ADMIN_PASSWORD must be at least 12 characters\n');
  }, 30_000);

  it('an existing short password hashed at the old cost keeps working, is re-hashed at 2^17 at sign-in, and a new one needs 12 characters', async () => {
    const dataDir = dir('upgrade');
    mkdirSync(dataDir);
    const db = openDatabase(join(dataDir, DB_FILE));
    setAdminPasswordHash(db, await createPasswordHasher({ n: 2 ** 14 }).hash('old-short'), Date.now());
    closeDatabase(db);
    const app = await startTestAppliance({ wecomOrigin: NOWHERE, dataDir, scryptN: 2 ** 17 });
    try {
      expect(getAdminPasswordHash(app.deps.db)).toMatch(/^scrypt\$16384\$/);
      const c = new ConsoleClient(app.url);
      await c.signIn('old-short');
      expect(getAdminPasswordHash(app.deps.db)).toMatch(/^scrypt\$131072\$8\$1\$/);
      expect(app.logs.some((l) => l.includes('hash upgraded'))).toBe(true);
      await c.postForm('/logout');
      await c.signIn('old-short'); // the upgraded hash verifies the same password
      await c.get('/settings');
      const short = await c.postForm('/settings/password', { current: 'old-short', password: 'elevenchars', confirm: 'elevenchars' });
      expect(short.status).toBe(422);
      expect(textOf(short.body)).toContain('at least 12 characters');
      const zh = await c.postForm('/settings/password', { current: 'old-short', password: 'elevenchars', confirm: 'elevenchars' }, { 'accept-language': 'zh-CN' });
      expect(textOf(zh.body)).toContain('至少需要 12 个字符');
      expect((await c.postForm('/settings/password', { current: 'old-short', password: 'twelve-chars', confirm: 'twelve-chars' })).status).toBe(303);
    } finally {
      await app.stop();
    }
  }, 90_000);

  // Characters as the person typing counts them: an emoji is one, though String.length counts two.
  const emoji = (n: number) => [...'\u{1F600}\u{1F601}\u{1F602}\u{1F603}\u{1F604}\u{1F605}'.repeat(2)].slice(0, n).join('');

  it('the first-run setup form refuses a 6-character password of emoji', async () => {
    const app = await startTestAppliance({ wecomOrigin: NOWHERE });
    try {
      const c = new ConsoleClient(app.url);
      await c.get('/setup');
      const setup = (password: string) => c.postForm('/setup', { setupCode: app.deps.setupCode!.display, password, confirm: password });
      const six = await setup(emoji(6));
      expect(six.status).toBe(422);
      expect(textOf(six.body)).toContain('at least 12 characters');
      expect((await setup(emoji(12))).status).toBe(303);
    } finally {
      await app.stop();
    }
  });

  it('setup: "the two passwords do not match" is tied to the confirmation field (a wrong code to the code field)', async () => {
    const app = await startTestAppliance({ wecomOrigin: NOWHERE });
    try {
      const c = new ConsoleClient(app.url);
      const ZH = { 'accept-language': 'zh-CN' };
      await c.get('/setup', ZH);
      const mismatch = await c.postForm('/setup', { setupCode: app.deps.setupCode!.display, password: 'first-password-123', confirm: 'other-password-456' }, ZH);
      expect(mismatch.status).toBe(422);
      expect(descriptionOf(mismatch.body, 'confirm')).toContain('两次输入的密码不一致。');
      expect(mismatch.body).toMatch(/<input[^>]*id="confirm"[^>]*aria-invalid="true"/);
      expect(descriptionOf(mismatch.body, 'password')).toBe('');
      const wrongCode = await c.postForm('/setup', { setupCode: 'WRNG-CODE-AAAA-BBBB-CCCC', password: 'first-password-123', confirm: 'first-password-123' }, ZH);
      expect(wrongCode.status).toBe(403);
      expect(descriptionOf(wrongCode.body, 'setupCode')).toContain(textOf(/id="setupCode-error"[^>]*>([^<]*)</.exec(wrongCode.body)?.[1] ?? '[no error under the code]'));
    } finally {
      await app.stop();
    }
  });

  it('the password-change form on Settings refuses a 6-character password of emoji', async () => {
    const app = await startTestAppliance({ wecomOrigin: NOWHERE, env: { ADMIN_PASSWORD: 'a-long-enough-password' } });
    try {
      const c = new ConsoleClient(app.url);
      await c.signIn('a-long-enough-password');
      await c.get('/settings');
      const change = (password: string) => c.postForm('/settings/password', { current: 'a-long-enough-password', password, confirm: password });
      const six = await change(emoji(6));
      expect(six.status).toBe(422);
      expect(textOf(six.body)).toContain('at least 12 characters');
      expect((await change(emoji(12))).status).toBe(303);
    } finally {
      await app.stop();
    }
  });

  it('sessions end when a new ADMIN_PASSWORD replaces the stored one; the same one keeps them; Settings says which password wins', async () => {
    const dataDir = dir('env-rotation');
    const start = (password: string) => startTestAppliance({ wecomOrigin: NOWHERE, dataDir, env: { ADMIN_PASSWORD: password } });
    let app = await start('first-env-password');
    const c = new ConsoleClient(app.url);
    await c.signIn('first-env-password');
    const settings = textOf((await c.get('/settings')).body);
    expect(settings).toContain('ADMIN_PASSWORD is set in the environment, and it wins');
    expect(textOf((await c.get('/settings', { 'accept-language': 'zh-CN' })).body)).toContain('以它为准');
    const cookie = c.cookies.get('scn_session')!;
    await app.stop();

    app = await start('first-env-password');
    const same = new ConsoleClient(app.url);
    same.cookies.set('scn_session', cookie);
    expect((await same.get('/channels')).status).toBe(200);
    await app.stop();

    app = await start('second-env-password');
    try {
      const kept = new ConsoleClient(app.url);
      kept.cookies.set('scn_session', cookie);
      expect((await kept.get('/channels')).location).toMatch(/^\/login/);
      expect(app.logs.some((l) => l.includes('ADMIN_PASSWORD replaced the stored admin password'))).toBe(true);
      await new ConsoleClient(app.url).signIn('second-env-password');
    } finally {
      await app.stop();
    }
    const own = await startTestAppliance({ wecomOrigin: NOWHERE });
    try {
      const o = new ConsoleClient(own.url);
      await o.signIn('console-password');
      expect(textOf((await o.get('/settings')).body)).toContain('ADMIN_PASSWORD is not set: the password set here is the password.');
    } finally {
      await own.stop();
    }
  }, 60_000);

  it('while a new ADMIN_PASSWORD is checked at start, the API and /readyz answer and the console waits: no request sees the sessions from before', async () => {
    const dataDir = dir('env-check-at-start');
    const first = await startTestAppliance({ wecomOrigin: NOWHERE, dataDir, env: { ADMIN_PASSWORD: 'before-env-password' } });
    const old = new ConsoleClient(first.url);
    await old.signIn('before-env-password');
    const cookie = old.cookies.get('scn_session')!;
    const { token } = issueApiToken(first.deps, { name: 'during start', requireSignature: false, now: Date.now() });
    await first.stop();

    // The stored hash is checked by a hasher this test holds, so the window stays open until it lets go.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const real = createPasswordHasher({ n: 2 ** 14 });
    const passwords = { hash: real.hash, verify: async (password: string, stored: string) => (await held, real.verify(password, stored)) };
    let port = 0;
    const logs: string[] = [];
    let heard!: () => void;
    const up = new Promise<void>((resolve) => (heard = resolve));
    const log = createLogger({
      level: 'info',
      write: (line) => {
        logs.push(line);
        const entry = JSON.parse(line) as { msg: string; port?: number };
        if (entry.msg === 'listening') {
          port = entry.port!;
          heard();
        }
      },
    });
    const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, WECOM_API_ORIGIN: NOWHERE, ADMIN_PASSWORD: 'after-env-password' });
    const starting = startAppliance(config, { log, hostname: '127.0.0.1', passwords, scryptN: 2 ** 14 });
    await up;
    const url = `http://127.0.0.1:${port}`;
    expect((await fetch(url + '/readyz')).status).toBe(200);
    expect((await postEvent(url, token, { kind: 'alert', title: 'raised while the password is checked' })).status).toBe(202);
    const stale = new ConsoleClient(url);
    stale.cookies.set('scn_session', cookie);
    let answered = false;
    const page = stale.get('/channels').then((p) => ((answered = true), p));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(answered).toBe(false);

    const appliance = await starting;
    release();
    try {
      await appliance.deps.consoleReady;
      expect((await page).location).toMatch(/^\/login/);
      expect(logs.some((l) => l.includes('ADMIN_PASSWORD replaced the stored admin password'))).toBe(true);
      await new ConsoleClient(url).signIn('after-env-password');
    } finally {
      await appliance.close();
    }
  }, 60_000);

  it('prints the one-time setup code even when LOG_LEVEL=error (without it nobody can create the admin password)', async () => {
    // No ADMIN_PASSWORD: the first visit needs the setup code printed to the log at start.
    const child = await spawnChild({ DATA_DIR: dir('setup-code-error-level'), LOG_LEVEL: 'error', ADMIN_PASSWORD: '' });
    try {
      await waitReady(child);
      const setup = await fetch(child.url + '/setup');
      expect(setup.status).toBe(200);
      expect(await setup.text()).toContain('Setup code');
      const out = child.output.join('');
      expect(out, `the appliance's whole output at LOG_LEVEL=error:\n${out}`).toMatch(/[2-9A-Z]{4}(-[2-9A-Z]{4}){4}/);
    } finally {
      child.process.kill('SIGTERM');
      await child.exited;
    }
  }, 40_000);

  it('reads the password from ADMIN_PASSWORD_FILE', async () => {
    const file = join(scratch, 'admin-password');
    writeFileSync(file, 'password-from-a-file\n', { mode: 0o600 });
    const app = await startTestAppliance({ wecomOrigin: NOWHERE, env: { ADMIN_PASSWORD_FILE: file } });
    try {
      await new ConsoleClient(app.url).signIn('password-from-a-file');
      expect(app.deps.setupCode).toBeUndefined();
    } finally {
      await app.stop();
    }
  });
});

describe('sessions and pages (ASVS 3.3, 8.2)', () => {
  it('a session ends 24 hours after sign-in however active it is', async () => {
    let offset = 0;
    const app = await startTestAppliance({ wecomOrigin: NOWHERE, env: { ADMIN_PASSWORD: 'absolute-lifetime' }, clock: { now: () => Date.now() + offset } });
    try {
      const c = new ConsoleClient(app.url);
      await c.signIn('absolute-lifetime');
      for (let h = 0; h < 23; h += 2) {
        offset = h * 3600_000;
        expect((await c.get('/channels')).status, `${h} h`).toBe(200);
      }
      offset = 24 * 3600_000 + 1000;
      expect((await c.get('/channels')).location).toMatch(/^\/login/);
    } finally {
      await app.stop();
    }
  });

  it('authenticated pages are never stored by a browser or proxy (Cache-Control: no-store); static files may be', async () => {
    const app = await startTestAppliance({ wecomOrigin: NOWHERE, env: { ADMIN_PASSWORD: 'no-store-password' } });
    try {
      const c = new ConsoleClient(app.url);
      await c.signIn('no-store-password');
      for (const path of ['/', '/channels', '/send-log', '/audit', '/settings', '/inbound', '/reports', '/notifications', '/troubleshooting', '/login', '/setup']) {
        expect((await c.get(path)).headers.get('cache-control'), path).toBe('no-store');
      }
      expect((await c.get('/static/app.css')).headers.get('cache-control')).toBe('public, max-age=3600');
    } finally {
      await app.stop();
    }
  });

  it('GET /static/__proto__ (and other Object.prototype names) is a plain 404 with no log line', async () => {
    const app = await startTestAppliance({ wecomOrigin: NOWHERE, env: { ADMIN_PASSWORD: 'static-lookups-pw' } });
    try {
      const before = app.logs.length;
      for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
        const res = await fetch(`${app.url}/static/${name}`);
        expect(res.status, name).toBe(404);
      }
      expect(app.logs.slice(before)).toEqual([]);
    } finally {
      await app.stop();
    }
  });
});

describe('data directory permissions', () => {
  it('the process runs with umask 077, so whatever else it creates (backups, temp files) is private too', async () => {
    const child = await startChild({ DATA_DIR: dir('umask') });
    try {
      expect(readFileSync(`/proc/${child.process.pid}/status`, 'utf8')).toMatch(/^Umask:\s+0077$/m);
    } finally {
      child.process.kill('SIGTERM');
      await child.exited;
    }
  }, 30_000);

  // The image runs as `node`; bind mounts and volumes are often root-owned. These run the appliance as nobody.
  const NOBODY = 65534;
  const asRoot = process.getuid?.() === 0;
  /** A fresh path under a directory the unprivileged user can reach. */
  const reachable = (name: string) => {
    const parent = join(scratch, 'reachable');
    mkdirSync(parent, { recursive: true });
    chmodSync(scratch, 0o711);
    chmodSync(parent, 0o755);
    return join(parent, name);
  };

  it.skipIf(!asRoot)('starts on a data directory its user can write through the group (root:node 0770), warning once instead of failing on chmod', async () => {
    const dataDir = reachable('group-writable');
    // The usual way to hand a root-owned bind mount to the container's user: group ownership and g+rwx.
    mkdirSync(dataDir);
    chownSync(dataDir, 0, NOBODY);
    chmodSync(dataDir, 0o770);
    const child = await spawnChild({ DATA_DIR: dataDir, ADMIN_PASSWORD: 'data-dir-modes' }, { uid: NOBODY, gid: NOBODY });
    try {
      await waitReady(child, 25_000);
      const lines = child.output.join('').split('\n').filter((l) => l.includes('not its to restrict'));
      expect(lines.map((l) => (JSON.parse(l) as { file: string; mode: string }).mode)).toEqual(['0770']);
      expect(statSync(join(dataDir, DB_FILE)).mode & 0o777).toBe(0o600);
    } finally {
      if (child.process.exitCode === null) child.process.kill('SIGTERM');
      await child.exited;
    }
  }, 40_000);

  it.skipIf(!asRoot)('a DATA_DIR its user cannot write stops the start with one line naming DATA_DIR, the uid and that it is not writable (not "EPERM … chmod")', async () => {
    // What Docker creates for a missing bind-mount source (`-v ./data:/data`): root:root 0755.
    const dataDir = reachable('root-owned');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    const child = await spawnChild({ DATA_DIR: dataDir, ADMIN_PASSWORD: 'data-dir-modes' }, { uid: NOBODY, gid: NOBODY });
    expect(await child.exited).toBe(1);
    const lines = child.output.join('').split('\n').filter((l) => l.trim() !== '');
    expect(lines, lines.join('\n')).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`DATA_DIR ${dataDir} is not writable by this user \\(uid ${NOBODY}`));
    expect(lines[0]).not.toMatch(/chmod '/);
  }, 40_000);

  it('creates the data directory 0700 and the database files 0600, and corrects those of an older data directory', async () => {
    const fresh = await startTestAppliance({ wecomOrigin: NOWHERE, dataDir: dir('modes-fresh'), env: { ADMIN_PASSWORD: 'data-dir-modes' } });
    try {
      expect(statSync(fresh.dataDir).mode & 0o777).toBe(0o700);
      for (const f of [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`, 'secret.key']) expect(statSync(join(fresh.dataDir, f)).mode & 0o777, f).toBe(0o600);
    } finally {
      await fresh.stop();
    }
    const old = dir('modes-old');
    mkdirSync(old, { mode: 0o755 });
    chmodSync(old, 0o755);
    closeSync(openSync(join(old, DB_FILE), 'w', 0o644));
    chmodSync(join(old, DB_FILE), 0o644);
    // A data key left readable by others (copied in by hand, restored from a backup) is corrected too (issue 20).
    writeFileSync(join(old, 'secret.key'), randomBytes(32).toString('base64') + '\n', { mode: 0o644 });
    chmodSync(join(old, 'secret.key'), 0o644);
    const upgraded = await startTestAppliance({ wecomOrigin: NOWHERE, dataDir: old, env: { ADMIN_PASSWORD: 'data-dir-modes' } });
    try {
      expect(statSync(old).mode & 0o777).toBe(0o700);
      for (const f of [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`, 'secret.key']) expect(statSync(join(old, f)).mode & 0o777, f).toBe(0o600);
      const corrected = upgraded.logs.filter((l) => l.includes('corrected the permissions')).map((l) => JSON.parse(l) as { file: string; was: string });
      expect(corrected.map((l) => [l.file.slice(old.length + 1) || '.', l.was]).sort()).toEqual([['.', '0755'], [DB_FILE, '0644'], ['secret.key', '0644']]);
    } finally {
      await upgraded.stop();
    }
  });
});
