import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DB_FILE } from '../../server/appliance.ts';
import { backupDatabase } from '../../server/backup.ts';
import { copyToPrivateFile } from '../../server/dataDir.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom } from '../fakeWecom.ts';
import { pool } from '../helpers/accounting.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { CHILD_SECRET_KEY, seedDataDir, startChild } from '../helpers/childAppliance.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.ts';
import { sleep } from '../helpers/random.ts';
import { runScript } from '../helpers/scriptRun.ts';
import { startTestAppliance } from '../helpers/testAppliance.ts';

const KEY = 'a0b1c2d3-e4f5-4a6b-9c7d-8e9f0a1b2c3d';
const URL_ = `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`;
const PASSWORD = 'backup-test-pass';
const WINDOW_MS = 2_000;
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

const scratch = mkdtempSync(join(tmpdir(), 'notifier-backup-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A backup is a whole database on its own: valid, consistent, the key only encrypted. */
function checkBackup(file: string): { events: number; deliveries: number } {
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 16).equals(SQLITE_MAGIC)).toBe(true);
  expect(bytes.includes(Buffer.from(KEY))).toBe(false);
  expect(bytes.includes(Buffer.from(URL_))).toBe(false);
  const db = new Database(file, { readonly: true });
  try {
    expect(db.pragma('quick_check', { simple: true })).toBe('ok');
    const channel = db.prepare('select key_ciphertext, key_last4, status from channel').get() as { key_ciphertext: string; key_last4: string; status: string };
    expect(channel.key_ciphertext).toMatch(/^v1:/);
    expect(channel.key_last4).toBe(KEY.slice(-4));
    // Consistent: no event without its outbox rows, no row without its event.
    expect(db.prepare("select count(*) as n from events e where e.status = 'queued' and not exists (select 1 from deliveries d where d.event_id = e.id)").get()).toEqual({ n: 0 });
    expect(db.prepare('select count(*) as n from deliveries d where d.event_id is not null and not exists (select 1 from events e where e.id = d.event_id)').get()).toEqual({ n: 0 });
    return {
      events: (db.prepare('select count(*) as n from events').get() as { n: number }).n,
      deliveries: (db.prepare('select count(*) as n from deliveries').get() as { n: number }).n,
    };
  } finally {
    db.close();
  }
}

const runCli = (args: string[], env: Record<string, string>) => runScript('server/backupCli.ts', args, env);

describe('backup from the console', () => {
  it('downloads a consistent copy while events keep arriving; the key stays encrypted; nothing left in tmp', async () => {
    const fake = await startFakeWecom({ keys: [KEY] });
    const app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD } });
    try {
      const c = new ConsoleClient(app.url);
      await c.signIn(PASSWORD);
      expect((await c.postForm('/channels/wecom/connect', { url: URL_ })).status).toBe(303);
      const token = issueApiToken(app.deps, { name: 'backup', requireSignature: false, now: Date.now() }).token;

      const page = await c.get('/backup');
      expect(page.status).toBe(200);
      expect(page.body).toMatch(/<button type="submit">Download backup<\/button>/);
      expect(page.body).toContain('action="/backup/download"');
      expect(textOf(page.body)).toContain('secret.key');
      const zh = await c.get('/backup', { 'accept-language': 'zh-CN' });
      expect(textOf(zh.body)).toContain('下载备份');

      // No CSRF token, no download.
      const csrf = c.csrf;
      c.csrf = undefined;
      expect((await c.postForm('/backup/download')).status).toBe(403);
      c.csrf = csrf;

      const tmpBefore = readdirSync(tmpdir()).filter((f) => f.startsWith('notifier-backup-')).length;
      let stop = false;
      let posted = 0;
      const load = (async () => {
        while (!stop) {
          const r = await postEvent(app.url, token, { kind: 'alert', category: 'orders', title: `during backup #${posted++}`, summary: 'y'.repeat(1500) });
          expect(r.status).toBe(202);
        }
      })();
      await waitFor(() => posted > 50, 10_000, 5);
      const res = await fetch(app.url + '/backup/download', {
        method: 'POST',
        headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '), origin: app.url, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: c.csrf! }).toString(),
      });
      stop = true;
      await load;
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/vnd.sqlite3');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="notifier-backup-\d{8}-\d{6}\.db"$/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const file = join(scratch, 'console.db');
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      expect(statSync(file).size).toBe(Number(res.headers.get('content-length')));
      const counts = checkBackup(file);
      expect(counts.events).toBeGreaterThan(50);
      expect(counts.events).toBeLessThanOrEqual(posted);
      expect(readdirSync(tmpdir()).filter((f) => f.startsWith('notifier-backup-')).length).toBe(tmpBefore);
      const audit = app.deps.db.$client.prepare("select count(*) as n from audit_log where action = 'backup.download'").get() as { n: number };
      expect(audit.n).toBe(1);
      expect((await c.get('/audit')).body).toContain('downloaded a backup');
      console.log(`backup (console): ${statSync(file).size} bytes, ${counts.events} events while ${posted} were posted during the download`);
    } finally {
      await app.stop();
      await fake.close();
    }
  }, 40_000);
});

