import type { ViewContext } from '../context.ts';
import { Layout, Notice } from '../layout.tsx';

/** Backup download, and restore from an uploaded backup (Operations). */
export function BackupPage({ ctx, error, restoreError }: { ctx: ViewContext; error?: string; restoreError?: string }) {
  return (
    <Layout ctx={ctx} title={ctx.t('backup.title')}>
      {error ? <Notice kind="bad">{error}</Notice> : null}
      <section class="card" aria-labelledby="backup-download-title">
        <h2 id="backup-download-title">{ctx.t('backup.download')}</h2>
        <p>{ctx.t('backup.intro')}</p>
        <form method="post" action="/backup/download">
          <input type="hidden" name="_csrf" value={ctx.csrf} />
          <button type="submit">{ctx.t('backup.download')}</button>
        </form>
        <p class="help">{ctx.t('backup.keyNote')}</p>
        <p>{ctx.t('backup.cli')}</p>
        <pre>{'DATA_DIR=/data npm run backup -- /backups/notifier-$(date +%F).db'}</pre>
      </section>
      <section class="card" aria-labelledby="backup-restore-title">
        <h2 id="backup-restore-title">{ctx.t('backup.restore.title')}</h2>
        {restoreError ? <Notice kind="bad">{restoreError}</Notice> : null}
        <p>{ctx.t('backup.restore.intro')}</p>
        <form method="post" action="/backup/restore" enctype="multipart/form-data">
          <input type="hidden" name="_csrf" value={ctx.csrf} />
          <label for="restore-file">{ctx.t('backup.restore.file')}</label>
          <input type="file" id="restore-file" name="backup" accept=".db,.sqlite,.sqlite3,application/vnd.sqlite3" required />
          <button type="submit">{ctx.t('backup.restore.submit')}</button>
        </form>
        <p class="help">{ctx.t('backup.restore.key')}</p>
        <p>{ctx.t('backup.restore.cli')}</p>
        <pre>{'docker compose stop\ndocker compose run --rm notifier node dist/server/restoreCli.js /data/notifier-backup.db\ndocker compose start'}</pre>
      </section>
    </Layout>
  );
}
