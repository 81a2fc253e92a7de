import { Hono } from 'hono';
import { open, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { writeAudit } from '../../db/queries/audit.ts';
import { BackupPage } from '../../views/pages/backup.tsx';
import { backupDatabase, backupFileName } from '../backup.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { clientIp, viewContext } from './viewContext.ts';

/**
 * Backup from the console: the page, and a POST (a session and its CSRF token, like every action)
 * that answers the database copy as a download. The copy is made with SQLite's online backup API on
 * the appliance's own connection, so it is consistent while events keep arriving.
 */
export function backupRoutes(deps: Pick<AppDeps, 'db' | 'clock' | 'log' | 'settings'>) {
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

  return app;
}