describe('backup from the CLI and restore', () => {
  // Three child appliances; two hash ADMIN_PASSWORD and check it at sign-in at the production scrypt cost (2^17).
  it('backs up a running appliance, and a fresh data dir restored from it is still connected and sends', async () => {
    const fake = await startFakeWecom({ keys: [KEY], windowMs: WINDOW_MS });
    const source = join(scratch, 'source');
    mkdirSync(source);
    const { token } = seedDataDir(source, { key: KEY });
    const child = await startChild({ DATA_DIR: source, WECOM_API_ORIGIN: fake.origin, WECOM_RATE_WINDOW_MS: String(WINDOW_MS) });
    const out = join(scratch, 'cli.db');
    try {
      // Usage and a wrong DATA_DIR fail with one clear line.
      const [usage, missing, self] = await Promise.all([
        runCli([], { DATA_DIR: source }),
        runCli([out], { DATA_DIR: join(scratch, 'nowhere') }),
        runCli([join(source, DB_FILE)], { DATA_DIR: source }),
      ]);
      expect(usage.status).toBe(2);
      expect(usage.stderr).toContain('Usage: npm run backup -- <out-file');
      expect(missing.status).toBe(1);
      expect(missing.stderr).toMatch(/^No database at .*: set DATA_DIR/);
      expect(self.status).toBe(1);
      expect(self.stderr).toContain('must not overwrite the live database');

      let posted = 0;
      await pool(Array.from({ length: 60 }), 8, async () => {
        const r = await postEvent(child.url, token, { kind: 'alert', category: 'inventory', title: `before cli backup #${posted++}` });
        expect(r.status).toBe(202);
      });
      // Taken while the appliance keeps running and receiving.
      let stop = false;
      const load = (async () => {
        while (!stop) {
          await postEvent(child.url, token, { kind: 'alert', category: 'store', title: `during cli backup #${posted++}` });
          await sleep(15);
        }
      })();
      const run = await runCli([out], { DATA_DIR: source });
      stop = true;
      await load;
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^Backup written: .*cli\.db \(\d+ bytes, \d+ pages\)\./);
      expect(run.stdout).toContain('secret.key');
      expect((statSync(out).mode & 0o777).toString(8)).toBe('600');
      const counts = checkBackup(out);
      expect(counts.events).toBeGreaterThanOrEqual(60);
      expect(readdirSync(scratch).filter((f) => f.includes('.partial'))).toEqual([]);
      // A directory as the target gets a dated file name.
      const dir = join(scratch, 'backups');
      mkdirSync(dir);
      expect((await runCli([dir], { DATA_DIR: source })).status).toBe(0);
      expect(readdirSync(dir)).toEqual([expect.stringMatching(/^notifier-backup-\d{8}-\d{6}\.db$/)]);
      console.log(`backup (CLI): ${statSync(out).size} bytes, ${counts.events} events, while the appliance took ${posted} events`);
    } finally {
      child.process.kill('SIGTERM');
      await child.exited;
    }
    // The source kept sending after the snapshot; the restored appliance cannot know those sends, but the fake
    // counts them, so let the fake's window pass before the restored one tests the bot.
    await sleep(WINDOW_MS);

    // Restore as the README says: a fresh data dir, notifier.db replaced by the backup, same SECRET_KEY.
    const restored = join(scratch, 'restored');
    mkdirSync(restored);
    copyFileSync(out, join(restored, DB_FILE));
    const back = await startChild({ DATA_DIR: restored, WECOM_API_ORIGIN: fake.origin, WECOM_RATE_WINDOW_MS: String(WINDOW_MS), ADMIN_PASSWORD: PASSWORD, SECRET_KEY: CHILD_SECRET_KEY });
    try {
      const c = new ConsoleClient(back.url);
      await c.signIn(PASSWORD);
      const card = textOf((await c.get('/channels')).body);
      expect(card).toContain(`key=****${KEY.slice(-4)}`);
      const before = fake.receivedFor(KEY).length;
      // The restored worker sends what the backup had queued; a test waits for room in the rate window (429).
      // With htmx the card answers in place, its status code saying whether the window had room.
      const htmx = { 'hx-request': 'true' };
      let test = await c.postForm('/channels/wecom/test', {}, htmx);
      for (let i = 0; i < 50 && test.status === 429; i++) test = (await sleep(200), await c.postForm('/channels/wecom/test', {}, htmx));
      expect(test.status).toBe(200);
      expect(textOf(test.body)).toContain('Test notification sent to the group.');
      expect(fake.receivedFor(KEY).slice(before).filter((m) => JSON.stringify(m.body).includes('Test notification from StoreClaw'))).toHaveLength(1);
      // The restored token still works, and events keep flowing to the group.
      const r = await postEvent(back.url, token, { kind: 'alert', category: 'orders', severity: 'critical', title: 'after restore' });
      expect(r.status).toBe(202);
      expect(await waitFor(() => fake.receivedFor(KEY).some((m) => JSON.stringify(m.body).includes('after restore')), 10_000)).toBe(true);
    } finally {
      back.process.kill('SIGTERM');
      expect(await back.exited).toBe(0);
    }

    // Restored without the data key: the appliance runs, says nothing can be sent, and takes the URL again.
    const lost = join(scratch, 'without-key');
    mkdirSync(lost);
    copyFileSync(out, join(lost, DB_FILE));
    const other = await startChild({ DATA_DIR: lost, WECOM_API_ORIGIN: fake.origin, WECOM_RATE_WINDOW_MS: String(WINDOW_MS), ADMIN_PASSWORD: PASSWORD, SECRET_KEY: 'd'.repeat(64) });
    try {
      const c = new ConsoleClient(other.url);
      await c.signIn(PASSWORD);
      const test = await c.postForm('/channels/wecom/test');
      expect(test.status).toBe(422);
      await sleep(WINDOW_MS);
      expect((await c.postForm('/channels/wecom/connect', { url: URL_ })).status).toBe(303);
      // Pasted again, the key is sealed with this data key: whatever the backup had queued goes out.
      const scrape = async () => parsePrometheus(await (await fetch(other.url + '/metrics')).text());
      const sent = async () => sampleValue(await scrape(), 'notifier_deliveries', { status: 'sent' });
      const copy = new Database(out, { readonly: true });
      const backlog = copy.prepare("select count(*) as n from deliveries where status in ('queued', 'sending')").get() as { n: number };
      const sentInBackup = (copy.prepare("select count(*) as n from deliveries where status = 'sent'").get() as { n: number }).n;
      copy.close();
      // The connect test, plus (when the backup had a queue) at least one message or digest from it.
      const wanted = sentInBackup + 1 + (backlog.n > 0 ? 1 : 0);
      let now = await sent();
      for (let i = 0; i < 150 && now < wanted; i++) now = (await sleep(100), await sent());
      expect(now, `backlog of ${backlog.n} from the backup`).toBeGreaterThanOrEqual(wanted);
      expect(sampleValue(await scrape(), 'notifier_channel_state', { state: 'connected' })).toBe(1);
      expect(other.output.join('')).toContain('cannot be decrypted with this data key');
    } finally {
      other.process.kill('SIGTERM');
      await other.exited;
      await fake.close();
    }
  }, 180_000);
});

