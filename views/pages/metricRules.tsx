import type { Child } from 'hono/jsx';
import { CATEGORIES, SEVERITIES } from '../../server/events/schema.ts';
import { TITLE_PLACEHOLDERS } from '../../server/metricRules/alerts.ts';
import type { BacktestResult } from '../../server/metricRules/backtest.ts';
import type { MetricRule } from '../../server/metricRules/definition.ts';
import type { FiringList } from '../../server/metricRules/firingList.ts';
import { formatDuration } from '../../server/metricRules/describe.ts';
import type { RuleFormField, RuleFormValues } from '../../server/metricRules/ruleForm.ts';
import type { ViewContext } from '../context.ts';
import { formatDateTime } from '../../server/time/format.ts';
import { type MessageKey } from '../../server/strings/translate.ts';
import { ErrorSummary, FieldError } from '../components/formErrors.tsx';
import { Layout, Notice } from '../layout.tsx';

/** Stores in one state: the first few by name, and how many there are. */
export interface StoresInState {
  named: string[];
  total: number;
}

export interface RuleListItem {
  rule: MetricRule;
  description: string;
  store: string;
  firing: StoresInState;
  pending: StoresInState;
  /** Stores the rule keeps a state for. */
  watching: number;
}

/** One page of the firing (rule, store) pairs; `page` counts from 1. */
export interface FiringPage extends FiringList {
  page: number;
  pageSize: number;
}

export type BacktestView = { invalid: true } | { days: number; result: BacktestResult; truncated: boolean; limit: number };

/** Each message already in the reader's language. */
export type TranslatedErrors = Partial<Record<RuleFormField, string>>;

const LABELS: Record<RuleFormField, MessageKey> = {
  name: 'mr.form.name',
  metric: 'mr.form.metric',
  store: 'mr.form.store',
  conditionType: 'mr.form.conditionType',
  thresholdOp: 'mr.form.thresholdOp',
  thresholdValue: 'mr.form.thresholdValue',
  changeDirection: 'mr.form.changeDirection',
  changeAmount: 'mr.form.changeAmount',
  changeBy: 'mr.form.changeBy',
  changeBaseline: 'mr.form.changeBaseline',
  changeSkipHolidays: 'calendar.skipHolidays',
  noDataAmount: 'mr.form.noDataAmount',
  noDataUnit: 'mr.form.noDataUnit',
  holdKind: 'mr.form.holdKind',
  holdCount: 'mr.form.holdCount',
  holdMinutes: 'mr.form.holdMinutes',
  severity: 'mr.form.severity',
  category: 'mr.form.category',
  mentionMode: 'mr.form.mentionMode',
  mentionTargets: 'mr.form.mentionTargets',
  title: 'mr.form.title',
  reminderHours: 'mr.form.reminderHours',
  enabled: 'mr.form.enabled',
  backtestDays: 'mr.form.backtestDays',
};

const MAX_EPISODES_SHOWN = 50;

function storeList(ctx: ViewContext, stores: StoresInState): string {
  const names = stores.named.map((s) => s || '—').join(ctx.t('mr.state.storeSeparator'));
  const more = stores.total - stores.named.length;
  return more > 0 ? `${names} ${ctx.t('mr.andMore', { count: more })}` : names;
}

function FiringPager({ ctx, firing }: { ctx: ViewContext; firing: FiringPage }) {
  const from = (firing.page - 1) * firing.pageSize + 1;
  const to = from + firing.shown.length - 1;
  if (firing.total <= firing.pageSize && firing.page === 1) return null;
  return (
    <div class="actions">
      <span class="help">{ctx.t('mr.firingShown', { from: Math.min(from, firing.total), to, total: firing.total })}</span>
      {firing.page > 1 ? <a href={`/metric-rules?firing=${firing.page - 1}`}>← {ctx.t('mr.firingNewer')}</a> : null}
      {to < firing.total ? <a href={`/metric-rules?firing=${firing.page + 1}`}>{ctx.t('mr.firingOlder')} →</a> : null}
    </div>
  );
}

