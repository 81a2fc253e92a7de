import type { ViewContext } from '../context.ts';
import { Layout, Notice } from '../layout.tsx';

/** Backup download and the restore steps (Operations). */
export function BackupPage({ ctx, error }: { ctx: ViewContext; error?: string }) {
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
        <ol>
          <li>{ctx.t('backup.restore.stop')}</li>
          <li>{ctx.t('backup.restore.replace')}</li>
          <li>{ctx.t('backup.restore.key')}</li>
          <li>{ctx.t('backup.restore.start')}</li>
        </ol>
      </section>
    </Layout>
  );
}
