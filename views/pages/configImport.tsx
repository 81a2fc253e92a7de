// The import's dry run: every change listed before anything is applied, or the document's problems
// with their paths. Applying posts the same document back with the state the plan was made from.
import type { ConfigIssue, Section } from '../../server/configAsCode/document.ts';
import { issueTextZh } from '../../server/configAsCode/issueText.ts';
import type { ConfigChange } from '../../server/configAsCode/plan.ts';
import type { ViewContext } from '../context.ts';
import { Layout, Notice } from '../layout.tsx';

export type ConfigImportView =
  | { kind: 'problems'; issues: ConfigIssue[] }
  | { kind: 'plan'; changes: ConfigChange[]; untouched: Section[]; ended: string[]; keptOff: string[]; document: string; base: string; notice?: string };

export function ConfigImportPage({ ctx, view }: { ctx: ViewContext; view: ConfigImportView }) {
  const back = (
    <a class="button secondary" href="/settings#config">
      {ctx.t('config.plan.cancel')}
    </a>
  );
  if (view.kind === 'problems') {
    return (
      <Layout ctx={ctx} title={ctx.t('config.error.title')}>
        <section class="card" aria-labelledby="config-problems-title">
          <h2 id="config-problems-title">{ctx.t('config.error.title')}</h2>
          <p>{ctx.t('config.error.intro')}</p>
          <ul id="config-problems">
            {view.issues.map((i) => (
              <li>
                {i.path === '' ? null : <code>{i.path}</code>} {ctx.lang === 'zh' ? (issueTextZh(i.message) ?? i.message) : i.message}
              </li>
            ))}
          </ul>
          <div class="actions">{back}</div>
        </section>
      </Layout>
    );
  }
  return (
    <Layout ctx={ctx} title={ctx.t('config.plan.title')}>
      {view.notice ? <Notice kind="bad">{view.notice}</Notice> : null}
      <section class="card" aria-labelledby="config-plan-title">
        <h2 id="config-plan-title">{ctx.t('config.plan.title')}</h2>
        {view.changes.length === 0 && view.keptOff.length === 0 ? (
          <p>{ctx.t('config.plan.none')}</p>
        ) : (
          <>
            <p>{ctx.t('config.plan.intro')}</p>
            {view.changes.length ? (
              <table id="config-changes">
                <thead>
                  <tr>
                    <th>{ctx.t('config.col.section')}</th>
                    <th>{ctx.t('config.col.change')}</th>
                    <th>{ctx.t('config.col.item')}</th>
                    <th>{ctx.t('config.col.fields')}</th>
                  </tr>
                </thead>
                <tbody>
                  {view.changes.map((c) => (
                    <tr data-action={c.action}>
                      <td>{ctx.t(`config.section.${c.section}`)}</td>
                      <td>
                        <span class={`badge ${c.action === 'delete' ? 'bad' : c.action === 'create' ? 'ok' : 'warn'}`}>{ctx.t(`config.action.${c.action}`)}</span>
                      </td>
                      <td>{c.item}</td>
                      <td>{c.fields ? <code>{c.fields.join(', ')}</code> : null}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
          </>
        )}
        {view.untouched.length ? <p class="help">{ctx.t('config.plan.untouched', { sections: view.untouched.map((s) => ctx.t(`config.section.${s}`)).join(ctx.lang === 'zh' ? '、' : ', ') })}</p> : null}
        {view.ended.length ? <p class="help">{ctx.t('config.plan.ended', { list: view.ended.join(ctx.lang === 'zh' ? '、' : ', ') })}</p> : null}
        {view.keptOff.length ? <p id="config-kept-off">{ctx.t('config.plan.keptOff', { list: view.keptOff.join(ctx.lang === 'zh' ? '、' : ', ') })}</p> : null}
        <div class="actions">
          {view.changes.length || view.keptOff.length ? (
            <form method="post" action="/settings/config/apply">
              <input type="hidden" name="_csrf" value={ctx.csrf} />
              <input type="hidden" name="base" value={view.base} />
              <input type="hidden" name="document" value={view.document} />
              <button type="submit">{ctx.t('config.plan.apply')}</button>
            </form>
          ) : null}
          {back}
        </div>
      </section>
    </Layout>
  );
}