export function MetricRulesPage({
  ctx,
  items,
  firing,
  storeLimit,
  notice,
}: {
  ctx: ViewContext;
  items: RuleListItem[];
  firing: FiringPage;
  storeLimit: number;
  notice?: { kind: 'ok' | 'bad'; text: string };
}) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('mr.title')}>
      {notice ? <Notice kind={notice.kind}>{notice.text}</Notice> : null}
      <p class="help">{t('mr.intro')}</p>
      <section class="card" aria-labelledby="mr-firing">
        <h2 id="mr-firing">{t('mr.firingNow')}</h2>
        {firing.total ? (
          <>
            <ul>
              {firing.shown.map((f) => (
                <li>
                  <strong>{f.name}</strong> · {f.store || '—'} · {t('mr.since', { time: formatDateTime(f.since, ctx.lang, ctx.timeZone) })}
                </li>
              ))}
            </ul>
            <FiringPager ctx={ctx} firing={firing} />
          </>
        ) : (
          <p>{t('mr.noneFiring')}</p>
        )}
      </section>
      <div class="actions">
        <a class="button" href="/metric-rules/new">
          {t('mr.new')}
        </a>
      </div>
      {items.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('mr.col.name')}</th>
              <th scope="col">{t('mr.col.condition')}</th>
              <th scope="col">{t('mr.col.store')}</th>
              <th scope="col">{t('mr.col.severity')}</th>
              <th scope="col">{t('mr.col.state')}</th>
              <th scope="col">{t('mr.col.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((i) => (
              <tr>
                <td data-label={t('mr.col.name')}>{i.rule.name}</td>
                <td data-label={t('mr.col.condition')}>{i.description}</td>
                <td data-label={t('mr.col.store')}>{i.store}</td>
                <td data-label={t('mr.col.severity')}>{t(`severity.${i.rule.severity}` as MessageKey)}</td>
                <td data-label={t('mr.col.state')}>
                  {!i.rule.enabled ? (
                    <span class="badge none">{t('mr.state.disabled')}</span>
                  ) : i.firing.total ? (
                    <>
                      <span class="badge bad">{t('mr.state.firing')}</span> {storeList(ctx, i.firing)}
                    </>
                  ) : i.pending.total ? (
                    <>
                      <span class="badge warn">{t('mr.state.pending')}</span> {storeList(ctx, i.pending)}
                    </>
                  ) : (
                    <span class="badge ok">{t('mr.state.ok')}</span>
                  )}
                  {i.rule.store === null && i.watching > 0 ? (
                    <p class={i.watching >= storeLimit ? 'notice bad' : 'help'}>
                      {i.watching >= storeLimit ? t('mr.storeLimitReached', { limit: storeLimit }) : t('mr.watching', { count: i.watching, limit: storeLimit })}
                    </p>
                  ) : null}
                </td>
                <td>
                  <div class="actions">
                    <a href={`/metric-rules/${i.rule.id}/edit`}>{t('mr.edit')}</a>
                    <form method="post" action={`/metric-rules/${i.rule.id}/delete`} hx-boost="true" hx-confirm={t('mr.deleteConfirm', { name: i.rule.name })}>
                      <input type="hidden" name="_csrf" value={ctx.csrf} />
                      <button type="submit" class="danger">
                        {t('mr.delete')}
                      </button>
                    </form>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>{t('mr.empty')}</p>
      )}
    </Layout>
  );
}

function Field({ ctx, field, errors, help, children }: { ctx: ViewContext; field: RuleFormField; errors: TranslatedErrors; help?: string; children: Child }) {
  return (
    <div>
      <label for={`mr-${field}`}>{ctx.t(LABELS[field])}</label>
      {children}
      {help ? (
        <p class="help" id={`mr-${field}-help`}>
          {help}
        </p>
      ) : null}
      <FieldError id={`mr-${field}-error`} message={errors[field]} />
    </div>
  );
}

