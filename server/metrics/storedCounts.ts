// The table-sized counts of /metrics, read on a worker thread.
//
// Counting a million events by kind and status takes a quarter of a second even on a covering
// index; on the one Node thread that would stall /healthz and intake for every scrape. A worker
// thread with its own read-only connection runs the queries; the results are cached for a few
// seconds and concurrent scrapes share one read (cachedLoad.ts).
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { readStoredCounts, STORED_COUNT_SQL, type StoredCountRows } from '../../db/queries/metrics.ts';
import type { Clock } from '../clock.ts';
import { cachedLoad } from './cachedLoad.ts';

export const STORED_COUNTS_TTL_MS = 5_000;

export interface StoredCounts {
  get(): Promise<StoredCountRows>;
  close(): Promise<void>;
}

// Plain CommonJS: the thread must not load the TypeScript loader.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const queries = Object.entries(workerData.queries).map(([name, sql]) => [name, db.prepare(sql)]);
parentPort.on('message', (id) => {
  if (id === 'stop') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    parentPort.postMessage({ id, rows: Object.fromEntries(queries.map(([name, q]) => [name, q.all()])) });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message) });
  }
});
`;

/** Started on the first scrape; when no thread can start, the counts are read on the main connection. */
export function createStoredCounts(opts: { file: string; sqlite: Database.Database; clock: Clock; ttlMs?: number }): StoredCounts {
  let worker: Worker | undefined;
  let failed = false;
  let nextId = 0;
  const waiting = new Map<number, { resolve: (rows: StoredCountRows) => void; reject: (err: Error) => void }>();

  const start = (): Worker | undefined => {
    if (worker || failed) return worker;
    try {
      worker = new Worker(WORKER_SOURCE, {
        eval: true,
        execArgv: [],
        workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file: opts.file, queries: STORED_COUNT_SQL },
        resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 },
      });
    } catch {
      failed = true;
      return undefined;
    }
    worker.unref();
    worker.on('message', (msg: { id: number; rows?: StoredCountRows; error?: string }) => {
      const w = waiting.get(msg.id);
      waiting.delete(msg.id);
      if (msg.rows) w?.resolve(msg.rows);
      else w?.reject(new Error(`metrics counts failed: ${msg.error}`));
    });
    worker.on('error', (err) => {
      failed = true;
      worker = undefined;
      for (const w of waiting.values()) w.reject(err);
      waiting.clear();
    });
    return worker;
  };

  const load = (): Promise<StoredCountRows> => {
    const w = start();
    if (!w) return Promise.resolve(readStoredCounts(opts.sqlite));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      w.postMessage(id);
    });
  };

  const cache = cachedLoad({ clock: opts.clock, ttlMs: opts.ttlMs ?? STORED_COUNTS_TTL_MS, load });
  return {
    get: () => cache.get(),
    async close() {
      const w = worker;
      worker = undefined;
      failed = true;
      for (const pending of waiting.values()) pending.reject(new Error('the appliance is stopping'));
      waiting.clear();
      if (!w) return;
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => void w.terminate(), 2_000);
        w.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        w.postMessage('stop');
      });
    },
  };
}
