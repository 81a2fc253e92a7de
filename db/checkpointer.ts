// WAL checkpoints off the event loop while the database is written heavily.
//
// A checkpoint copies the WAL back into the database file and fsyncs both. SQLite runs it on the
// connection that commits (every 1,000 WAL pages), so under an intake burst the one Node thread spent
// more wall time blocked in checkpoint I/O and fsync than in the inserts themselves. While commits
// are frequent, a worker thread with its own connection runs PASSIVE checkpoints (which never block
// the writer) every `everyMs`, and the main connection checkpoints only past a higher safety mark
// (which is then cheap: the worker has copied most pages, and it lets the WAL restart). After a quiet
// spell the worker is stopped and SQLite's default comes back, so an idle appliance carries no thread.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from './client.ts';

export interface CheckpointerOptions {
  /** Rows committed within one second that start the worker (a storm's few hundred a second do not). */
  busyRowsPerSecond: number;
  /** Quiet time (fewer rows than that per second) after which the worker stops. */
  idleStopMs: number;
  /** How often the worker checkpoints. */
  everyMs: number;
  /** The main connection's own checkpoint mark (WAL pages) while the worker runs; SQLite's default otherwise. */
  busyAutocheckpointPages: number;
}

export const DEFAULT_CHECKPOINTER: CheckpointerOptions = { busyRowsPerSecond: 2_000, idleStopMs: 15_000, everyMs: 100, busyAutocheckpointPages: 4_000 };
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1_000;

export interface Checkpointer {
  /** Called after a write transaction committed `rows` rows (cheap: a counter). */
  noteCommit(rows: number): void;
  /** True while the worker runs (for tests). */
  active(): boolean;
  /** Stops the worker; call before closing the database. */
  close(): Promise<void>;
}

// Plain CommonJS for the worker: it must not load the TypeScript loader (a thread's worth of memory).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or a disk problem: the main connection's own checkpoint is the fallback.
  }
}, workerData.everyMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

const registry = new WeakMap<object, Checkpointer>();

/** Notes a commit of `rows` rows on the database's checkpointer, if it has one. */
export function noteCommit(db: Db, rows: number): void {
  registry.get(db.$client)?.noteCommit(rows);
}

export function createCheckpointer(db: Db, file: string, opts: CheckpointerOptions = DEFAULT_CHECKPOINTER): Checkpointer {
  const client = db.$client;
  let worker: Worker | undefined;
  let stopping: Promise<void> | undefined;
  let second = 0;
  let rows = 0;
  let lastBusy = 0;
  let closed = false;

  const idleCheck = setInterval(() => {
    if (worker && Date.now() - lastBusy > opts.idleStopMs) void stop();
  }, Math.min(opts.idleStopMs, 5_000));
  idleCheck.unref();

  function start(): void {
    try {
      worker = new Worker(WORKER_SOURCE, {
        eval: true,
        execArgv: [],
        workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file, everyMs: opts.everyMs },
        resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
      });
    } catch {
      return; // no worker: SQLite checkpoints on the main connection as before
    }
    const w = worker;
    w.unref();
    w.on('error', () => {
      if (worker === w) worker = undefined;
      if (client.open) client.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
    });
    client.pragma(`wal_autocheckpoint = ${opts.busyAutocheckpointPages}`);
  }

  function stop(): Promise<void> {
    const w = worker;
    if (!w) return stopping ?? Promise.resolve();
    worker = undefined;
    if (client.open) client.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
    stopping = new Promise<void>((resolve) => {
      const force = setTimeout(() => void w.terminate(), 2_000);
      w.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      w.postMessage('stop');
    });
    return stopping;
  }

  const checkpointer: Checkpointer = {
    noteCommit(committed) {
      const now = Date.now();
      const s = Math.floor(now / 1000);
      if (s !== second) {
        second = s;
        rows = 0;
      }
      rows += committed;
      if (rows < opts.busyRowsPerSecond) return;
      lastBusy = now;
      if (!worker && !closed) start();
    },
    active: () => worker !== undefined,
    async close() {
      closed = true;
      clearInterval(idleCheck);
      registry.delete(client);
      await stop();
    },
  };
  registry.set(client, checkpointer);
  return checkpointer;
}
