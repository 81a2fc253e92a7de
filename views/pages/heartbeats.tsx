import type { Child } from 'hono/jsx';
import type { HeartbeatPingRow, HeartbeatTransitionRow } from '../../db/queries/heartbeats.ts';
import { CALENDAR_CHOICES } from '../../server/calendar/workdays.ts';
import { CATEGORIES, SEVERITIES } from '../../server/events/schema.ts';
import { shellWord } from '../../server/security/signingSnippets.ts';
import type { HeartbeatCheck } from '../../server/heartbeats/checks.ts';
import type { CheckFormField, CheckFormValues } from '../../server/heartbeats/checkForm.ts';
import type { ViewContext } from '../context.ts';
import { type MessageKey } from '../../server/strings/translate.ts';
import { formatDateTime } from '../../server/time/format.ts';
import { Layout, Notice } from '../layout.tsx';

export type ShownStatus = 'new' | 'up' | 'late' | 'down' | 'paused';

export interface CheckListItem {
  check: HeartbeatCheck;
  status: ShownStatus;
  schedule: string;
  /** When the next check-in is due, if one is expected. */
  nextAt?: number;
}

export type TranslatedCheckErrors = Partial<Record<CheckFormField, string>>;

const BADGE: Record<ShownStatus, string> = { new: 'none', up: 'ok', late: 'warn', down: 'bad', paused: 'none' };

const LABELS: Record<CheckFormField, MessageKey> = {
  name: 'hb.form.name',
  key: 'hb.form.key',
  scheduleKind: 'hb.form.scheduleKind',
  periodMinutes: 'hb.form.periodMinutes',
  cron: 'hb.form.cron',
  timezone: 'hb.form.timezone',
  graceMinutes: 'hb.form.graceMinutes',
  calendar: 'hb.form.calendar',
  category: 'hb.form.category',
  severity: 'hb.form.severity',
  reminderHours: 'hb.form.reminderHours',
};

export function StatusBadge({ ctx, status }: { ctx: ViewContext; status: ShownStatus }) {
  return <span class={`badge ${BADGE[status]}`}>{ctx.t(`hb.state.${status}`)}</span>;
}

function when(ctx: ViewContext, at: number | null | undefined): string {
  return at ? formatDateTime(at, ctx.lang, ctx.timeZone) : ctx.t('hb.never');
}

