import { accessSync, chmodSync, closeSync, constants, existsSync, mkdirSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The data directory holds the database, the data key and backups: only the appliance's user may
 * read it (0700), and the database files and the data key are 0600. SQLite gives its -wal and -shm
 * files the mode of the database file, so the file is created (or corrected, for data dirs from
 * older versions) first. Returns the files whose mode was corrected, with the mode they had, and
 * those it may not change (another user's, such as a root-owned bind mount handed over through its
 * group): they are left as they are.
 */
export function prepareDataDir(dataDir: string, dbFile: string, keyFile: string): { corrected: DataFileMode[]; left: DataFileMode[] } {
  const db = join(dataDir, dbFile);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    accessSync(dataDir, constants.W_OK | constants.X_OK);
    if (existsSync(db)) accessSync(db, constants.R_OK | constants.W_OK);
  } catch (err) {
    throw notWritable(err as Error & { code?: string }, dataDir);
  }
  const corrected: DataFileMode[] = [];
  const left: DataFileMode[] = [];
  const restrict = (path: string, mode: number) => {
    const was = statSync(path).mode & 0o777;
    if (was === mode) return;
    const entry = { file: path, mode: was.toString(8).padStart(4, '0') };
    try {
      chmodSync(path, mode);
    } catch (err) {
      if ((err as { code?: string }).code !== 'EPERM') throw err;
      left.push(entry);
      return;
    }
    corrected.push(entry);
  };
  restrict(dataDir, 0o700);
  closeSync(openSync(db, 'a', 0o600));
  for (const file of [db, `${db}-wal`, `${db}-shm`, join(dataDir, keyFile)]) {
    if (existsSync(file)) restrict(file, 0o600);
  }
  return { corrected, left };
}

/** The operator's sentence for a data directory this user cannot write (instead of Node's raw errno line). */
function notWritable(err: Error & { code?: string; path?: string }, dataDir: string): Error {
  if (err.code !== 'EACCES' && err.code !== 'EPERM' && err.code !== 'EROFS') return err;
  const uid = process.getuid?.() ?? '?';
  const what = err.path && err.path !== dataDir ? `${err.path} in it` : 'it';
  return new Error(
    `DATA_DIR ${dataDir} is not writable by this user (uid ${String(uid)}; ${err.code} on ${what}): give uid ${String(uid)} the directory and its files (chown -R ${String(uid)} ${dataDir}, or group ownership with g+rwx), or set DATA_DIR to a directory it can write`,
  );
}

export interface DataFileMode {
  file: string;
  /** The mode it had, e.g. 0644. */
  mode: string;
}

/**
 * A new, empty file only its owner may read, for SQLite to copy a database into (its backup API and
 * VACUUM INTO both accept an empty file): the copy is never readable by others, not even while it
 * is written. Fails if `path` exists.
 */
export function createPrivateFile(path: string): void {
  closeSync(openSync(path, 'wx', 0o600));
}

/** `from` copied to a new 0600 file `to` (copyFileSync would give `to` the mode of `from`). */
export function copyToPrivateFile(from: string, to: string): void {
  const source = openSync(from, 'r');
  try {
    const target = openSync(to, 'wx', 0o600);
    try {
      const chunk = Buffer.alloc(1 << 20);
      for (let n; (n = readSync(source, chunk, 0, chunk.length, null)) > 0; ) writeSync(target, chunk, 0, n);
    } finally {
      closeSync(target);
    }
  } finally {
    closeSync(source);
  }
}
