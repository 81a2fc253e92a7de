import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { closeDatabase, openDatabase } from '../../db/client.ts';
import { STORED_COUNT_SQL } from '../../db/queries/metrics.ts';
import { cachedLoad } from '../../server/metrics/cachedLoad.ts';
import { createStoredCounts } from '../../server/metrics/storedCounts.ts';

const scratch = mkdtempSync(join(tmpdir(), 'metrics-counts-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('cachedLoad: concurrent scrapes collapse, results are reused for the TTL', () => {
  it('runs one load for many concurrent callers, reuses it within the TTL, and loads again after', async () => {
    let now = 0;
    const loads: Array<ReturnType<typeof deferred<number>>> = [];
    const cache = cachedLoad({ clock: { now: () => now }, ttlMs: 5_000, load: () => (loads.push(deferred<number>()), loads.at(-1)!.promise) });
    const eight = Array.from({ length: 8 }, () => cache.get());
    expect(loads).toHaveLength(1);
    loads[0]!.resolve(42);
    expect(await Promise.all(eight)).toEqual(Array(8).fill(42));
    now = 4_999;
    expect(await cache.get()).toBe(42);
    expect(loads).toHaveLength(1);
    now = 5_000;
    const next = cache.get();
    expect(loads).toHaveLength(2);
    loads[1]!.resolve(43);
    expect(await next).toBe(43);
  });

  it('metrics frozen by a backward clock step: a load stamped after now is not reused', async () => {
    let now = 600_000;
    let loads = 0;
    const cache = cachedLoad({ clock: { now: () => now }, ttlMs: 5_000, load: async () => ++loads });
    expect(await cache.get()).toBe(1);
    now = 0;
    expect(await cache.get()).toBe(2);
  });

  it('keeps no failed load: the next caller tries again', async () => {
    const loads: Array<ReturnType<typeof deferred<number>>> = [];
    const cache = cachedLoad({ clock: { now: () => 0 }, ttlMs: 5_000, load: () => (loads.push(deferred<number>()), loads.at(-1)!.promise) });
    const failing = cache.get();
    loads[0]!.reject(new Error('busy'));
    await expect(failing).rejects.toThrow('busy');
    const retry = cache.get();
    expect(loads).toHaveLength(2);
    loads[1]!.resolve(1);
    expect(await retry).toBe(1);
  });
});

describe('stored counts', () => {
  it('counts events by kind and outcome from their index, in its order, not the table', () => {
    const db = openDatabase(join(scratch, 'plan.db'));
    try {
      const plan = db.$client.prepare(`explain query plan ${STORED_COUNT_SQL.events}`).all() as Array<{ detail: string }>;
      expect(plan.map((p) => p.detail)).toEqual(['SCAN events USING INDEX events_kind_outcome_idx']);
    } finally {
      closeDatabase(db);
    }
  });

  it('reads them on a worker thread: the main connection is never asked', async () => {
    const file = join(scratch, 'worker.db');
    const db = openDatabase(file);
    const insert = db.$client.prepare("insert into events (received_at, source, kind, category, severity, title, payload, status) values (0, 'api', ?, 'orders', 'info', 't', '{}', ?)");
    for (const [kind, status, n] of [['alert', 'sent', 3], ['metric', 'stored', 2]] as const) for (let i = 0; i < n; i++) insert.run(kind, status);
    const refusing = { prepare: () => { throw new Error('the main connection was used'); } } as unknown as Database.Database;
    const counts = createStoredCounts({ file, sqlite: refusing, clock: { now: () => 0 }, ttlMs: 0 });
    try {
      const rows = await counts.get();
      expect(rows.events.sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
        { kind: 'alert', status: 'sent', n: 3 },
        { kind: 'metric', status: 'stored', n: 2 },
      ]);
      expect(rows.deliveries).toEqual([]);
      insert.run('alert', 'sent');
      expect((await counts.get()).events.find((r) => r.kind === 'alert')?.n).toBe(4);
    } finally {
      await counts.close();
      closeDatabase(db);
    }
  });
});
