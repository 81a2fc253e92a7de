import Database from 'better-sqlite3';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createPrivateFile } from './dataDir.ts';

export interface BackupResult {
  file: string;
  bytes: number;
  pages: number;
}

/**
 * A consistent online copy of the database through SQLite's backup API (better-sqlite3's
 * `db.backup()`): readers and writers keep working while it runs. The copy is written next to
 * `outFile` under a temporary name created 0600 first (others never read it, even half written),
 * checked (`PRAGMA quick_check`) and only then renamed, so `outFile` is either a whole, valid
 * database or absent. The webhook key stays encrypted in it,
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
    createPrivateFile(tmp);
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

/** Pre-upgrade copies kept beside the database: the newest three. */
export const PRE_UPGRADE_KEEP = 3;
const PRE_UPGRADE = /^notifier-pre-.+\.db$/;

/** `notifier-pre-0.2.0.db`: the database as it was before version 0.2.0 migrated it. */
export function preUpgradeBackupName(version: string): string {
  return `notifier-pre-${version.replace(/[^0-9A-Za-z.+-]/g, '_')}.db`;
}

/** The pre-upgrade copies in `dir`, newest first. */
export function preUpgradeBackups(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => PRE_UPGRADE.test(f))
    .map((f) => ({ f, at: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.at - a.at || b.f.localeCompare(a.f))
    .map((x) => x.f);
}

/**
 * The copy taken at start before pending migrations run (`VACUUM INTO` a file created 0600: one
 * consistent, self-contained file, synchronous while nothing else runs yet), checked, then renamed
 * into place; older pre-upgrade copies beyond the newest three are removed. An existing copy is
 * never replaced (a restored older backup migrated by the same version would take the upgrade's
 * own copy's name): the new one becomes `notifier-pre-<version>-2.db`, and so on.
 */
export function writePreUpgradeBackup(source: Database.Database, dir: string, version: string): { file: string; bytes: number } {
  let file = join(dir, preUpgradeBackupName(version));
  for (let n = 2; existsSync(file); n++) file = join(dir, preUpgradeBackupName(version).replace(/\.db$/, `-${n}.db`));
  const tmp = join(dir, `.${basename(file)}.${randomBytes(6).toString('hex')}.partial`);
  try {
    createPrivateFile(tmp);
    source.prepare('VACUUM INTO ?').run(tmp);
    const copy = new Database(tmp, { fileMustExist: true, readonly: true });
    try {
      const check = copy.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`the copy failed its integrity check: ${String(check)}`);
    } finally {
      copy.close();
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return { file, bytes: statSync(file).size };
}

/**
 * Removes all but the newest PRE_UPGRADE_KEEP copies; called once the migrations they were taken
 * for committed, so a start (or a restored backup) whose migration fails pushes out no copy.
 */
export function prunePreUpgradeBackups(dir: string): string[] {
  const removed = preUpgradeBackups(dir).slice(PRE_UPGRADE_KEEP);
  for (const f of removed) rmSync(join(dir, f), { force: true });
  return removed;
}

// What the appliance itself writes under a temporary name in the data directory: the pre-upgrade
// copy and a restore's uploaded file (with SQLite's side files).
const STALE_PARTIAL = /^\.(notifier-pre-.+\.db\.[0-9a-f]+|restore-[0-9a-f]+)\.partial(-wal|-shm|-journal)?$/;

/**
 * Removes half-written copies a stopped start or restore left in `dir` (each as large as the
 * database); only at start, with no other appliance on the directory. Returns their names.
 */
export function removeStalePartials(dir: string): string[] {
  const stale = readdirSync(dir).filter((f) => STALE_PARTIAL.test(f));
  for (const f of stale) rmSync(join(dir, f), { force: true });
  return stale;
}
