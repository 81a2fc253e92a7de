import Database from 'better-sqlite3';
import { join } from 'node:path';

export const LOCK_FILE = 'notifier.lock';

/** Held for the process's life; `release()` lets the next appliance start on the data directory. */
export interface DataDirLock {
  release(): void;
}

/**
 * One appliance per data directory: two would each send up to the bot's limit from one queue (and
 * one could migrate the database under the other). The lock is SQLite's own file lock on a small
 * file of its own, not on notifier.db, which readers, backups and a report thread may hold open:
 * an exclusive lock a connection in exclusive locking mode never gives back. The kernel drops it
 * when the process dies, so a restart after a crash or a SIGKILL finds it free; it holds across
 * containers sharing the volume on one host. Undefined when another process (or another appliance
 * in this one) holds it.
 */
export function lockDataDir(dataDir: string): DataDirLock | undefined {
  const db = new Database(join(dataDir, LOCK_FILE), { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // Nothing is ever written: no journal file beside it.
    db.pragma('journal_mode = MEMORY');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return undefined;
    throw err;
  }
  return { release: () => db.close() };
}
