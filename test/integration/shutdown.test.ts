import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DB_FILE } from '../../server/appliance.ts';
import { startFakeWecom } from '../fakeWecom.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { seedDataDir, startChild } from '../helpers/childAppliance.ts';

const KEY = '9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d';

describe('graceful shutdown on SIGTERM (child process)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'notifier-sigterm-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stops intake, finishes and records the send in flight, checkpoints and closes the database, exits 0', async () => {
    const fake = await startFakeWecom({ keys: [KEY] });
    try {
      const { token } = seedDataDir(dataDir, { key: KEY });
      const child = await startChild({ DATA_DIR: dataDir, WECOM_API_ORIGIN: fake.origin, LOG_LEVEL: 'info' });
      // WeCom takes 1.5 s to answer this one: SIGTERM arrives while it is on the wire.
      fake.setFailure('slow', { delayMs: 1_500, times: 1 });
      const title = 'in flight at SIGTERM';
      const res = await postEvent(child.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title });
      expect(res.status).toBe(202);
      expect(await waitFor(() => fake.inFlight() > 0, 5_000, 2)).toBe(true);
      const t0 = Date.now();
      child.process.kill('SIGTERM');
      // Intake stops at once: new connections are refused while the send is still on the wire.
      let refused = false;
      for (let i = 0; i < 40 && !refused && fake.inFlight() > 0; i++) {
        refused = await fetch(child.url + '/healthz').then(
          () => false,
          () => true,
        );
        if (!refused) await new Promise((r) => setTimeout(r, 25));
      }
      expect(refused).toBe(true);
      const code = await child.exited;
      const tookMs = Date.now() - t0;
      expect(code, child.output.join('')).toBe(0);
      expect(tookMs).toBeGreaterThan(1_000); // it waited for WeCom's answer
      expect(fake.receivedFor(KEY).filter((m) => JSON.stringify(m.body).includes(title))).toHaveLength(1);

      // Closed cleanly: WAL checkpointed into the main file, no -wal left to replay.
      const wal = join(dataDir, DB_FILE + '-wal');
      expect(!existsSync(wal) || statSync(wal).size === 0).toBe(true);
      const db = new Database(join(dataDir, DB_FILE), { readonly: true });
      try {
        const delivery = db.prepare('select status, errcode from deliveries where title = ?').get(title) as { status: string; errcode: number };
        expect(delivery).toEqual({ status: 'sent', errcode: 0 });
        expect((db.prepare('select status from events where title = ?').get(title) as { status: string }).status).toBe('sent');
        expect(db.pragma('quick_check', { simple: true })).toBe('ok');
      } finally {
        db.close();
      }
      const lines = child.output.join('').split('\n').filter(Boolean);
      expect(lines.some((l) => l.includes('"shutting down"') && l.includes('SIGTERM'))).toBe(true);
      expect(lines.some((l) => l.includes('"stopped"'))).toBe(true);
      console.log(`shutdown: SIGTERM during a 1.5 s send → exit ${code} after ${tookMs} ms, delivery sent, -wal ${existsSync(wal) ? `${statSync(wal).size} bytes` : 'removed'}`);
    } finally {
      await fake.close();
    }
  }, 30_000);
});