describe('backup file permissions', () => {
  it('the copy being written next to the output is never group/world-readable', async () => {
    const dir = mkdtempSync(join(scratch, 'modes-'));
    const src = new Database(join(dir, 'notifier.db'));
    src.pragma('journal_mode = WAL');
    src.exec('CREATE TABLE secrets (id INTEGER PRIMARY KEY, v TEXT)');
    const ins = src.prepare('INSERT INTO secrets (v) VALUES (?)');
    src.transaction(() => {
      for (let i = 0; i < 2000; i++) ins.run('x'.repeat(2000));
    })();
    const outDir = join(dir, 'backups');
    mkdirSync(outDir, { mode: 0o755 });
    const seen = new Map<string, number>();
    let polling = true;
    // Stops once the backup is through: a poll still scheduled then must not read a directory the
    // suite's cleanup has removed.
    const poll = () => {
      if (!polling) return;
      for (const f of readdirSync(outDir)) {
        try {
          seen.set(f, Math.max(seen.get(f) ?? 0, statSync(join(outDir, f)).mode & 0o777));
        } catch {
          /* gone */
        }
      }
      setImmediate(poll);
    };
    setImmediate(poll);
    await backupDatabase(src, join(outDir, 'out.db'), { pagesPerStep: 1 });
    polling = false;
    src.close();
    const partial = [...seen].filter(([f]) => f.endsWith('.partial'));
    expect(partial.length, 'the poller saw the partial copy').toBeGreaterThan(0);
    expect(partial.map(([f, mode]) => `${f} ${mode.toString(8)}`).filter((s) => !s.endsWith(' 600'))).toEqual([]);
  }, 60_000);

  it('the restore CLI stages a world-readable backup as a 0600 copy with the same bytes', () => {
    const dir = mkdtempSync(join(scratch, 'stage-'));
    const from = join(dir, 'download.db');
    writeFileSync(from, Buffer.alloc(3 << 20, 7), { mode: 0o644 });
    const to = join(dir, '.restore.partial');
    copyToPrivateFile(from, to);
    expect(statSync(to).mode & 0o777).toBe(0o600);
    expect(readFileSync(to).equals(readFileSync(from))).toBe(true);
    expect(() => copyToPrivateFile(from, to)).toThrow(/EEXIST/);
  });
});
