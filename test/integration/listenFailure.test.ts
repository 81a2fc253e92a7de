import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDataDir, spawnChild, waitReady } from '../helpers/childAppliance.ts';
import { databaseBefore } from '../helpers/migrationsBefore.ts';
import { journal } from '../helpers/schemaVersions.ts';

/** What an operator sees when the appliance cannot listen: one line naming the port (or HOST) and what to set, no stack. */
describe('a port in use or an address not on this machine', () => {
  let busy: Server;
  let port: number;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'notifier-listen-'));
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    port = (busy.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => busy.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function startFails(env: Record<string, string>): Promise<string[]> {
    const child = await spawnChild({ DATA_DIR: dataDir, ADMIN_PASSWORD: 'listen-test-password', HOST: '127.0.0.1', ...env });
    expect(await child.exited).toBe(1);
    return child.output.join('').split('\n').filter((l) => l.trim() !== '');
  }

  it('EADDRINUSE: exit 1 with one line naming the port and PORT', async () => {
    const lines = await startFails({ PORT: String(port) });
    expect(lines).toEqual([`Failed to start: port ${port} is already in use (EADDRINUSE on 127.0.0.1): stop the program using it, or set PORT to a free port (e.g. PORT=${port + 1})`]);
  }, 30_000);

  it('EADDRNOTAVAIL: exit 1 with one line naming HOST', async () => {
    // 192.0.2.1 is TEST-NET-1: never an address of this machine.
    const lines = await startFails({ HOST: '192.0.2.1' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Failed to start: HOST 192\.0\.2\.1 is not an address of this machine \(EADDRNOTAVAIL\): set HOST to 0\.0\.0\.0/);
  }, 30_000);
});

/** The port is taken because the appliance already runs there: its database must stay its own. */
describe('an appliance already running on this DATA_DIR', () => {
  it('an upgrade started while the previous version still runs (port taken) does not migrate its database', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'notifier-upgrade-busy-'));
    // The previous version (one migration less) runs: it holds its database open (WAL) and the port.
    const { sqlite } = databaseBefore(journal.entries.at(-1)!.tag, dataDir);
    sqlite.pragma('journal_mode = WAL');
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    const applied = () => (sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n;
    try {
      expect(applied()).toBe(journal.entries.length - 1);
      // `git pull && npm start` in another terminal: this version, same DATA_DIR, same PORT.
      const upgrade = await spawnChild({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', ADMIN_PASSWORD: 'listen-test-password' });
      expect(await upgrade.exited).toBe(1);
      const line = upgrade.output.join('').trim();
      expect(line).toMatch(/already in use/);
      // It did not start; the running appliance's database must be as it was.
      expect({ applied: applied(), copies: readdirSync(dataDir).filter((f) => f.startsWith('notifier-pre-')) }, line).toEqual({ applied: journal.entries.length - 1, copies: [] });
    } finally {
      sqlite.close();
      await new Promise((r) => busy.close(r));
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a second appliance on another PORT is refused with one line; the first keeps its database; after a SIGKILL the next start runs', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'notifier-second-'));
    const { token } = seedDataDir(dataDir, { key: 'k'.repeat(20) });
    const env = { DATA_DIR: dataDir, HOST: '127.0.0.1', ADMIN_PASSWORD: 'listen-test-password' };
    const post = (url: string, title: string) =>
      fetch(`${url}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'alert', category: 'orders', title }) });
    const first = await spawnChild(env);
    try {
      await waitReady(first);
      const second = await spawnChild(env);
      expect(await second.exited).toBe(1);
      expect(second.output.join('').trim()).toBe(
        `DATA_DIR ${dataDir} is in use by another running appliance (it holds notifier.lock): stop that one first, or give this one its own DATA_DIR. Nothing was changed.`,
      );
      expect((await post(first.url, 'still the only one')).status).toBe(202);
      // The kernel drops the lock with the process: a restart after a crash is not refused.
      first.process.kill('SIGKILL');
      await first.exited;
      const next = await spawnChild(env);
      try {
        await waitReady(next);
        expect((await post(next.url, 'after the crash')).status).toBe(202);
      } finally {
        next.process.kill('SIGTERM');
        expect(await next.exited).toBe(0);
      }
    } finally {
      first.process.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
