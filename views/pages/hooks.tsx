import type { WecomMessage } from '../../server/wecom/messages.ts';
import type { EventIssue } from '../../server/events/schema.ts';
import { issueTextZh } from '../../server/configAsCode/issueText.ts';
import { WecomPreview } from '../components/wecomPreview.tsx';
import type { ViewContext } from '../context.ts';
import { formatDateTime } from '../../server/time/format.ts';
import { type MessageKey } from '../../server/strings/translate.ts';
import { Layout, Notice } from '../layout.tsx';

export const HOOK_STARTS = ['blank', 'grafana', 'github_workflow_run', 'uptime_kuma', 'zabbix'] as const;
export type HookStart = (typeof HOOK_STARTS)[number];

/** The editor's text fields, in the order the form shows them. */
export const HOOK_FORM_FIELDS = [
  'title',
  'summary',
  'severity',
  'severityMap',
  'defaultSeverity',
  'category',
  'defaultCategory',
  'store',
  'url',
  'idempotencyKey',
  'fields',
  'dropWhen',
] as const;
export type HookFormField = (typeof HOOK_FORM_FIELDS)[number];
export type HookFormValues = Record<HookFormField, string>;

const MULTILINE: ReadonlySet<HookFormField> = new Set(['severityMap', 'fields', 'dropWhen']);
const HELP: Partial<Record<HookFormField, MessageKey>> = {
  title: 'hooks.field.title.help',
  summary: 'hooks.field.summary.help',
  severity: 'hooks.field.severity.help',
  severityMap: 'hooks.field.severityMap.help',
  category: 'hooks.field.category.help',
  url: 'hooks.field.url.help',
  idempotencyKey: 'hooks.field.idempotencyKey.help',
  fields: 'hooks.field.fields.help',
  dropWhen: 'hooks.field.dropWhen.help',
};
const CHOICES: Partial<Record<HookFormField, readonly string[]>> = {
  defaultSeverity: ['info', 'warning', 'critical'],
  defaultCategory: ['orders', 'inventory', 'ads', 'products', 'store', 'task', 'other'],
};
const CHOICE_LABEL: Partial<Record<HookFormField, (v: string) => MessageKey>> = {
  defaultSeverity: (v) => `severity.${v}` as MessageKey,
  defaultCategory: (v) => `category.${v}` as MessageKey,
};

export type HookPreview =
  | { kind: 'dropped'; condition: string }
  | { kind: 'refused'; issues: EventIssue[] }
  | { kind: 'event'; event: string; messages: Array<{ bytes: number; payload: WecomMessage }>; notes: string[] };

export interface HooksPageProps {
  ctx: ViewContext;
  endpointBase: string;
  hooks: Array<{ name: string; updatedAt: number }>;
  form?: { name: string; start: HookStart; error?: string };
  notice?: { kind: 'ok' | 'bad' | 'info'; text: string };
}

