// npm run restore -- <backup-file>
// Puts a backup in place of DATA_DIR/notifier.db while the appliance is stopped (a running one is
// restored from its console: Backup → Restore this backup). The backup is checked first; the
// current database is kept as notifier-before-restore-<time>.db beside it.
import { existsSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DB_FILE } from './appliance.ts';
import { readBuildInfo } from './buildInfo.ts';
import { copyToPrivateFile } from './dataDir.ts';
import { dataDirArgument } from './dataDirArgument.ts';
import { checkBackupFile, databaseInUse, swapInBackup, type RestoreRefusal } from './restore.ts';

function refusalLine(file: string, r: RestoreRefusal, running: string): string {
  switch (r.code) {
    case 'empty':
      return `${file} is empty.`;
    case 'notSqlite':
      return `${file} is not an SQLite database (a backup is what the console's Download backup or npm run backup wrote).`;
    case 'damaged':
      return `${file} is damaged (SQLite says: ${r.detail}).`;
    case 'notAppliance':
      return `${file} is an SQLite database, but not a StoreClaw WeCom Notifier backup.`;
    case 'newer':
      return `${file} was written by version ${r.version}, newer than this one (${running}): restore it with ${r.version} or newer.`;
  }
}

function main(argv: string[]): number {
  const args = dataDirArgument(argv, 'Usage: npm run restore -- <backup-file>   (stop the appliance first; reads DATA_DIR, default ./data)', process.env);
  if (!args.ok) {
    process.stderr.write(args.line + '\n');
    return args.code;
  }
  const { file, dataDir } = args;
  if (!existsSync(file) || !statSync(file).isFile()) {
    process.stderr.write(`No backup file at ${file}.\n`);
    return 1;
  }
  const live = join(dataDir, DB_FILE);
  if (resolve(file) === resolve(live)) {
    process.stderr.write('That is the live database itself: give the backup file to restore.\n');
    return 1;
  }
  const build = readBuildInfo();
  const check = checkBackupFile(file);
  if (!check.ok) {
    process.stderr.write(`Not restored: ${refusalLine(file, check.refusal, build.version)} Nothing was changed.\n`);
    return 1;
  }
  if (!existsSync(dataDir)) {
    process.stderr.write(`No data directory at ${dataDir}: set DATA_DIR to the appliance's data directory.\n`);
    return 1;
  }
  if (databaseInUse(live)) {
    process.stderr.write(`Not restored: ${live} is open in a running appliance. Stop it first (docker compose stop), or restore from its console (Backup → Restore this backup). Nothing was changed.\n`);
    return 1;
  }
  // Beside the database, so putting it in place is a rename.
  const staged = join(dataDir, `.restore-${randomBytes(6).toString('hex')}.partial`);
  try {
    copyToPrivateFile(file, staged);
    const { kept } = swapInBackup(dataDir, DB_FILE, staged, { now: Date.now(), actor: 'cli', file: basename(file), bytes: check.bytes, ip: null });
    process.stdout.write(
      `Restored ${file} (${check.bytes} bytes, schema ${check.schema}${check.version ? `, written by version ${check.version}` : ''}) as ${live}.\n` +
        (kept ? `The database before is kept as ${kept}.\n` : '') +
        'Start the appliance: everyone signs in again; the webhook key needs the same secret.key (or SECRET_KEY) as when the backup was made.\n',
    );
    return 0;
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(staged + suffix, { force: true });
  }
}

try {
  process.exit(main(process.argv.slice(2)));
} catch (err) {
  process.stderr.write(`Restore failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
