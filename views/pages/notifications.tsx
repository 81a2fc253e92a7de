import type { Child } from 'hono/jsx';
import type { SilenceRow } from '../../db/queries/silences.ts';
import { CATEGORIES, SEVERITIES, type Category, type EventKind, type Severity, type TaskStatus } from '../../server/events/schema.ts';
import type { ViewContext } from '../context.ts';
import { formatDateTime } from '../../server/time/format.ts';
import { labelOr, type MessageKey } from '../../server/strings/translate.ts';
import { WecomPreview } from '../components/wecomPreview.tsx';
import { describedBy, ErrorSummary, FieldError } from '../components/formErrors.tsx';
import { Layout, Notice } from '../layout.tsx';
import { TemplatesSummary, type TemplateListRow } from './messageTemplates.tsx';

/** The form as the person typed it: strings for text inputs, booleans for checkboxes. */
export interface NotificationFormValues {
  categories: Record<Category, boolean>;
  minSeverity: string;
  quietEnabled: boolean;
  quietStart: string;
  quietEnd: string;
  quietTimeZone: string;
  mentionMode: string;
  mentionTargets: string;
  dedupeWindowMinutes: string;
  language: string;
  format: string;
  rateLimit: string;
  digestWindowSeconds: string;
  maxAgeHours: string;
}

export type NotificationField = Exclude<keyof NotificationFormValues, 'categories' | 'quietEnabled'>;

/** Each field's label, in the order the form shows them (the error summary follows it). */
export const FIELD_LABELS: Record<NotificationField, MessageKey> = {
  minSeverity: 'notifications.minSeverity',
  quietStart: 'notifications.quiet.start',
  quietEnd: 'notifications.quiet.end',
  quietTimeZone: 'notifications.quiet.timeZone',
  mentionMode: 'notifications.mention',
  mentionTargets: 'notifications.mention.targets',
  dedupeWindowMinutes: 'notifications.dedupe',
  language: 'notifications.language',
  format: 'notifications.format',
  rateLimit: 'notifications.rateLimit',
  digestWindowSeconds: 'notifications.digestWindow',
  maxAgeHours: 'notifications.maxAge',
};

/** Translated error per field. */
export type FieldErrors = Partial<Record<NotificationField, string>>;

export interface PreviewMessage {
  msgtype: string;
  json: string;
  bytes: number;
  limit: number;
}

export interface PreviewItem {
  /** Tells apart two samples of one kind (a partial and a failed task). */
  id: string;
  kind: EventKind;
  taskStatus?: TaskStatus;
  severity: Severity;
  messages: PreviewMessage[];
  mentions: string[];
  /** Translated reason when the rules would suppress this event. */
  suppressed?: string;
  /** When the real event shown arrived; absent for a sample. */
  receivedAt?: number;
}

export interface NotificationsProps {
  ctx: ViewContext;
  values: NotificationFormValues;
  errors?: FieldErrors;
  /** After saving: the outcome, and what the saved rules suppress from now on. */
  notice?: { kind: 'ok' | 'bad' | 'info'; text: string; effects?: { title: string; lines: string[] } };
  preview: PreviewItem[];
  maxMentions: number;
  silences: SilenceRow[];
  /** The custom message templates, listed with a link to their editor. */
  templates: TemplateListRow[];
}

const MENTION_MODES = ['none', 'all', 'list'] as const;
const FORMATS = ['markdown', 'markdown_v2', 'text'] as const;
const LANGUAGES = ['zh', 'en'] as const;

/** The id the error summary links to: the input itself, or the first option of a group. */
function fieldId(field: NotificationField): string {
  if (field === 'mentionMode') return 'n-mentionMode-none';
  if (field === 'format') return 'n-format-markdown';
  return `n-${field}`;
}

/** A text-like input with its label, help line and error. */
function Field({
  ctx,
  field,
  values,
  errors,
  type = 'text',
  help,
  attrs = {},
}: {
  ctx: ViewContext;
  field: NotificationField;
  values: NotificationFormValues;
  errors: FieldErrors;
  type?: string;
  help?: string;
  attrs?: Record<string, string | number>;
}) {
  const id = fieldId(field);
  const invalid = Boolean(errors[field]);
  return (
    <div>
      <label for={id}>{ctx.t(FIELD_LABELS[field])}</label>
      <input
        id={id}
        name={field}
        type={type}
        value={values[field]}
        autocomplete="off"
        aria-invalid={invalid ? 'true' : undefined}
        aria-describedby={describedBy(help && `${id}-help`, invalid && `n-${field}-error`)}
        {...attrs}
      />
      {help ? (
        <p class="help" id={`${id}-help`}>
          {help}
        </p>
      ) : null}
      <FieldError id={`n-${field}-error`} message={errors[field]} />
    </div>
  );
}

