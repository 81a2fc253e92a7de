// Settings → Configuration as code: download the document, or paste / choose one to preview its import.
import type { ViewContext } from '../context.ts';

export function ConfigCard({ ctx }: { ctx: ViewContext }) {
  return (
    <section class="card" id="config" aria-labelledby="config-title">
      <h2 id="config-title">{ctx.t('config.title')}</h2>
      <p>{ctx.t('config.intro')}</p>
      <p>
        <a class="button secondary" href="/settings/config/export" download>
          {ctx.t('config.export')}
        </a>
      </p>
      <p class="help">{ctx.t('config.api')}</p>
      <h3 id="config-import-title">{ctx.t('config.import')}</h3>
      <p class="help" id="config-import-help">
        {ctx.t('config.import.help')}
      </p>
      <form method="post" action="/settings/config/import" enctype="multipart/form-data" aria-labelledby="config-import-title">
        <input type="hidden" name="_csrf" value={ctx.csrf} />
        <label for="config-document">{ctx.t('config.import.text')}</label>
        <textarea id="config-document" name="document" rows={12} cols={80} spellcheck={false} aria-describedby="config-import-help"></textarea>
        <label for="config-file">{ctx.t('config.import.file')}</label>
        <input id="config-file" name="file" type="file" accept="application/json,.json" />
        <div class="actions">
          <button type="submit">{ctx.t('config.import.preview')}</button>
        </div>
      </form>
    </section>
  );
}
