// npm run backup -- <out-file | out-dir>
// A consistent copy of DATA_DIR/notifier.db, made while the appliance keeps running.
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DB_FILE } from './appliance.ts';
import { backupDatabase, backupFileName } from './backup.ts';
import { dataDirArgument } from './dataDirArgument.ts';

async function main(argv: string[]): Promise<number> {
  const args = dataDirArgument(argv, 'Usage: npm run backup -- <out-file or directory>   (reads DATA_DIR, default ./data)', process.env);
  if (!args.ok) {
    process.stderr.write(args.line + '\n');
    return args.code;
  }
  const { file: target, dataDir } = args;
  const source = join(dataDir, DB_FILE);
  if (!existsSync(source)) {
    process.stderr.write(`No database at ${source}: set DATA_DIR to the appliance's data directory.\n`);
    return 1;
  }
  const out = existsSync(target) && statSync(target).isDirectory() ? join(target, backupFileName(Date.now())) : target;
  if (resolve(out) === resolve(source)) {
    process.stderr.write('The backup must not overwrite the live database.\n');
    return 1;
  }
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // One step: a write by the running appliance (another connection) would restart a stepped copy.
    const result = await backupDatabase(db, out, { pagesPerStep: 0x7fffffff });
    process.stdout.write(
      `Backup written: ${result.file} (${result.bytes} bytes, ${result.pages} pages).\n` +
        'The webhook key in it is encrypted: restore it together with secret.key (or the same SECRET_KEY).\n',
    );
    return 0;
  } finally {
    db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`Backup failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
