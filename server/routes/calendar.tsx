import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import { writeAudit } from '../../db/queries/audit.ts';
import type { ViewContext } from '../../views/context.ts';
import { CalendarPage, type CalendarForm, type CalendarPageData } from '../../views/pages/calendar.tsx';
import { ADMIN_NOTE_MAX, type CalendarStore } from '../calendar/calendarStore.ts';
import { isDateString, MAX_ADMIN_DAYS, missingNextYear } from '../calendar/workdays.ts';
import { localDate } from '../time/calendar.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { sessionKey, type FlashStore } from './flash.ts';
import { clientIp, viewContext } from './viewContext.ts';

/** Coming named days the page lists. */
const UPCOMING_SHOWN = 40;

type Notice = { kind: 'ok' | 'bad'; text: string };

const dayForm = v.object({
  date: v.pipe(v.string(), v.trim(), v.check(isDateString, 'calendar.error.date')),
  kind: v.picklist(['off', 'work'], 'calendar.error.kind'),
  note: v.pipe(v.string(), v.trim(), v.maxLength(ADMIN_NOTE_MAX, 'calendar.error.note')),
});

const yearForm = v.object({
  year: v.pipe(v.string(), v.regex(/^\d{4}$/, 'calendar.error.year'), v.toNumber()),
  entered: v.picklist(['0', '1'], 'calendar.error.year'),
});

function pageData(deps: AppDeps, store: CalendarStore): CalendarPageData {
  const calendar = store.calendar();
  const now = deps.clock.now();
  const tz = deps.settings.general().timeZone;
  return {
    calendar,
    enteredYears: store.enteredYears(),
    missingYear: missingNextYear(calendar, now, tz),
    upcoming: calendar.notableDaysFrom(localDate(now, tz), UPCOMING_SHOWN),
    noteMax: ADMIN_NOTE_MAX,
  };
}

export function calendarRoutes(deps: AppDeps & { flash: FlashStore }) {
  const app = new Hono<AppEnv>();
  const store = deps.calendar;
  if (!store) return app;

  const render = (c: Context<AppEnv>, ctx: ViewContext, opts: { form?: CalendarForm; errors?: Partial<Record<keyof CalendarForm, string>>; notice?: Notice } = {}, status: 200 | 422 = 200) =>
    c.html(<CalendarPage ctx={ctx} data={pageData(deps, store)} {...opts} />, status);

  app.get('/calendar', (c) => render(c, viewContext(c, deps), { notice: deps.flash.take<Notice>(sessionKey(c), 'calendar') }));

  app.post('/calendar/days', async (c) => {
    const ctx = viewContext(c, deps);
    const body = await c.req.parseBody();
    const form: CalendarForm = { date: String(body.date ?? ''), kind: String(body.kind ?? ''), note: String(body.note ?? '') };
    const parsed = v.safeParse(dayForm, form);
    if (!parsed.success) {
      const nested = v.flatten<typeof dayForm>(parsed.issues).nested ?? {};
      const errors = Object.fromEntries(
        Object.entries(nested).map(([field, messages]) => [field, ctx.t(messages![0] as Parameters<typeof ctx.t>[0], { max: ADMIN_NOTE_MAX })]),
      );
      return render(c, ctx, { form, errors }, 422);
    }
    const { date, kind, note } = parsed.output;
    if (!store.putDay({ date, workday: kind === 'work', note })) {
      return render(c, ctx, { form, notice: { kind: 'bad', text: ctx.t('calendar.error.full', { max: MAX_ADMIN_DAYS }) } }, 422);
    }
    writeAudit(deps.db, deps.clock.now(), { actor: 'admin', action: 'calendar.day_set', detail: { date, workday: kind === 'work', note }, ip: clientIp(c) });
    deps.flash.put<Notice>(sessionKey(c), 'calendar', { kind: 'ok', text: ctx.t('calendar.saved', { date, kind: ctx.t(kind === 'work' ? 'calendar.day.work' : 'calendar.day.off') }) });
    return c.redirect('/calendar', 303);
  });

  app.post('/calendar/days/:date/delete', (c) => {
    const ctx = viewContext(c, deps);
    const date = c.req.param('date');
    if (isDateString(date) && store.removeDay(date)) {
      writeAudit(deps.db, deps.clock.now(), { actor: 'admin', action: 'calendar.day_remove', detail: { date }, ip: clientIp(c) });
      deps.flash.put<Notice>(sessionKey(c), 'calendar', { kind: 'ok', text: ctx.t('calendar.removed', { date }) });
    }
    return c.redirect('/calendar', 303);
  });

  app.post('/calendar/years', async (c) => {
    const ctx = viewContext(c, deps);
    const parsed = v.safeParse(yearForm, await c.req.parseBody());
    if (!parsed.success) return render(c, ctx, { notice: { kind: 'bad', text: ctx.t('calendar.error.year') } }, 422);
    store.setYearEntered(parsed.output.year, parsed.output.entered === '1');
    writeAudit(deps.db, deps.clock.now(), { actor: 'admin', action: 'calendar.year_entered', detail: { year: parsed.output.year, entered: parsed.output.entered === '1' }, ip: clientIp(c) });
    deps.flash.put<Notice>(sessionKey(c), 'calendar', { kind: 'ok', text: ctx.t('calendar.yearSaved') });
    return c.redirect('/calendar', 303);
  });

  return app;
}
