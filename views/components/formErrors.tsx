// How a form that was refused says why: a summary on top linking to each wrong field, and the
// message under each field (the id its aria-describedby names).
import type { MessageKey } from '../../server/strings/translate.ts';
import type { ViewContext } from '../context.ts';

/** The ids an input's aria-describedby names: its help line and its error, when shown. */
export function describedBy(...ids: Array<string | false | undefined>): string | undefined {
  const list = ids.filter((x): x is string => typeof x === 'string');
  return list.length ? list.join(' ') : undefined;
}

export function FieldError({ id, message, alert = false }: { id: string; message: string | undefined; alert?: boolean }) {
  if (!message) return null;
  return (
    <p class="notice bad" id={id} role={alert ? 'alert' : undefined}>
      {message}
    </p>
  );
}

/** The wrong fields in the order of `labels`, each linked to its input (`href`). */
export function ErrorSummary<F extends string>(props: {
  ctx: ViewContext;
  id?: string;
  intro?: MessageKey;
  labels: Record<F, MessageKey>;
  errors: Partial<Record<F, string>>;
  href: (field: F) => string;
}) {
  const { ctx, errors, labels } = props;
  const fields = (Object.keys(labels) as F[]).filter((f) => errors[f]);
  if (!fields.length) return null;
  return (
    <div class="notice bad" role="alert" id={props.id}>
      <p>{ctx.t(props.intro ?? 'form.error.summary')}</p>
      <ul>
        {fields.map((f) => (
          <li>
            <a href={props.href(f)}>{ctx.t('form.error.fieldIs', { field: ctx.t(labels[f]), message: errors[f] ?? '' })}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}
