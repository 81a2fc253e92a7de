// The appliance's database at start: a database a newer version wrote is refused with one line, a
// copy is taken before pending migrations run, a failing migration leaves the database as it was,
// and the build that last wrote the database is recorded for the next one to read.
import { basename, dirname, join } from 'node:path';
import { MIGRATIONS_FOLDER, NotApplianceDatabase, openDatabase, SchemaTooNew, type Db } from '../db/client.ts';
import { committedMigrations, MigrationFailed } from '../db/migrator.ts';
import { getSetting, putSetting } from '../db/queries/settings.ts';
import { preUpgradeBackups, prunePreUpgradeBackups, writePreUpgradeBackup } from './backup.ts';
import type { BuildInfo } from './buildInfo.ts';
import type { Logger } from './log.ts';
import { checkBackupFile } from './restore.ts';
import { readWrittenBy, WRITTEN_BY_SETTING, type WrittenBy } from './writtenBy.ts';

/** A reason not to start, said in one line (printed as it is, exit code 1). */
export class StartupRefusal extends Error {}

function tooNewLine(file: string, err: SchemaTooNew, build: BuildInfo, migrationsFolder: string | undefined): string {
  const by = readWrittenBy(file);
  const dir = dirname(file);
  const writer = by ? `version ${by.version}${by.schema ? ` (schema ${by.schema})` : ''}` : 'a newer version';
  // Rolled back over several upgrades, the newest copies are newer than this version too: the newest it can run.
  const copy = preUpgradeBackups(dir).find((f) => checkBackupFile(join(dir, f), migrationsFolder).ok);
  const restore = copy
    ? `or go back to the newest copy taken before an upgrade that this version runs on (what happened since is lost) without a shell: npm run restore -- ${join(dir, copy)} (in the image: node dist/server/restoreCli.js ${join(dir, copy)}), then start again`
    : `or restore a backup taken before that upgrade (no notifier-pre-*.db copy in ${dir} is one this version runs on)`;
  return `${basename(file)} was written by ${writer} with ${err.state.applied} migrations; this is version ${build.version}, which knows ${err.state.known} (up to ${err.state.newestKnown.tag}) and will not run on it. Run ${by ? `${by.version} or newer` : 'the newer version'} again, ${restore}.`;
}

/**
 * Opens (and migrates) the appliance's database. Before pending migrations run on a database that
 * has data, a consistent copy `notifier-pre-<version>.db` is written beside it and logged; then the
 * migrations run all or none, and once they committed only the newest three copies are kept.
 */
export function openApplianceDatabase(file: string, deps: { build: BuildInfo; log: Logger; now: () => number }, opts: { migrationsFolder?: string } = {}): Db {
  let backup: string | undefined;
  let from: string | undefined;
  let db: Db;
  try {
    db = openDatabase(file, {
      migrationsFolder: opts.migrationsFolder,
      beforeMigrating(sqlite, last, pending) {
        from = last.tag;
        let copy;
        try {
          copy = writePreUpgradeBackup(sqlite, dirname(file), deps.build.version);
        } catch (err) {
          throw new StartupRefusal(
            `Could not write the copy of ${basename(file)} taken before migrating (${err instanceof Error ? err.message : String(err)}); nothing was migrated. Free space in ${dirname(file)} and start again.`,
          );
        }
        backup = copy.file;
        deps.log.info('database backed up before migrating', { file: copy.file, bytes: copy.bytes, from: last.tag, to: pending[pending.length - 1]!.tag, migrations: pending.length });
      },
    });
  } catch (err) {
    if (err instanceof SchemaTooNew) throw new StartupRefusal(tooNewLine(file, err, deps.build, opts.migrationsFolder));
    if (err instanceof NotApplianceDatabase) throw new StartupRefusal(`${basename(file)} in ${dirname(file)} is not this appliance's database (its migrations are another application's); point DATA_DIR at the appliance's data directory.`);
    if (err instanceof MigrationFailed) {
      throw new StartupRefusal(
        `Migration ${err.migration.tag} failed (${err.cause instanceof Error ? err.cause.message : String(err.cause)}); ${basename(file)} was left as it was${from ? ` (schema ${from})` : ''}${backup ? `, and ${basename(backup)} beside it is a copy from before this start` : ''}. Run the previous version again and report this line.`,
      );
    }
    throw err;
  }
  const newest = committedMigrations(opts.migrationsFolder ?? MIGRATIONS_FOLDER).at(-1)!.tag;
  if (from) deps.log.info('database migrated', { from, to: newest, removedCopies: prunePreUpgradeBackups(dirname(file)) });
  recordWrittenBy(db, { version: deps.build.version, commit: deps.build.commit, schema: newest }, deps.now());
  return db;
}

function recordWrittenBy(db: Db, wanted: WrittenBy, now: number): void {
  const stored = getSetting<WrittenBy | undefined>(db, WRITTEN_BY_SETTING, undefined);
  if (JSON.stringify(stored) !== JSON.stringify(wanted)) putSetting(db, WRITTEN_BY_SETTING, wanted, now);
}
