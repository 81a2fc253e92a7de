import { Hono, type Context } from 'hono';
import { randomBytes } from 'node:crypto';
import { open, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { writeAudit } from '../../db/queries/audit.ts';
import { BackupPage } from '../../views/pages/backup.tsx';
import { backupDatabase, backupFileName } from '../backup.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { checkBackupFile, RESTORE_MAX_BYTES, type RestoreRefusal } from '../restore.ts';
import type { Translate } from '../strings/translate.ts';
import { clientIp, viewContext } from './viewContext.ts';

/** The one path whose body may be larger than the console's form limit (an uploaded backup). */
export const RESTORE_PATH = '/backup/restore';
/** The backup and the form around it. */
export const RESTORE_UPLOAD_LIMIT = RESTORE_MAX_BYTES + 64 * 1024;

/** 413 with the Backup page saying to use the command line (the app's body limit answers this for RESTORE_PATH). */
export function restoreTooLarge(c: Context<AppEnv>, deps: Pick<AppDeps, 'db' | 'settings'>) {
  const ctx = viewContext(c, deps);
  return c.html(<BackupPage ctx={ctx} restoreError={ctx.t('backup.restore.tooLarge', { max: RESTORE_MAX_BYTES / 1024 / 1024 })} />, 413);
}

function refusalText(t: Translate, r: RestoreRefusal, running: string): string {
  switch (r.code) {
    case 'empty':
      return t('backup.restore.empty');
    case 'notSqlite':
      return t('backup.restore.notSqlite');
    case 'damaged':
      return t('backup.restore.damaged', { detail: r.detail });
    case 'notAppliance':
      return t('backup.restore.notAppliance');
    case 'newer':
      return t('backup.restore.newer', { version: r.version, running });
  }
}

/**
 * Backup from the console: the page, and a POST (a session and its CSRF token, like every action)
 * that answers the database copy as a download. The copy is made with SQLite's online backup API on
 * the appliance's own connection, so it is consistent while events keep arriving.
 */
export function backupRoutes(deps: Pick<AppDeps, 'db' | 'clock' | 'log' | 'settings' | 'config' | 'build' | 'restore'>) {
  const app = new Hono<AppEnv>();

  app.get('/backup', (c) => c.html(<BackupPage ctx={viewContext(c, deps)} />));

  app.post('/backup/download', async (c) => {
    const dir = await mkdtemp(join(tmpdir(), 'notifier-backup-'));
    const name = backupFileName(deps.clock.now());
    const file = join(dir, name);
    try {
      const result = await backupDatabase(deps.db.$client, file);
      // Opened, then unlinked: the stream keeps the data, nothing stays behind on disk.
      const handle = await open(file, 'r');
      await rm(dir, { recursive: true, force: true });
      const stream = handle.createReadStream();
      try {
        writeAudit(deps.db, deps.clock.now(), { actor: 'admin', action: 'backup.download', detail: { bytes: result.bytes }, ip: clientIp(c) });
      } catch (err) {
        // A backup is most wanted when the disk is in trouble: a failed audit row does not refuse it.
        deps.log.warn('could not write the audit row for a backup', { error: err });
      }
      deps.log.info('backup downloaded', { bytes: result.bytes });
      return c.body(Readable.toWeb(stream) as ReadableStream, 200, {
        'content-type': 'application/vnd.sqlite3',
        'content-disposition': `attachment; filename="${name}"`,
        'content-length': String(result.bytes),
        'cache-control': 'no-store',
      });
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      deps.log.error('backup failed', { error: err });
      const ctx = viewContext(c, deps);
      return c.html(<BackupPage ctx={ctx} error={ctx.t('backup.failed', { reason: err instanceof Error ? err.message : String(err) })} />, 503);
    }
  });

  /**
   * Restore (its body limit is the app's, RESTORE_UPLOAD_LIMIT): the upload is written into the data directory (beside the database, so putting it in
   * place is a rename), checked, and only then handed to the appliance, which keeps the current
   * database, reopens on the backup and signs everyone out.
   */
  app.post(
    RESTORE_PATH,
    async (c) => {
      const ctx = viewContext(c, deps);
      const refuse = (text: string, status: 413 | 422 | 503 = 422) => c.html(<BackupPage ctx={ctx} restoreError={text} />, status);
      const upload = (await c.req.parseBody()).backup;
      if (!(upload instanceof File) || upload.size === 0) return refuse(ctx.t(upload instanceof File ? 'backup.restore.empty' : 'backup.restore.noFile'));
      if (upload.size > RESTORE_MAX_BYTES) return refuse(ctx.t('backup.restore.tooLarge', { max: RESTORE_MAX_BYTES / 1024 / 1024 }), 413);
      if (!deps.restore) return refuse(ctx.t('backup.restore.failed', { reason: 'not available' }), 503);
      const staged = join(deps.config.dataDir, `.restore-${randomBytes(6).toString('hex')}.partial`);
      const discard = () => Promise.all(['', '-wal', '-shm'].map((x) => rm(staged + x, { force: true })));
      try {
        await writeFile(staged, Buffer.from(await upload.arrayBuffer()), { mode: 0o600 });
        const check = checkBackupFile(staged);
        if (!check.ok) {
          await discard();
          deps.log.warn('restore refused', { reason: check.refusal.code, bytes: upload.size });
          return refuse(refusalText(ctx.t, check.refusal, deps.build.version));
        }
        await deps.restore(staged, { ip: clientIp(c), file: upload.name, bytes: upload.size });
      } catch (err) {
        await discard();
        deps.log.error('restore failed', { error: err });
        return refuse(ctx.t('backup.restore.failed', { reason: err instanceof Error ? err.message : String(err) }), 503);
      }
      return c.redirect('/login?restored=1', 303);
    },
  );

  return app;
}