function Fieldset({ legend, children }: { legend: string; children: Child }) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      {children}
    </fieldset>
  );
}

function NotificationsForm({ ctx, values, errors = {}, maxMentions }: Omit<NotificationsProps, 'preview' | 'notice' | 'silences' | 'templates'>) {
  const mentionInvalid = Boolean(errors.mentionMode);
  const formatInvalid = Boolean(errors.format);
  return (
    <form method="post" action="/notifications" hx-post="/notifications" hx-target="#notifications" hx-swap="outerHTML show:top">
      <input type="hidden" name="_csrf" value={ctx.csrf} />
      <section class="card" aria-labelledby="n-rules-title">
        <h2 id="n-rules-title">{ctx.t('notifications.rules')}</h2>
        <p class="help">{ctx.t('notifications.suppression')}</p>

        <Fieldset legend={ctx.t('notifications.categories')}>
          <p class="help">{ctx.t('notifications.categories.help')}</p>
          {CATEGORIES.map((c) => (
            <label for={`n-cat-${c}`}>
              <input id={`n-cat-${c}`} type="checkbox" name={`cat_${c}`} value="on" checked={values.categories[c]} /> {ctx.t(`category.${c}`)}
            </label>
          ))}
        </Fieldset>

        <div>
          <label for="n-minSeverity">{ctx.t('notifications.minSeverity')}</label>
          <select
            id="n-minSeverity"
            name="minSeverity"
            aria-invalid={errors.minSeverity ? 'true' : undefined}
            aria-describedby={describedBy('n-minSeverity-help', errors.minSeverity && 'n-minSeverity-error')}
          >
            {SEVERITIES.map((s) => (
              <option value={s} selected={values.minSeverity === s}>
                {ctx.t(`severity.${s}`)}
              </option>
            ))}
          </select>
          <p class="help" id="n-minSeverity-help">
            {ctx.t('notifications.minSeverity.help')}
          </p>
          <FieldError id="n-minSeverity-error" message={errors.minSeverity} />
        </div>

        <Fieldset legend={ctx.t('notifications.quiet')}>
          <label for="n-quietEnabled">
            <input id="n-quietEnabled" type="checkbox" name="quietEnabled" value="on" checked={values.quietEnabled} aria-describedby="n-quiet-help" />{' '}
            {ctx.t('notifications.quiet.enabled')}
          </label>
          <p class="help" id="n-quiet-help">
            {ctx.t('notifications.quiet.help')}
          </p>
          <Field ctx={ctx} field="quietStart" values={values} errors={errors} type="time" attrs={{ placeholder: '22:00' }} />
          <Field ctx={ctx} field="quietEnd" values={values} errors={errors} type="time" attrs={{ placeholder: '08:00' }} />
          <Field
            ctx={ctx}
            field="quietTimeZone"
            values={values}
            errors={errors}
            help={ctx.t('notifications.quiet.timeZone.help', { zone: ctx.timeZone })}
            attrs={{ placeholder: ctx.timeZone, spellcheck: 'false' }}
          />
        </Fieldset>

        <Fieldset legend={ctx.t('notifications.mention')}>
          <p class="help" id="n-mention-help">
            {ctx.t('notifications.mention.help')}
          </p>
          {MENTION_MODES.map((m) => (
            <label for={`n-mentionMode-${m}`}>
              <input
                id={`n-mentionMode-${m}`}
                type="radio"
                name="mentionMode"
                value={m}
                checked={values.mentionMode === m}
                aria-invalid={mentionInvalid ? 'true' : undefined}
                aria-describedby={describedBy('n-mention-help', mentionInvalid && 'n-mentionMode-error')}
              />{' '}
              {ctx.t(`notifications.mention.${m}`)}
            </label>
          ))}
          <FieldError id="n-mentionMode-error" message={errors.mentionMode} />
          <label for="n-mentionTargets">{ctx.t('notifications.mention.targets')}</label>
          <textarea
            id="n-mentionTargets"
            name="mentionTargets"
            rows={3}
            cols={40}
            spellcheck={false}
            autocomplete="off"
            aria-invalid={errors.mentionTargets ? 'true' : undefined}
            aria-describedby={describedBy('n-mentionTargets-help', errors.mentionTargets && 'n-mentionTargets-error')}
          >
            {values.mentionTargets}
          </textarea>
          <p class="help" id="n-mentionTargets-help">
            {ctx.t('notifications.mention.targets.help', { max: maxMentions })}
          </p>
          <FieldError id="n-mentionTargets-error" message={errors.mentionTargets} />
        </Fieldset>

        <Field
          ctx={ctx}
          field="dedupeWindowMinutes"
          values={values}
          errors={errors}
          type="number"
          help={ctx.t('notifications.dedupe.help')}
          attrs={{ min: 0, max: 1440, step: 1, inputmode: 'numeric' }}
        />
      </section>

      <section class="card" aria-labelledby="n-delivery-title">
        <h2 id="n-delivery-title">{ctx.t('notifications.delivery')}</h2>
        <div>
          <label for="n-language">{ctx.t('notifications.language')}</label>
          <select
            id="n-language"
            name="language"
            aria-invalid={errors.language ? 'true' : undefined}
            aria-describedby={describedBy('n-language-help', errors.language && 'n-language-error')}
          >
            {LANGUAGES.map((l) => (
              <option value={l} selected={values.language === l} lang={l === 'zh' ? 'zh-CN' : 'en'}>
                {ctx.t(`notifications.language.${l}`)}
              </option>
            ))}
          </select>
          <p class="help" id="n-language-help">
            {ctx.t('notifications.language.help')}
          </p>
          <FieldError id="n-language-error" message={errors.language} />
        </div>

        <Fieldset legend={ctx.t('notifications.format')}>
          {FORMATS.map((f) => (
            <div>
              <label for={`n-format-${f}`}>
                <input
                  id={`n-format-${f}`}
                  type="radio"
                  name="format"
                  value={f}
                  checked={values.format === f}
                  aria-invalid={formatInvalid ? 'true' : undefined}
                  aria-describedby={describedBy(`n-format-${f}-help`, formatInvalid && 'n-format-error')}
                />{' '}
                {ctx.t(`notifications.format.${f}`)}
              </label>
              <p class="help" id={`n-format-${f}-help`}>
                {ctx.t(`notifications.format.${f}.help`)}
              </p>
            </div>
          ))}
          <FieldError id="n-format-error" message={errors.format} />
        </Fieldset>

        <Field
          ctx={ctx}
          field="rateLimit"
          values={values}
          errors={errors}
          type="number"
          help={ctx.t('notifications.rateLimit.help')}
          attrs={{ min: 1, max: 20, step: 1, inputmode: 'numeric' }}
        />
        <Field
          ctx={ctx}
          field="digestWindowSeconds"
          values={values}
          errors={errors}
          type="number"
          help={ctx.t('notifications.digestWindow.help')}
          attrs={{ min: 10, max: 3600, step: 1, inputmode: 'numeric' }}
        />
        <Field
          ctx={ctx}
          field="maxAgeHours"
          values={values}
          errors={errors}
          type="number"
          help={ctx.t('notifications.maxAge.help')}
          attrs={{ min: 0.01, max: 336, step: 'any', inputmode: 'decimal' }}
        />
      </section>

      <div class="actions">
        <button type="submit">
          <span class="when-idle">{ctx.t('notifications.save')}</span>
          <span class="when-busy">{ctx.t('notifications.saving')}</span>
        </button>
      </div>
    </form>
  );
}

