// Restoring a backup: the file is checked before anything is touched (a whole SQLite database, this
// appliance's schema, not newer than this code), the current database is kept as a copy, and only
// then is the backup moved into place. The console (routes/backup.tsx, through the appliance's
// reopen) and `npm run restore` (restoreCli.ts, with the appliance stopped) share this.
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { committedMigrations, schemaState } from '../db/migrator.ts';
import { MIGRATIONS_FOLDER } from '../db/client.ts';
import { readWrittenBy } from './writtenBy.ts';
import { createPrivateFile } from './dataDir.ts';

/** What the console accepts as an upload (the CLI has no limit). */
export const RESTORE_MAX_BYTES = 256 * 1024 * 1024;

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export type RestoreRefusal =
  | { code: 'empty' }
  | { code: 'notSqlite' }
  | { code: 'damaged'; detail: string }
  | { code: 'notAppliance' }
  | { code: 'newer'; version: string };

export type BackupCheck = { ok: true; bytes: number; schema: string; version?: string } | { ok: false; refusal: RestoreRefusal };

/** Whether `file` is a backup this appliance can run on. Opens it read-only; changes nothing. */
export function checkBackupFile(file: string, migrationsFolder: string = MIGRATIONS_FOLDER): BackupCheck {
  const bytes = statSync(file).size;
  if (bytes === 0) return { ok: false, refusal: { code: 'empty' } };
  const head = Buffer.alloc(16);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (!head.equals(SQLITE_MAGIC)) return { ok: false, refusal: { code: 'notSqlite' } };
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const check = db.pragma('integrity_check', { simple: true });
    if (check !== 'ok') return { ok: false, refusal: { code: 'damaged', detail: String(check) } };
    const state = schemaState(db, committedMigrations(migrationsFolder));
    db.close();
    db = undefined;
    if (state.kind === 'fresh' || state.kind === 'foreign') return { ok: false, refusal: { code: 'notAppliance' } };
    const by = readWrittenBy(file);
    if (state.kind === 'newer') return { ok: false, refusal: { code: 'newer', version: by?.version ?? '?' } };
    return { ok: true, bytes, schema: state.last.tag, ...(by ? { version: by.version } : {}) };
  } catch (err) {
    return { ok: false, refusal: { code: 'damaged', detail: err instanceof Error ? err.message : String(err) } };
  } finally {
    db?.close();
  }
}

/** `notifier-before-restore-20260101-093000.db`, in UTC. */
export function keptCopyName(now: number): string {
  const iso = new Date(now).toISOString();
  return `notifier-before-restore-${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}.db`;
}

export interface RestoreRecord {
  now: number;
  /** Who restored: the console's admin, or the command line. */
  actor: 'admin' | 'cli';
  file: string;
  bytes: number;
  ip: string | null;
}

/**
 * With nothing holding the database open: the current database (its WAL included) is copied to
 * `notifier-before-restore-<time>.db`; the checked backup `staged` (a file in the same directory)
 * has its sessions ended (a cookie from the backup's time must not come back to life) and the
 * restore written to its audit log, then replaces the database, whose -wal and -shm are removed so
 * SQLite cannot replay them onto the backup.
 */
export function swapInBackup(dataDir: string, dbFile: string, staged: string, record: RestoreRecord): { kept: string | undefined } {
  const live = join(dataDir, dbFile);
  let kept: string | undefined;
  if (existsSync(live) && statSync(live).size > 0) {
    kept = join(dataDir, keptCopyName(record.now));
    for (let n = 2; existsSync(kept); n++) kept = join(dataDir, keptCopyName(record.now).replace(/\.db$/, `-${n}.db`));
    createPrivateFile(kept);
    const current = new Database(live, { fileMustExist: true });
    try {
      current.prepare('VACUUM INTO ?').run(kept);
    } finally {
      current.close();
    }
  }
  const backup = new Database(staged, { fileMustExist: true });
  try {
    backup.transaction(() => {
      backup.prepare('DELETE FROM sessions').run();
      backup
        .prepare('INSERT INTO audit_log (at, actor, action, detail, ip) VALUES (?, ?, ?, ?, ?)')
        .run(record.now, record.actor, 'backup.restore', JSON.stringify({ file: record.file, bytes: record.bytes, kept: kept ? basename(kept) : null }), record.ip);
    })();
    backup.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    backup.close();
  }
  for (const suffix of ['-wal', '-shm', '-journal']) rmSync(live + suffix, { force: true });
  for (const suffix of ['-wal', '-shm']) rmSync(staged + suffix, { force: true });
  chmodSync(staged, 0o600);
  renameSync(staged, live);
  return { kept };
}

/**
 * After a restore whose backup did not open: the kept copy goes back into place as it was, over the
 * refused backup and its side files. Not a restore: no sessions ended, nothing audited, no copy kept.
 */
export function putBackKept(dataDir: string, dbFile: string, kept: string): void {
  const live = join(dataDir, dbFile);
  for (const suffix of ['-wal', '-shm', '-journal']) rmSync(live + suffix, { force: true });
  renameSync(kept, live);
}

/** Whether another connection (a running appliance, in this or another container) has the database open. */
export function databaseInUse(file: string): boolean {
  if (!existsSync(file)) return false;
  const db = new Database(file, { fileMustExist: true, timeout: 0 });
  try {
    // WAL connections hold a shared lock on the file while open: an exclusive one is refused then.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return false;
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return true;
    throw err;
  } finally {
    db.close();
  }
}
