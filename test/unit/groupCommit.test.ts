import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCheckpointer } from '../../db/checkpointer.ts';
import { closeDatabase, openDatabase, type Db } from '../../db/client.ts';
import { getEvent } from '../../server/delivery/store.ts';
import { createGroupCommit } from '../../server/delivery/groupCommit.ts';
import { parseEvent, type InboundEvent } from '../../server/events/schema.ts';
import { createSettingsStore } from '../../server/settings/settingsStore.ts';

const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) closeDatabase(db);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'group-commit-'));
  dirs.push(dir);
  const file = join(dir, 'notifier.db');
  const db = openDatabase(file);
  dbs.push(db);
  const clock = { now: () => Date.now() };
  // Product defaults: dedupe window 10 minutes.
  const settings = createSettingsStore(db, clock, { timeZone: 'Asia/Shanghai' });
  return { db, file, deps: { db, clock, settings } };
}

function event(body: Record<string, unknown>): InboundEvent {
  const r = parseEvent({ kind: 'alert', category: 'inventory', severity: 'warning', ...body });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.event;
}

const meta = { source: 'api' as const, tokenId: null };
const count = (db: Db) => (db.$client.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;

describe('group commit of inbound requests', () => {
  it('stores requests of one tick in one transaction, in order: idempotency and dedupe see earlier ones', async () => {
    const { db, deps } = setup();
    const intake = createGroupCommit(deps);
    const [a, b, c, d, e] = await Promise.all([
      intake.submit([event({ title: 'first', idempotency_key: 'order-42' })], meta),
      intake.submit([event({ title: 'retry of first', idempotency_key: 'order-42' })], meta),
      intake.submit([event({ title: 'SKU-1 low', store: 'Shop A' })], meta),
      intake.submit([event({ title: 'SKU-1 low', store: 'Shop A' })], meta),
      intake.submit([event({ title: 'SKU-2 low', store: 'Shop A' })], meta),
    ]);
    expect(a).toEqual([{ id: expect.any(Number), status: 'queued', repeated: false }]);
    expect(b).toEqual([{ id: a![0]!.id, status: 'queued', repeated: true }]);
    expect(c![0]).toMatchObject({ status: 'queued', repeated: false });
    expect(d![0]).toMatchObject({ status: 'suppressed', repeated: false });
    expect(getEvent(db, d![0]!.id)).toMatchObject({ reason: 'duplicate', duplicateOf: c![0]!.id });
    expect(getEvent(db, c![0]!.id)?.repeatCount).toBe(2);
    expect(e![0]).toMatchObject({ status: 'queued' });
    expect(count(db)).toBe(4);
  });

  it('an idempotency key is each token\'s own, also between requests of one batch', async () => {
    const { db, deps } = setup();
    const intake = createGroupCommit(deps);
    const [a, b, c] = await Promise.all([
      intake.submit([event({ title: 'from storeclaw', idempotency_key: 'job-7' })], { source: 'api', tokenId: 1 }),
      intake.submit([event({ title: 'from a script', idempotency_key: 'job-7' })], { source: 'api', tokenId: 2 }),
      intake.submit([event({ title: 'storeclaw retrying', idempotency_key: 'job-7' })], { source: 'api', tokenId: 1 }),
    ]);
    expect(a![0]).toMatchObject({ repeated: false });
    expect(b![0]).toMatchObject({ repeated: false });
    expect(b![0]!.id).not.toBe(a![0]!.id);
    expect(c).toEqual([{ id: a![0]!.id, status: a![0]!.status, repeated: true }]);
    expect(count(db)).toBe(2);
  });

  it('a request that fails is refused alone; the others of its batch are committed', async () => {
    const { db, deps } = setup();
    const intake = createGroupCommit(deps);
    // A NOT NULL column left empty: this request's insert fails inside the shared transaction.
    const poison = { ...event({ title: 'poison' }), title: null } as unknown as InboundEvent;
    const results = await Promise.allSettled([
      intake.submit([event({ title: 'before' })], meta),
      intake.submit([event({ title: 'ok in same request' }), poison], meta),
      intake.submit([event({ title: 'after' })], meta),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const stored = db.$client.prepare('SELECT title FROM events ORDER BY id').pluck().all();
    // The failing request's first event went with it: a request is all or nothing.
    expect(stored).toEqual(['before', 'after']);
  });

  it('answers a lone request without waiting for company', async () => {
    const { db, deps } = setup();
    const intake = createGroupCommit(deps);
    const started = performance.now();
    const [accepted] = await intake.submit([event({ title: 'alone' })], meta);
    expect(performance.now() - started).toBeLessThan(200);
    expect(getEvent(db, accepted!.id)?.title).toBe('alone');
  });
});

describe('checkpointer', () => {
  it('starts a checkpoint thread when many rows are committed, and stops it on close', async () => {
    const { db, file, deps } = setup();
    const checkpointer = createCheckpointer(db, file, { busyRowsPerSecond: 5, idleStopMs: 60_000, everyMs: 20, busyAutocheckpointPages: 4_000 });
    const intake = createGroupCommit(deps);
    for (let i = 0; i < 10; i++) await intake.submit([event({ title: `burst ${i}` })], meta);
    expect(checkpointer.active()).toBe(true);
    expect(db.$client.pragma('wal_autocheckpoint', { simple: true })).toBe(4_000);
    await new Promise((r) => setTimeout(r, 100));
    await checkpointer.close();
    expect(checkpointer.active()).toBe(false);
    expect(db.$client.pragma('wal_autocheckpoint', { simple: true })).toBe(1_000);
    expect(count(db)).toBe(10);
  });
});