function Preview({ ctx, items }: { ctx: ViewContext; items: PreviewItem[] }) {
  return (
    <section class="card" id="notifications-preview" aria-labelledby="n-preview-title">
      <h2 id="n-preview-title">{ctx.t('notifications.preview')}</h2>
      <p class="help">{ctx.t('notifications.preview.intro')}</p>
      {items.map((item) => (
        <article aria-labelledby={`n-preview-${item.id}`}>
          <h3 id={`n-preview-${item.id}`}>
            {ctx.t(
              item.receivedAt !== undefined
                ? item.taskStatus
                  ? 'notifications.preview.latestTaskKind'
                  : 'notifications.preview.latestKind'
                : item.taskStatus
                  ? 'notifications.preview.taskKind'
                  : 'notifications.preview.kind',
              {
                kind: ctx.t(`kind.${item.kind}`),
                severity: ctx.t(`severity.${item.severity}`),
                status: item.taskStatus ? ctx.t(`task.status.${item.taskStatus}`) : '',
                at: item.receivedAt !== undefined ? formatDateTime(item.receivedAt, ctx.lang, ctx.timeZone) : '',
              },
            )}
          </h3>
          {item.suppressed ? <Notice kind="info">{ctx.t('notifications.preview.none', { reason: item.suppressed })}</Notice> : null}
          {item.messages.map((m, i) => (
            <div>
              <p>
                <strong>{ctx.t('notifications.preview.message', { n: i + 1, total: item.messages.length, msgtype: m.msgtype })}</strong>
                {' · '}
                <span class={`size ${m.bytes > m.limit ? 'bad' : 'ok'}`} data-bytes={m.bytes}>
                  {ctx.t('notifications.preview.bytes', { bytes: m.bytes, limit: m.limit, msgtype: m.msgtype })}
                  {m.bytes > m.limit ? ` (${ctx.t('notifications.preview.over')})` : ''}
                </span>
              </p>
              <WecomPreview t={ctx.t} payload={m.json} />
            </div>
          ))}
          <p>
            <strong>{ctx.t('notifications.preview.mentions')}</strong>
          </p>
          <ul>
            {item.mentions.map((line) => (
              <li>{line}</li>
            ))}
          </ul>
        </article>
      ))}
    </section>
  );
}

