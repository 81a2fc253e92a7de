import Database from 'better-sqlite3';
import { chmodSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface BackupResult {
  file: string;
  bytes: number;
  pages: number;
}

/**
 * A consistent online copy of the database through SQLite's backup API (better-sqlite3's
 * `db.backup()`): readers and writers keep working while it runs. The copy is written next to
 * `outFile` under a temporary name, checked (`PRAGMA quick_check`), made 0600 and only then renamed,
 * so `outFile` is either a whole, valid database or absent. The webhook key stays encrypted in it,
 * exactly as it is at rest.
 *
 * `pagesPerStep` trades the event loop for restarts: writes from the same connection are copied as
 * they happen, but a write from another connection (the running appliance, seen from the CLI)
 * restarts the copy, so the CLI copies everything in one step.
 */
export async function backupDatabase(source: Database.Database, outFile: string, opts: { pagesPerStep?: number } = {}): Promise<BackupResult> {
  const tmp = join(dirname(outFile), `.${basename(outFile)}.${randomBytes(6).toString('hex')}.partial`);
  const pagesPerStep = opts.pagesPerStep ?? 1000;
  try {
    const { totalPages } = await source.backup(tmp, { progress: () => pagesPerStep });
    const copy = new Database(tmp, { fileMustExist: true });
    try {
      const check = copy.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`the backup copy failed its integrity check: ${String(check)}`);
      // One self-contained file: no -wal beside it.
      copy.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      copy.close();
    }
    for (const suffix of ['-wal', '-shm']) rmSync(tmp + suffix, { force: true });
    chmodSync(tmp, 0o600);
    renameSync(tmp, outFile);
    return { file: outFile, bytes: statSync(outFile).size, pages: totalPages };
  } catch (err) {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(tmp + suffix, { force: true });
    throw err;
  }
}

/** `notifier-backup-20250101-093000.db`, in UTC. */
export function backupFileName(now: number): string {
  const iso = new Date(now).toISOString();
  return `notifier-backup-${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}.db`;
}
