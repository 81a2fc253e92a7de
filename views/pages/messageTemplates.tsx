import { CATEGORIES } from '../../server/events/schema.ts';
import { MESSAGE_TEMPLATE_MAX_CHARS, placeholdersFor, TEMPLATE_KINDS, type TemplateCategory, type TemplateKind } from '../../server/render/messageTemplate.ts';
import type { ViewContext } from '../context.ts';
import { formatDateTime } from '../../server/time/format.ts';
import { type Lang, type MessageKey } from '../../server/strings/translate.ts';
import { WecomPreview } from '../components/wecomPreview.tsx';
import { Layout, Notice } from '../layout.tsx';

export interface TemplateKey {
  kind: TemplateKind;
  category: TemplateCategory;
  lang: Lang;
}

export interface TemplateListRow extends TemplateKey {
  updatedAt: number;
}

export interface TemplatePreview {
  /** Translated problems when the template cannot be rendered yet. */
  problems: string[];
  messages: Array<{ json: string; bytes: number; limit: number }>;
  /** When the real event the preview renders arrived; absent for the sample. */
  receivedAt?: number;
}

export interface TemplateEditorProps {
  ctx: ViewContext;
  template: TemplateKey;
  body: string;
  state: 'custom' | 'builtIn' | 'inherited';
  format: string;
  list: TemplateListRow[];
  errors?: string[];
  notice?: { kind: 'ok' | 'info'; text: string };
  preview: TemplatePreview;
}

export function kindLabel(ctx: ViewContext, kind: TemplateKind): string {
  return ctx.t(`templates.kind.${kind}`);
}

export function categoryLabel(ctx: ViewContext, category: TemplateCategory): string {
  return category === '' ? ctx.t('templates.category.all') : ctx.t(`category.${category}`);
}

export function langLabel(ctx: ViewContext, lang: Lang): string {
  return ctx.t(`notifications.language.${lang}`);
}

export function templateHref(key: TemplateKey): string {
  return `/notifications/templates?${new URLSearchParams({ kind: key.kind, category: key.category || 'all', lang: key.lang })}`;
}

/** The placeholder's help: digests describe their severity and time differently from events. */
function placeholderHelp(ctx: ViewContext, kind: TemplateKind, name: string): string {
  if (kind === 'digest' && (name === 'severity' || name === 'time')) return ctx.t(`templates.ph.digest.${name}`);
  return ctx.t(`templates.ph.${name}` as MessageKey);
}

export function TemplatePreviewSection({ ctx, kind, preview }: { ctx: ViewContext; kind: TemplateKind; preview: TemplatePreview }) {
  return (
    <section class="card" id="template-preview" aria-labelledby="t-preview-title" aria-live="polite">
      <h2 id="t-preview-title">{ctx.t('templates.preview')}</h2>
      <p class="help">
        {preview.receivedAt !== undefined
          ? ctx.t('templates.preview.introLatest', { kind: kindLabel(ctx, kind), at: formatDateTime(preview.receivedAt, ctx.lang, ctx.timeZone) })
          : ctx.t('templates.preview.intro', { kind: kindLabel(ctx, kind) })}
      </p>
      {preview.problems.length ? (
        <Notice kind="bad">
          {ctx.t('templates.preview.problems')}
          <ul>
            {preview.problems.map((p) => (
              <li>{p}</li>
            ))}
          </ul>
        </Notice>
      ) : null}
      {preview.messages.map((m) => (
        <div class="template-preview-message">
          <p>
            <span class={`badge ${m.bytes > m.limit ? 'bad' : 'ok'}`} data-bytes={m.bytes}>
              {ctx.t('templates.preview.bytes', { bytes: m.bytes, limit: m.limit })}
            </span>
          </p>
          <WecomPreview t={ctx.t} payload={m.json} />
        </div>
      ))}
    </section>
  );
}

function Chooser({ ctx, selected }: { ctx: ViewContext; selected: TemplateKey }) {
  return (
    <form method="get" action="/notifications/templates" class="card">
      <h2>{ctx.t('templates.choose')}</h2>
      <label for="t-kind">{ctx.t('templates.kind')}</label>
      <select id="t-kind" name="kind">
        {TEMPLATE_KINDS.map((k) => (
          <option value={k} selected={selected.kind === k}>
            {kindLabel(ctx, k)}
          </option>
        ))}
      </select>
      <label for="t-category">{ctx.t('templates.category')}</label>
      <select id="t-category" name="category">
        {(['', ...CATEGORIES] as const).map((c) => (
          <option value={c || 'all'} selected={selected.category === c}>
            {categoryLabel(ctx, c)}
          </option>
        ))}
      </select>
      <label for="t-lang">{ctx.t('templates.lang')}</label>
      <select id="t-lang" name="lang">
        {(['zh', 'en'] as const).map((l) => (
          <option value={l} selected={selected.lang === l} lang={l === 'zh' ? 'zh-CN' : 'en'}>
            {langLabel(ctx, l)}
          </option>
        ))}
      </select>
      <div class="actions">
        <button type="submit" class="secondary">
          {ctx.t('templates.choose.submit')}
        </button>
      </div>
    </form>
  );
}

