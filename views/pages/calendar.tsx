import type { DayInfo, WorkdayCalendar } from '../../server/calendar/workdays.ts';
import type { ViewContext } from '../context.ts';
import { Layout, Notice } from '../layout.tsx';

export interface CalendarForm {
  date: string;
  kind: string;
  note: string;
}

export interface CalendarPageData {
  calendar: WorkdayCalendar;
  enteredYears: readonly number[];
  /** The year the dashboard warns about, if any. */
  missingYear?: number;
  upcoming: DayInfo[];
  noteMax: number;
}

function dayName(ctx: ViewContext, d: DayInfo): string {
  if (!d.name) return '';
  return typeof d.name === 'string' ? d.name : ctx.lang === 'zh' ? d.name.zh : d.name.en;
}

function Csrf({ ctx }: { ctx: ViewContext }) {
  return <input type="hidden" name="_csrf" value={ctx.csrf} />;
}

export function CalendarPage({
  ctx,
  data,
  form = { date: '', kind: 'off', note: '' },
  errors = {},
  notice,
}: {
  ctx: ViewContext;
  data: CalendarPageData;
  form?: CalendarForm;
  errors?: Partial<Record<keyof CalendarForm, string>>;
  notice?: { kind: 'ok' | 'bad'; text: string };
}) {
  const { t } = ctx;
  const cal = data.calendar;
  const described = (name: keyof CalendarForm, help?: string) => [help, errors[name] ? `cal-${name}-error` : undefined].filter(Boolean).join(' ') || undefined;
  const FieldError = ({ name }: { name: keyof CalendarForm }) =>
    errors[name] ? (
      <p class="notice bad" id={`cal-${name}-error`} role="alert">
        {errors[name]}
      </p>
    ) : null;
  return (
    <Layout ctx={ctx} title={t('calendar.title')}>
      {notice ? <Notice kind={notice.kind}>{notice.text}</Notice> : null}
      <p class="help">{t('calendar.intro')}</p>
      <section class="card" aria-labelledby="cal-known">
        <h2 id="cal-known">{t('calendar.known', { year: cal.knownThrough })}</h2>
        <p>{t('calendar.knownDetail', { source: cal.source, first: cal.firstYear, last: cal.packageLastYear })}</p>
        {data.enteredYears.length ? <p>{t('calendar.enteredYears', { years: data.enteredYears.join(', ') })}</p> : null}
        {data.missingYear !== undefined ? (
          <>
            <Notice kind="bad">{t('calendar.missingYear', { year: data.missingYear })}</Notice>
            <form method="post" action="/calendar/years">
              <Csrf ctx={ctx} />
              <input type="hidden" name="year" value={String(data.missingYear)} />
              <input type="hidden" name="entered" value="1" />
              <button type="submit">{t('calendar.markEntered', { year: data.missingYear })}</button>
            </form>
          </>
        ) : null}
        {data.enteredYears.map((year) => (
          <form method="post" action="/calendar/years">
            <Csrf ctx={ctx} />
            <input type="hidden" name="year" value={String(year)} />
            <input type="hidden" name="entered" value="0" />
            <button type="submit" class="secondary">
              {t('calendar.unmarkEntered', { year })}
            </button>
          </form>
        ))}
      </section>

      <section class="card" aria-labelledby="cal-own">
        <h2 id="cal-own">{t('calendar.own')}</h2>
        <p class="help" id="cal-own-help">
          {t('calendar.ownHelp')}
        </p>
        <form method="post" action="/calendar/days">
          <Csrf ctx={ctx} />
          <label for="cal-date">{t('calendar.form.date')}</label>
          <input id="cal-date" name="date" type="date" value={form.date} required aria-describedby={described('date')} aria-invalid={errors.date ? 'true' : undefined} />
          <FieldError name="date" />
          <fieldset>
            <legend>{t('calendar.form.kind')}</legend>
            {(['off', 'work'] as const).map((k) => (
              <label for={`cal-kind-${k}`}>
                <input id={`cal-kind-${k}`} type="radio" name="kind" value={k} checked={form.kind === k} /> {t(k === 'off' ? 'calendar.day.off' : 'calendar.day.work')}
              </label>
            ))}
            <FieldError name="kind" />
          </fieldset>
          <label for="cal-note">{t('calendar.form.note')}</label>
          <input id="cal-note" name="note" type="text" value={form.note} maxlength={data.noteMax} aria-describedby={described('note')} aria-invalid={errors.note ? 'true' : undefined} />
          <FieldError name="note" />
          <div class="actions">
            <button type="submit">{t('calendar.form.add')}</button>
          </div>
        </form>
        {cal.adminDays.length ? (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('calendar.col.date')}</th>
                <th scope="col">{t('calendar.col.day')}</th>
                <th scope="col">{t('calendar.col.note')}</th>
                <th scope="col">{t('calendar.col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {cal.adminDays.map((d) => (
                <tr>
                  <td>{d.date}</td>
                  <td>{t(d.workday ? 'calendar.day.work' : 'calendar.day.off')}</td>
                  <td>{d.note}</td>
                  <td>
                    <form method="post" action={`/calendar/days/${d.date}/delete`}>
                      <Csrf ctx={ctx} />
                      <button type="submit" class="danger" aria-label={`${t('calendar.remove')} ${d.date}`}>
                        {t('calendar.remove')}
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>{t('calendar.ownNone')}</p>
        )}
      </section>

      <section class="card" aria-labelledby="cal-upcoming">
        <h2 id="cal-upcoming">{t('calendar.upcoming')}</h2>
        {data.upcoming.length ? (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('calendar.col.date')}</th>
                <th scope="col">{t('calendar.col.day')}</th>
                <th scope="col">{t('calendar.col.name')}</th>
                <th scope="col">{t('calendar.col.source')}</th>
              </tr>
            </thead>
            <tbody>
              {data.upcoming.map((d) => (
                <tr>
                  <td>{d.date}</td>
                  <td>{t(d.workday ? 'calendar.day.work' : 'calendar.day.off')}</td>
                  <td>{dayName(ctx, d)}</td>
                  <td>{t(d.reason === 'admin' ? 'calendar.source.admin' : 'calendar.source.package')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>{t('calendar.upcomingNone')}</p>
        )}
      </section>
    </Layout>
  );
}