function describedBy(field: RuleFormField, errors: TranslatedErrors, help: boolean): string | undefined {
  const ids = [help ? `mr-${field}-help` : '', errors[field] ? `mr-${field}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

function TextInput({ field, values, errors, help = false, type = 'text' }: { field: RuleFormField; values: RuleFormValues; errors: TranslatedErrors; help?: boolean; type?: string }) {
  return (
    <input
      type={type}
      id={`mr-${field}`}
      name={field}
      value={values[field]}
      inputmode={type === 'text' && /Value|Amount|Count|Minutes|Hours|Days/.test(field) ? 'decimal' : undefined}
      aria-invalid={errors[field] ? 'true' : undefined}
      aria-describedby={describedBy(field, errors, help)}
    />
  );
}

function Select({ ctx, field, values, errors, help = false, options }: { ctx: ViewContext; field: RuleFormField; values: RuleFormValues; errors: TranslatedErrors; help?: boolean; options: Array<[string, MessageKey]> }) {
  return (
    <select id={`mr-${field}`} name={field} aria-invalid={errors[field] ? 'true' : undefined} aria-describedby={describedBy(field, errors, help)}>
      {options.map(([value, key]) => (
        <option value={value} selected={values[field] === value}>
          {ctx.t(key)}
        </option>
      ))}
    </select>
  );
}

export function BacktestPanel({ ctx, backtest }: { ctx: ViewContext; backtest?: BacktestView }) {
  const { t } = ctx;
  const compared = backtest !== undefined && !('invalid' in backtest) && backtest.result.episodes.some((e) => e.comparedWith !== undefined);
  return (
    <section class="card" id="mr-backtest" aria-labelledby="mr-backtest-title" aria-live="polite">
      <h2 id="mr-backtest-title">{t('mr.bt.title')}</h2>
      <p class="help">{t('mr.bt.help')}</p>
      {!backtest ? null : 'invalid' in backtest ? (
        <p>{t('mr.bt.invalid')}</p>
      ) : (
        <>
          <p>{t('mr.bt.summary', { days: backtest.days, points: backtest.result.points, stores: backtest.result.stores, count: backtest.result.episodes.length })}</p>
          {backtest.truncated ? <p class="help">{t('mr.bt.truncated', { limit: backtest.limit })}</p> : null}
          {backtest.result.episodes.length === 0 ? (
            <p>{t('mr.bt.none')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('mr.col.store')}</th>
                  <th scope="col">{t('mr.bt.fired')}</th>
                  <th scope="col">{t('mr.bt.value')}</th>
                  <th scope="col">{t('mr.bt.resolved')}</th>
                  <th scope="col">{t('mr.bt.duration')}</th>
                  <th scope="col">{t('mr.bt.reminders')}</th>
                  {compared ? <th scope="col">{t('calendar.bt.comparedWith')}</th> : null}
                </tr>
              </thead>
              <tbody>
                {backtest.result.episodes.slice(-MAX_EPISODES_SHOWN).map((e) => (
                  <tr>
                    <td data-label={t('mr.col.store')}>{e.store || '—'}</td>
                    <td data-label={t('mr.bt.fired')}>{formatDateTime(e.firedAt, ctx.lang, ctx.timeZone)}</td>
                    <td data-label={t('mr.bt.value')}>{e.value ?? '—'}</td>
                    <td data-label={t('mr.bt.resolved')}>{e.resolvedAt === null ? t('mr.bt.stillFiring') : formatDateTime(e.resolvedAt, ctx.lang, ctx.timeZone)}</td>
                    <td data-label={t('mr.bt.duration')}>{e.resolvedAt === null ? '—' : formatDuration(e.resolvedAt - e.firedAt, ctx.lang)}</td>
                    <td data-label={t('mr.bt.reminders')}>{e.reminders}</td>
                    {compared ? (
                      <td data-label={t('calendar.bt.comparedWith')}>
                        {e.comparedWith === undefined
                          ? '—'
                          : e.shifted
                            ? t('calendar.bt.shifted', { time: formatDateTime(e.comparedWith, ctx.lang, ctx.timeZone) })
                            : formatDateTime(e.comparedWith, ctx.lang, ctx.timeZone)}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {backtest.result.episodes.length > MAX_EPISODES_SHOWN ? <p class="help">{t('mr.bt.more', { count: backtest.result.episodes.length - MAX_EPISODES_SHOWN })}</p> : null}
        </>
      )}
    </section>
  );
}

export function RuleEditorPage(props: { ctx: ViewContext; ruleId?: number; values: RuleFormValues; errors?: TranslatedErrors; backtest?: BacktestView }) {
  const { ctx, ruleId, values } = props;
  const errors = props.errors ?? {};
  const { t } = ctx;
  const action = ruleId === undefined ? '/metric-rules' : `/metric-rules/${ruleId}`;
  const f = { values, errors };
  return (
    <Layout ctx={ctx} title={t(ruleId === undefined ? 'mr.newTitle' : 'mr.editTitle')}>
      <ErrorSummary ctx={ctx} labels={LABELS} errors={errors} href={(field) => `#mr-${field}`} />
      <form method="post" action={action} class="card">
        <input type="hidden" name="_csrf" value={ctx.csrf} />
        <Field ctx={ctx} field="name" errors={errors}>
          <TextInput field="name" {...f} />
        </Field>
        <Field ctx={ctx} field="metric" errors={errors} help={t('mr.form.metricHelp')}>
          <TextInput field="metric" {...f} help />
        </Field>
        <Field ctx={ctx} field="store" errors={errors} help={t('mr.form.storeHelp')}>
          <TextInput field="store" {...f} help />
        </Field>
        <Field ctx={ctx} field="conditionType" errors={errors} help={t('mr.form.conditionHelp')}>
          <Select ctx={ctx} field="conditionType" {...f} help options={[['threshold', 'mr.type.threshold'], ['change', 'mr.type.change'], ['no_data', 'mr.type.no_data']]} />
        </Field>
        <fieldset>
          <legend>{t('mr.type.threshold')}</legend>
          <Field ctx={ctx} field="thresholdOp" errors={errors}>
            <Select ctx={ctx} field="thresholdOp" {...f} options={[['above', 'mr.op.above'], ['below', 'mr.op.below']]} />
          </Field>
          <Field ctx={ctx} field="thresholdValue" errors={errors}>
            <TextInput field="thresholdValue" {...f} />
          </Field>
        </fieldset>
        <fieldset>
          <legend>{t('mr.type.change')}</legend>
          <Field ctx={ctx} field="changeDirection" errors={errors}>
            <Select ctx={ctx} field="changeDirection" {...f} options={[['down', 'mr.dir.down'], ['up', 'mr.dir.up']]} />
          </Field>
          <Field ctx={ctx} field="changeAmount" errors={errors}>
            <TextInput field="changeAmount" {...f} />
          </Field>
          <Field ctx={ctx} field="changeBy" errors={errors}>
            <Select ctx={ctx} field="changeBy" {...f} options={[['percent', 'mr.by.percent'], ['absolute', 'mr.by.absolute']]} />
          </Field>
          <Field ctx={ctx} field="changeBaseline" errors={errors}>
            <Select ctx={ctx} field="changeBaseline" {...f} options={[['previous', 'mr.base.previous'], ['1d', 'mr.base.1d'], ['7d', 'mr.base.7d']]} />
          </Field>
          <label for="mr-changeSkipHolidays">
            <input id="mr-changeSkipHolidays" type="checkbox" name="changeSkipHolidays" value="on" checked={values.changeSkipHolidays !== ''} aria-describedby="mr-changeSkipHolidays-help" /> {t('calendar.skipHolidays')}
          </label>
          <p class="help" id="mr-changeSkipHolidays-help">
            {t('calendar.skipHolidaysHelp')}
          </p>
        </fieldset>
        <fieldset>
          <legend>{t('mr.type.no_data')}</legend>
          <Field ctx={ctx} field="noDataAmount" errors={errors}>
            <TextInput field="noDataAmount" {...f} />
          </Field>
          <Field ctx={ctx} field="noDataUnit" errors={errors}>
            <Select ctx={ctx} field="noDataUnit" {...f} options={[['hours', 'mr.unit.hours'], ['minutes', 'mr.unit.minutes']]} />
          </Field>
        </fieldset>
        <Field ctx={ctx} field="holdKind" errors={errors} help={t('mr.form.holdHelp')}>
          <Select ctx={ctx} field="holdKind" {...f} help options={[['points', 'mr.hold.points'], ['duration', 'mr.hold.duration']]} />
        </Field>
        <Field ctx={ctx} field="holdCount" errors={errors}>
          <TextInput field="holdCount" {...f} />
        </Field>
        <Field ctx={ctx} field="holdMinutes" errors={errors}>
          <TextInput field="holdMinutes" {...f} />
        </Field>
        <Field ctx={ctx} field="severity" errors={errors}>
          <Select ctx={ctx} field="severity" {...f} options={SEVERITIES.map((s) => [s, `severity.${s}` as MessageKey])} />
        </Field>
        <Field ctx={ctx} field="category" errors={errors}>
          <Select ctx={ctx} field="category" {...f} options={CATEGORIES.map((c) => [c, `category.${c}` as MessageKey])} />
        </Field>
        <Field ctx={ctx} field="mentionMode" errors={errors}>
          <Select ctx={ctx} field="mentionMode" {...f} options={[['none', 'mr.mention.none'], ['all', 'mr.mention.all'], ['list', 'mr.mention.list']]} />
        </Field>
        <Field ctx={ctx} field="mentionTargets" errors={errors}>
          <TextInput field="mentionTargets" {...f} />
        </Field>
        <Field ctx={ctx} field="title" errors={errors} help={t('mr.form.titleHelp', { list: TITLE_PLACEHOLDERS.map((p) => `{{${p}}}`).join(' ') })}>
          <TextInput field="title" {...f} help />
        </Field>
        <Field ctx={ctx} field="reminderHours" errors={errors} help={t('mr.form.reminderHelp')}>
          <TextInput field="reminderHours" {...f} help />
        </Field>
        <label for="mr-enabled">
          <input type="checkbox" id="mr-enabled" name="enabled" checked={values.enabled !== ''} /> {t('mr.form.enabled')}
        </label>
        <Field ctx={ctx} field="backtestDays" errors={errors}>
          <TextInput field="backtestDays" {...f} />
        </Field>
        <div class="actions">
          <button type="submit" name="intent" value="preview" class="secondary" hx-post="/metric-rules/backtest" hx-target="#mr-backtest" hx-swap="outerHTML">
            {t('mr.form.preview')}
          </button>
          <button type="submit" name="intent" value="save">
            {t('mr.form.save')}
          </button>
          <a href="/metric-rules">{t('mr.form.cancel')}</a>
        </div>
      </form>
      <BacktestPanel ctx={ctx} backtest={props.backtest} />
    </Layout>
  );
}