export function TemplateList({ ctx, list }: { ctx: ViewContext; list: TemplateListRow[] }) {
  return (
    <section class="card" id="template-list" aria-labelledby="t-list-title">
      <h2 id="t-list-title">{ctx.t('templates.list')}</h2>
      {list.length === 0 ? (
        <p>{ctx.t('templates.list.empty')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{ctx.t('templates.col.kind')}</th>
              <th>{ctx.t('templates.col.category')}</th>
              <th>{ctx.t('templates.col.lang')}</th>
              <th>{ctx.t('templates.col.updated')}</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {list.map((row) => (
              <tr>
                <td data-label={ctx.t('templates.col.kind')}>{kindLabel(ctx, row.kind)}</td>
                <td data-label={ctx.t('templates.col.category')}>{categoryLabel(ctx, row.category)}</td>
                <td data-label={ctx.t('templates.col.lang')}>{langLabel(ctx, row.lang)}</td>
                <td data-label={ctx.t('templates.col.updated')}>{formatDateTime(row.updatedAt, ctx.lang, ctx.timeZone)}</td>
                <td>
                  <a href={templateHref(row)}>{ctx.t('templates.edit')}</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function TemplateEditorPage(props: TemplateEditorProps) {
  const { ctx, template: key, errors = [], notice } = props;
  const labels = { kind: kindLabel(ctx, key.kind), category: categoryLabel(ctx, key.category), lang: langLabel(ctx, key.lang) };
  const placeholders = [...placeholdersFor(key.kind), ...(key.kind === 'digest' ? [] : ['fields.name'])];
  return (
    <Layout ctx={ctx} title={ctx.t('templates.title')}>
      <p>{ctx.t('templates.intro')}</p>
      {notice ? <Notice kind={notice.kind}>{notice.text}</Notice> : null}
      <Chooser ctx={ctx} selected={key} />
      <form method="post" action="/notifications/templates" class="card" id="template-form">
        <h2>{ctx.t('templates.editing', labels)}</h2>
        <input type="hidden" name="_csrf" value={ctx.csrf} />
        <input type="hidden" name="kind" value={key.kind} />
        <input type="hidden" name="category" value={key.category || 'all'} />
        <input type="hidden" name="lang" value={key.lang} />
        <p class="help" id="t-state">
          {ctx.t(`templates.state.${props.state}`)}
        </p>
        {errors.length ? (
          <div class="notice bad" role="alert" id="t-body-error">
            <p>{ctx.t('templates.error.summary')}</p>
            <ul>
              {errors.map((e) => (
                <li>{e}</li>
              ))}
            </ul>
          </div>
        ) : null}
        <label for="t-body">{ctx.t('templates.body')}</label>
        <textarea
          id="t-body"
          name="body"
          rows={14}
          cols={80}
          spellcheck={false}
          autocomplete="off"
          aria-invalid={errors.length ? 'true' : undefined}
          aria-describedby={errors.length ? 't-body-help t-body-error' : 't-body-help'}
          hx-post="/notifications/templates/preview"
          hx-trigger="input changed delay:400ms"
          hx-target="#template-preview"
          hx-swap="outerHTML"
        >
          {props.body}
        </textarea>
        <p class="help" id="t-body-help">
          {ctx.t('templates.body.help', { format: props.format, max: MESSAGE_TEMPLATE_MAX_CHARS })}
        </p>
        <details>
          <summary>{ctx.t('templates.placeholders')}</summary>
          <dl class="facts" id="t-placeholders">
            {placeholders.map((name) => (
              <>
                <dt>
                  <code>{name === 'fields.name' ? '{{fields.<name>}}' : `{{${name}}}`}</code>
                </dt>
                <dd>{placeholderHelp(ctx, key.kind, name)}</dd>
              </>
            ))}
          </dl>
          {key.kind === 'resolved' ? <p class="help">{ctx.t('templates.resolvedNote')}</p> : null}
        </details>
        <div class="actions">
          <button type="submit" name="action" value="save">
            {ctx.t('templates.save')}
          </button>
          <button type="submit" name="action" value="preview" class="secondary">
            {ctx.t('templates.previewButton')}
          </button>
        </div>
      </form>
      {props.state === 'custom' ? (
        <form method="post" action="/notifications/templates/restore" class="actions">
          <input type="hidden" name="_csrf" value={ctx.csrf} />
          <input type="hidden" name="kind" value={key.kind} />
          <input type="hidden" name="category" value={key.category || 'all'} />
          <input type="hidden" name="lang" value={key.lang} />
          <button type="submit" class="secondary" aria-label={ctx.t('templates.restoreLabel', labels)}>
            {ctx.t('templates.restore')}
          </button>
        </form>
      ) : null}
      <TemplatePreviewSection ctx={ctx} kind={key.kind} preview={props.preview} />
      <TemplateList ctx={ctx} list={props.list} />
    </Layout>
  );
}

/** The Notifications page's pointer: which templates are custom, and the way to the editor. */
export function TemplatesSummary({ ctx, list }: { ctx: ViewContext; list: TemplateListRow[] }) {
  return (
    <section class="card" id="templates" aria-labelledby="templates-title">
      <h2 id="templates-title">{ctx.t('templates.title')}</h2>
      <p class="help">{ctx.t('templates.intro')}</p>
      {list.length === 0 ? (
        <p>{ctx.t('templates.summary.none')}</p>
      ) : (
        <>
          <p>{ctx.t('templates.summary.some')}</p>
          <ul>
            {list.map((row) => (
              <li>
                <a href={templateHref(row)}>{`${kindLabel(ctx, row.kind)} · ${categoryLabel(ctx, row.category)} · ${langLabel(ctx, row.lang)}`}</a>
              </li>
            ))}
          </ul>
        </>
      )}
      <p>
        <a href="/notifications/templates">{ctx.t('templates.open')}</a>
      </p>
    </section>
  );
}
