import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The data directory holds the database, the data key and backups: only the appliance's user may
 * read it (0700), and the database files are 0600. SQLite gives its -wal and -shm files the mode of
 * the database file, so the file is created (or corrected, for data dirs from older versions) first.
 */
export function prepareDataDir(dataDir: string, dbFile: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  const db = join(dataDir, dbFile);
  closeSync(openSync(db, 'a', 0o600));
  for (const file of [db, `${db}-wal`, `${db}-shm`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}
