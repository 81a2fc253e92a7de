import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEvent } from '../../server/delivery/store.ts';
import { CATEGORIES } from '../../server/events/schema.ts';
import { startFakeWecom } from '../fakeWecom.ts';
import { outcomes, maxInAnyWindow, pool } from '../helpers/accounting.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { readOnlyDb, seedDataDir, startChild, type Child } from '../helpers/childAppliance.ts';

const KEY = '9d0e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a';
const WINDOW_MS = 2_000;

describe('crash: SIGKILL mid-storm, restart on the same data dir', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'notifier-crash-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('loses no accepted event', async () => {
    const fake = await startFakeWecom({ keys: [KEY], windowMs: WINDOW_MS });
    const { token } = seedDataDir(dataDir, { key: KEY });
    const env = { DATA_DIR: dataDir, WECOM_API_ORIGIN: fake.origin, WECOM_RATE_WINDOW_MS: String(WINDOW_MS) };
    const accepted = new Set<number>();
    const titles = Array.from({ length: 800 }, (_, i) => `crash alert #${i}`);
    const body = (i: number) => ({ kind: 'alert', category: CATEGORIES[i % CATEGORIES.length], severity: i % 50 === 0 ? 'critical' : 'warning', title: titles[i]! });

    let child: Child = await startChild(env);
    let killed = false;
    await pool(titles.slice(0, 400), 16, async (_t, i) => {
      if (killed) return;
      try {
        const res = await postEvent(child.url, token, body(i));
        if (res.status === 202) accepted.add(res.json.id as number);
      } catch {
        // Requests cut off by the kill were never answered 202: not accepted, nothing promised.
      }
      if (i === 250 && !killed) {
        killed = true;
        child.process.kill('SIGKILL');
      }
    });
    await child.exited;
    expect(accepted.size).toBeGreaterThan(200);

    child = await startChild(env);
    await pool(titles.slice(400), 16, async (_t, j) => {
      const res = await postEvent(child.url, token, body(400 + j));
      expect(res.status).toBe(202);
      accepted.add(res.json.id as number);
    });

    const db = readOnlyDb(dataDir);
    try {
      const settled = await waitFor(() => outcomes(db).pending === 0, 60_000, 200);
      const o = outcomes(db);
      expect(settled, JSON.stringify(o)).toBe(true);
      const missing = [...accepted].filter((id) => !getEvent(db, id));
      expect(missing).toEqual([]);
      expect(o.dead).toBe(0);
      for (const id of accepted) expect(['sent', 'digested', 'suppressed']).toContain(getEvent(db, id)!.status);
      const seen = new Map<string, number>();
      for (const m of fake.receivedFor(KEY)) {
        // Count messages that carry exactly one alert; a digest lists several.
        const found = JSON.stringify(m.body).match(/crash alert #\d+/g) ?? [];
        const t = found[0];
        if (t && found.length === 1) seen.set(t, (seen.get(t) ?? 0) + 1);
      }
      const duplicates = [...seen.values()].filter((n) => n > 1).length;
      // At-least-once: only a message in flight at the kill may arrive twice.
      expect(duplicates).toBeLessThanOrEqual(1);
      expect(fake.rateLimitedCount()).toBe(0);
      expect(maxInAnyWindow(fake.receivedFor(KEY), WINDOW_MS)).toBeLessThanOrEqual(20);
      console.log(`crash test: accepted ${accepted.size}, kills 1, lost ${missing.length}, duplicates ${duplicates}, outcomes ${JSON.stringify(o)}`);
    } finally {
      db.$client.close();
      child.process.kill('SIGTERM');
      await child.exited;
      await fake.close();
    }
  }, 120_000);
});