function RuleEffects({ effects }: { effects: { title: string; lines: string[] } }) {
  return (
    <div id="rule-effects">
      <p>{effects.title}</p>
      {effects.lines.length ? (
        <ul>
          {effects.lines.map((line) => (
            <li>{line}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** Active silences with their end, each removable (a form, so it works without JavaScript). */
function Silences({ ctx, silences }: { ctx: ViewContext; silences: SilenceRow[] }) {
  return (
    <section class="card" id="silences" aria-labelledby="silences-title">
      <h2 id="silences-title">{ctx.t('silence.title')}</h2>
      <p class="help">{ctx.t('silence.intro')}</p>
      {silences.length === 0 ? (
        <p>{ctx.t('silence.empty')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{ctx.t('silence.col.alert')}</th>
              <th>{ctx.t('silence.col.until')}</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {silences.map((s) => (
              <tr>
                <td data-label={ctx.t('silence.col.alert')}>
                  {labelOr(ctx.t, `category.${s.category}`, s.category)} · {s.title} · {s.store || ctx.t('silence.noStore')}
                </td>
                <td data-label={ctx.t('silence.col.until')}>{formatDateTime(s.until, ctx.lang, ctx.timeZone)}</td>
                <td>
                  <form method="post" action={`/notifications/silences/${s.id}/delete`}>
                    <input type="hidden" name="_csrf" value={ctx.csrf} />
                    <button type="submit" class="secondary" aria-label={ctx.t('silence.removeLabel', { title: s.title })}>
                      {ctx.t('silence.remove')}
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Everything below the heading; the htmx target of the form, so a save re-renders the preview too. */
export function NotificationsBody(props: NotificationsProps) {
  const { ctx, notice, errors = {} } = props;
  return (
    <div id="notifications">
      {notice ? (
        <Notice kind={notice.kind}>
          {notice.text}
          {notice.effects ? <RuleEffects effects={notice.effects} /> : null}
        </Notice>
      ) : null}
      <ErrorSummary ctx={ctx} id="notifications-errors" labels={FIELD_LABELS} errors={errors} href={(f) => `#${fieldId(f)}`} />
      <NotificationsForm ctx={ctx} values={props.values} errors={errors} maxMentions={props.maxMentions} />
      <Preview ctx={ctx} items={props.preview} />
    </div>
  );
}

export function NotificationsPage(props: NotificationsProps) {
  const { ctx } = props;
  return (
    <Layout ctx={ctx} title={ctx.t('notifications.title')}>
      <p>{ctx.t('notifications.intro')}</p>
      <NotificationsBody {...props} />
      <TemplatesSummary ctx={ctx} list={props.templates} />
      <Silences ctx={ctx} silences={props.silences} />
    </Layout>
  );
}