/** The checks' rows, shared by the page and the dashboard. */
export function CheckTable({ ctx, items, actions = true }: { ctx: ViewContext; items: CheckListItem[]; actions?: boolean }) {
  const { t } = ctx;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{t('hb.col.name')}</th>
          <th scope="col">{t('hb.col.schedule')}</th>
          <th scope="col">{t('hb.col.state')}</th>
          <th scope="col">{t('hb.col.lastPing')}</th>
          <th scope="col">{t('hb.col.next')}</th>
          {actions ? <th scope="col">{t('hb.col.actions')}</th> : null}
        </tr>
      </thead>
      <tbody>
        {items.map((i) => (
          <tr>
            <td>
              <a href={`/heartbeats/${i.check.id}`}>{i.check.name}</a>
              <div class="help">
                <code>{i.check.key}</code>
              </div>
            </td>
            <td>{i.schedule}</td>
            <td>
              <StatusBadge ctx={ctx} status={i.status} />
              {i.check.state.startedAt !== null && !i.check.paused ? <div class="help">{t('hb.running', { time: when(ctx, i.check.state.startedAt) })}</div> : null}
            </td>
            <td>{when(ctx, i.check.state.lastPingAt)}</td>
            <td>{i.nextAt !== undefined ? formatDateTime(i.nextAt, ctx.lang, ctx.timeZone) : '—'}</td>
            {actions ? (
              <td>
                <div class="actions">
                  <a href={`/heartbeats/${i.check.id}/edit`}>{t('hb.edit')}</a>
                  <form method="post" action={`/heartbeats/${i.check.id}/${i.check.paused ? 'resume' : 'pause'}`}>
                    <input type="hidden" name="_csrf" value={ctx.csrf} />
                    <button type="submit" class="secondary" aria-label={`${t(i.check.paused ? 'hb.resume' : 'hb.pause')} ${i.check.name}`}>
                      {t(i.check.paused ? 'hb.resume' : 'hb.pause')}
                    </button>
                  </form>
                  <form method="post" action={`/heartbeats/${i.check.id}/delete`} hx-boost="true" hx-confirm={t('hb.deleteConfirm', { name: i.check.name })}>
                    <input type="hidden" name="_csrf" value={ctx.csrf} />
                    <button type="submit" class="danger" aria-label={`${t('hb.delete')} ${i.check.name}`}>
                      {t('hb.delete')}
                    </button>
                  </form>
                </div>
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function HowTo({ ctx, baseUrl, sampleKey }: { ctx: ViewContext; baseUrl: string; sampleKey: string }) {
  const key = encodeURIComponent(sampleKey);
  return (
    <section class="card" aria-labelledby="hb-howto">
      <h2 id="hb-howto">{ctx.t('hb.howTo')}</h2>
      <p class="help">{ctx.t('hb.howTo.help')}</p>
      <pre>
        <code>
          {`curl -X POST ${baseUrl}/api/v1/heartbeats/${key} -H "Authorization: Bearer $TOKEN"
curl -X POST ${baseUrl}/api/v1/heartbeats/${key}/fail -H "Authorization: Bearer $TOKEN" \\
  -H 'Content-Type: application/json' -d '{"message":"disk full","exit_code":1}'

# crontab: the CLI pings start, runs the job, then success or failure with its exit code and last lines
0 2 * * * STORECLAW_NOTIFY_URL=${baseUrl} STORECLAW_NOTIFY_TOKEN=$TOKEN storeclaw-notify run ${shellWord(sampleKey)} -- /opt/jobs/price-sync.sh`}
        </code>
      </pre>
    </section>
  );
}

export function HeartbeatsPage({ ctx, items, notice, baseUrl }: { ctx: ViewContext; items: CheckListItem[]; notice?: { kind: 'ok' | 'bad'; text: string }; baseUrl: string }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('hb.title')}>
      {notice ? <Notice kind={notice.kind}>{notice.text}</Notice> : null}
      <p class="help">{t('hb.intro')}</p>
      <div class="actions">
        <a class="button" href="/heartbeats/new">
          {t('hb.new')}
        </a>
      </div>
      {items.length ? <CheckTable ctx={ctx} items={items} /> : <p>{t('hb.empty')}</p>}
      <HowTo ctx={ctx} baseUrl={baseUrl} sampleKey={items[0]?.check.key ?? 'price-sync'} />
    </Layout>
  );
}

export function HeartbeatDetailPage({ ctx, item, pings, transitions, baseUrl }: { ctx: ViewContext; item: CheckListItem; pings: HeartbeatPingRow[]; transitions: HeartbeatTransitionRow[]; baseUrl: string }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={item.check.name}>
      <CheckTable ctx={ctx} items={[item]} />
      <section class="card" aria-labelledby="hb-pings">
        <h2 id="hb-pings">{t('hb.detail.pings')}</h2>
        {pings.length ? (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('hb.detail.time')}</th>
                <th scope="col">{t('hb.detail.kind')}</th>
                <th scope="col">{t('hb.detail.source')}</th>
                <th scope="col">{t('hb.detail.exit')}</th>
                <th scope="col">{t('hb.detail.message')}</th>
              </tr>
            </thead>
            <tbody>
              {pings.map((p) => (
                <tr>
                  <td>{when(ctx, p.at)}</td>
                  <td>{t(`hb.kind.${p.kind}`)}</td>
                  <td>{p.eventId !== null ? <a href={`/send-log?event=${p.eventId}`}>{`${t('kind.task_result')} #${p.eventId}`}</a> : p.source === 'api' ? t('hb.source.api') : p.source}</td>
                  <td>{p.exitCode ?? '—'}</td>
                  <td>
                    <pre class="output">{p.message ?? ''}</pre>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>{t('hb.detail.noPings')}</p>
        )}
      </section>
      {transitions.length ? (
        <section class="card" aria-labelledby="hb-transitions">
          <h2 id="hb-transitions">{t('hb.detail.transitions')}</h2>
          <ul>
            {transitions.map((tr) => (
              <li>
                {when(ctx, tr.at)} · {t(`hb.transition.${tr.type}`)}
                {tr.reason ? ` · ${t(`hb.reason.${tr.reason as 'missed' | 'failed' | 'unfinished'}`)}` : ''}
                {tr.eventId !== null ? (
                  <>
                    {' · '}
                    <a href={`/send-log?event=${tr.eventId}`}>#{tr.eventId}</a>
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <HowTo ctx={ctx} baseUrl={baseUrl} sampleKey={item.check.key} />
    </Layout>
  );
}

function Field({ ctx, field, errors, help, children }: { ctx: ViewContext; field: CheckFormField; errors: TranslatedCheckErrors; help?: string; children: Child }) {
  return (
    <div>
      <label for={`hb-${field}`}>{ctx.t(LABELS[field])}</label>
      {children}
      {help ? (
        <p class="help" id={`hb-${field}-help`}>
          {help}
        </p>
      ) : null}
      {errors[field] ? (
        <p class="notice bad" id={`hb-${field}-error`}>
          {errors[field]}
        </p>
      ) : null}
    </div>
  );
}

function described(field: CheckFormField, errors: TranslatedCheckErrors, help: boolean): string | undefined {
  const ids = [help ? `hb-${field}-help` : '', errors[field] ? `hb-${field}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

function Input({ field, values, errors, help = false }: { field: CheckFormField; values: CheckFormValues; errors: TranslatedCheckErrors; help?: boolean }) {
  return <input type="text" id={`hb-${field}`} name={field} value={values[field]} aria-invalid={errors[field] ? 'true' : undefined} aria-describedby={described(field, errors, help)} />;
}

function Select({ ctx, field, values, errors, help = false, options }: { ctx: ViewContext; field: CheckFormField; values: CheckFormValues; errors: TranslatedCheckErrors; help?: boolean; options: ReadonlyArray<readonly [string, MessageKey]> }) {
  return (
    <select id={`hb-${field}`} name={field} aria-invalid={errors[field] ? 'true' : undefined} aria-describedby={described(field, errors, help)}>
      {options.map(([value, label]) => (
        <option value={value} selected={values[field] === value}>
          {ctx.t(label)}
        </option>
      ))}
    </select>
  );
}

export function CheckEditorPage({ ctx, checkId, values, errors = {}, notice }: { ctx: ViewContext; checkId?: number; values: CheckFormValues; errors?: TranslatedCheckErrors; notice?: string }) {
  const { t } = ctx;
  const wrong = (Object.keys(LABELS) as CheckFormField[]).filter((f) => errors[f]);
  const f = { values, errors };
  return (
    <Layout ctx={ctx} title={t(checkId === undefined ? 'hb.newTitle' : 'hb.editTitle')}>
      {notice ? <Notice kind="bad">{notice}</Notice> : null}
      {wrong.length ? (
        <div class="notice bad" role="alert">
          <p>{t('form.error.summary')}</p>
          <ul>
            {wrong.map((field) => (
              <li>
                <a href={`#hb-${field}`}>{t('form.error.fieldIs', { field: t(LABELS[field]), message: errors[field] ?? '' })}</a>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <form method="post" action={checkId === undefined ? '/heartbeats' : `/heartbeats/${checkId}`} class="card">
        <input type="hidden" name="_csrf" value={ctx.csrf} />
        <Field ctx={ctx} field="name" errors={errors}>
          <Input field="name" {...f} />
        </Field>
        <Field ctx={ctx} field="key" errors={errors} help={t('hb.form.keyHelp')}>
          <Input field="key" {...f} help />
        </Field>
        <Field ctx={ctx} field="scheduleKind" errors={errors}>
          <Select ctx={ctx} field="scheduleKind" {...f} options={[['period', 'hb.form.schedule.period'], ['cron', 'hb.form.schedule.cron']]} />
        </Field>
        <Field ctx={ctx} field="periodMinutes" errors={errors}>
          <Input field="periodMinutes" {...f} />
        </Field>
        <Field ctx={ctx} field="cron" errors={errors} help={t('hb.form.cronHelp')}>
          <Input field="cron" {...f} help />
        </Field>
        <Field ctx={ctx} field="timezone" errors={errors}>
          <Input field="timezone" {...f} />
        </Field>
        <Field ctx={ctx} field="graceMinutes" errors={errors} help={t('hb.form.graceHelp')}>
          <Input field="graceMinutes" {...f} help />
        </Field>
        <Field ctx={ctx} field="calendar" errors={errors} help={t('calendar.choiceHelp')}>
          <Select ctx={ctx} field="calendar" {...f} help options={CALENDAR_CHOICES.map((c) => [c, `calendar.choice.${c}`] as const)} />
        </Field>
        <Field ctx={ctx} field="category" errors={errors}>
          <Select ctx={ctx} field="category" {...f} options={CATEGORIES.map((c) => [c, `category.${c}` as MessageKey] as const)} />
        </Field>
        <Field ctx={ctx} field="severity" errors={errors}>
          <Select ctx={ctx} field="severity" {...f} options={SEVERITIES.map((s) => [s, `severity.${s}` as MessageKey] as const)} />
        </Field>
        <Field ctx={ctx} field="reminderHours" errors={errors}>
          <Input field="reminderHours" {...f} />
        </Field>
        <div class="actions">
          <button type="submit">{t('hb.form.save')}</button>
        </div>
      </form>
    </Layout>
  );
}