export function HooksPage({ ctx, endpointBase, hooks, form = { name: '', start: 'blank' }, notice }: HooksPageProps) {
  return (
    <Layout ctx={ctx} title={ctx.t('hooks.title')}>
      <p>{ctx.t('hooks.intro')}</p>
      <p>
        <a href="/api-docs">{ctx.t('apidocs.link')}</a>
      </p>
      {notice ? <Notice kind={notice.kind}>{notice.text}</Notice> : null}
      <section class="card" aria-labelledby="hooks-list-title">
        <h2 id="hooks-list-title">{ctx.t('hooks.list')}</h2>
        {hooks.length ? (
          <table id="hooks">
            <thead>
              <tr>
                <th>{ctx.t('hooks.col.name')}</th>
                <th>{ctx.t('hooks.col.endpoint')}</th>
                <th>{ctx.t('hooks.col.updated')}</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {hooks.map((h) => (
                <tr>
                  <td data-label={ctx.t('hooks.col.name')}>{h.name}</td>
                  <td data-label={ctx.t('hooks.col.endpoint')}>
                    <code>POST {`${endpointBase}/${h.name}`}</code>
                  </td>
                  <td data-label={ctx.t('hooks.col.updated')}>{formatDateTime(h.updatedAt, ctx.lang, ctx.timeZone)}</td>
                  <td>
                    <a href={`/hooks/${h.name}`} aria-label={`${ctx.t('hooks.edit')}: ${h.name}`}>
                      {ctx.t('hooks.edit')}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>{ctx.t('hooks.list.empty')}</p>
        )}
      </section>
      <section class="card" aria-labelledby="hooks-new-title">
        <h2 id="hooks-new-title">{ctx.t('hooks.new')}</h2>
        <form method="get" action="/hooks/new">
          <label for="hook-name">{ctx.t('hooks.new.name')}</label>
          <input
            id="hook-name"
            name="name"
            type="text"
            value={form.name}
            maxlength={40}
            required
            autocomplete="off"
            aria-invalid={form.error ? 'true' : undefined}
            aria-describedby={form.error ? 'hook-name-help hook-name-error' : 'hook-name-help'}
          />
          <p class="help" id="hook-name-help">
            {ctx.t('hooks.new.name.help')}
          </p>
          {form.error ? (
            <p class="notice bad" id="hook-name-error" role="alert">
              {form.error}
            </p>
          ) : null}
          <label for="hook-start">{ctx.t('hooks.new.start')}</label>
          <select id="hook-start" name="start">
            {HOOK_STARTS.map((s) => (
              <option value={s} selected={form.start === s}>
                {ctx.t(`hooks.start.${s}`)}
              </option>
            ))}
          </select>
          <div class="actions">
            <button type="submit">{ctx.t('hooks.new.submit')}</button>
          </div>
        </form>
      </section>
    </Layout>
  );
}

export interface HookEditorProps {
  ctx: ViewContext;
  name: string;
  isNew: boolean;
  endpoint: string;
  values: HookFormValues;
  sample: string;
  errors?: Partial<Record<HookFormField | 'sample' | 'name', string[]>>;
  preview?: HookPreview;
  notice?: { kind: 'ok' | 'bad' | 'info'; text: string };
}

function FieldErrors({ id, messages }: { id: string; messages: string[] | undefined }) {
  if (!messages?.length) return null;
  return (
    <ul class="notice bad" id={id} role="alert">
      {messages.map((m) => (
        <li>{m}</li>
      ))}
    </ul>
  );
}

function Field({ ctx, field, value, errors }: { ctx: ViewContext; field: HookFormField; value: string; errors: string[] | undefined }) {
  const id = `hook-${field}`;
  const help = HELP[field];
  const describedBy = [help ? `${id}-help` : '', errors?.length ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const choices = CHOICES[field];
  const common = { id, name: field, 'aria-invalid': errors?.length ? 'true' : undefined, 'aria-describedby': describedBy };
  return (
    <>
      <label for={id}>{ctx.t(`hooks.field.${field}` as MessageKey)}</label>
      {choices ? (
        <select {...common}>
          {choices.map((choice) => (
            <option value={choice} selected={value === choice}>
              {ctx.t(CHOICE_LABEL[field]!(choice))}
            </option>
          ))}
        </select>
      ) : MULTILINE.has(field) ? (
        <textarea {...common} rows={5} cols={80} spellcheck={false}>
          {value}
        </textarea>
      ) : (
        <input {...common} type="text" value={value} autocomplete="off" spellcheck={false} />
      )}
      {help ? (
        <p class="help" id={`${id}-help`}>
          {ctx.t(help)}
        </p>
      ) : null}
      <FieldErrors id={`${id}-error`} messages={errors} />
    </>
  );
}

function Preview({ ctx, preview }: { ctx: ViewContext; preview: HookPreview }) {
  return (
    <section class="card" id="hook-preview" aria-labelledby="hook-preview-title">
      <h2 id="hook-preview-title">{ctx.t('hooks.preview.title')}</h2>
      {preview.kind === 'dropped' ? <Notice kind="info">{ctx.t('hooks.preview.dropped', { condition: preview.condition })}</Notice> : null}
      {preview.kind === 'refused' ? (
        <div class="notice bad" role="alert">
          {ctx.t('hooks.preview.refused')}
          <ul>
            {preview.issues.map((i) => (
              <li>{`${i.path}: ${ctx.lang === 'zh' ? (issueTextZh(i.message) ?? i.message) : i.message}`}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {preview.kind === 'event' ? (
        <>
          {preview.notes.length ? (
            <ul class="help">
              {preview.notes.map((n) => (
                <li>{n}</li>
              ))}
            </ul>
          ) : null}
          <h3>{ctx.t('hooks.preview.event')}</h3>
          <pre id="hook-preview-event">{preview.event}</pre>
          {preview.messages.map((m) => (
            <>
              <h3>{ctx.t('hooks.preview.message', { bytes: m.bytes })}</h3>
              <WecomPreview t={ctx.t} payload={m.payload} />
            </>
          ))}
          <p class="help">{ctx.t('hooks.preview.rulesNote')}</p>
        </>
      ) : null}
    </section>
  );
}

export function HookEditorPage({ ctx, name, isNew, endpoint, values, sample, errors = {}, preview, notice }: HookEditorProps) {
  return (
    <Layout ctx={ctx} title={ctx.t(isNew ? 'hooks.editor.new' : 'hooks.editor.title', { name })}>
      {notice ? <Notice kind={notice.kind}>{notice.text}</Notice> : null}
      {errors.name ? <FieldErrors id="hook-name-error" messages={errors.name} /> : null}
      <dl class="facts">
        <dt>{ctx.t('hooks.endpoint')}</dt>
        <dd>
          <code>POST {endpoint}</code>
        </dd>
      </dl>
      {preview ? <Preview ctx={ctx} preview={preview} /> : null}
      <form method="post" action={`/hooks/${name}`} class="card">
        <input type="hidden" name="_csrf" value={ctx.csrf} />
        <input type="hidden" name="isNew" value={isNew ? '1' : ''} />
        <p class="help">{ctx.t('hooks.syntax')}</p>
        {HOOK_FORM_FIELDS.map((field) => (
          <Field ctx={ctx} field={field} value={values[field]} errors={errors[field]} />
        ))}
        <label for="hook-sample">{ctx.t('hooks.sample')}</label>
        <textarea
          id="hook-sample"
          name="sample"
          rows={10}
          cols={80}
          spellcheck={false}
          aria-invalid={errors.sample?.length ? 'true' : undefined}
          aria-describedby={errors.sample?.length ? 'hook-sample-help hook-sample-error' : 'hook-sample-help'}
        >
          {sample}
        </textarea>
        <p class="help" id="hook-sample-help">
          {ctx.t('hooks.sample.help')}
        </p>
        <FieldErrors id="hook-sample-error" messages={errors.sample} />
        <div class="actions">
          <button type="submit" name="action" value="preview" class="secondary">
            {ctx.t('hooks.preview')}
          </button>
          <button type="submit" name="action" value="save">
            {ctx.t('hooks.save')}
          </button>
        </div>
      </form>
      {isNew ? null : (
        <form method="post" action={`/hooks/${name}/delete`} class="card" aria-labelledby="hook-delete-title">
          <h2 id="hook-delete-title">{ctx.t('hooks.deleteTitle')}</h2>
          <input type="hidden" name="_csrf" value={ctx.csrf} />
          <label for="hook-delete-confirm">
            <input id="hook-delete-confirm" name="confirm" type="checkbox" value="yes" required /> {ctx.t('hooks.delete.confirm', { name })}
          </label>
          <div class="actions">
            <button type="submit" class="danger">
              {ctx.t('hooks.delete')}
            </button>
          </div>
        </form>
      )}
      <p>
        <a href="/hooks">{ctx.t('hooks.back')}</a>
      </p>
    </Layout>
  );
}
