import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import { writeAudit } from '../../db/queries/audit.ts';
import { listDeliveries, type DeliveryFilter, type DeliveryRow } from '../../db/queries/deliveries.ts';
import { insertSilence, listActiveSilences, setSilenceUntil } from '../../db/queries/silences.ts';
import { formatDateTime } from '../time/format.ts';
import { DELIVERY_STATUSES } from '../../db/schema.ts';
import { DeliveryDetailPage, SendLogPage, SendLogRefresh, sendLogHref, type MuteRefusal } from '../../views/pages/sendLog.tsx';
import { isUnrendered } from '../delivery/outbox.ts';
import { explainDeliveryErrcode, explainDeliveryHttpStatus } from '../delivery/policy/outcomeExplanation.ts';
import { messageFields, renderQueued } from '../delivery/renderAtSend.ts';
import { getDelivery, getEvent, retryDelivery } from '../delivery/store.ts';
import { currentRenderSettings } from '../render/eventMessages.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { CATEGORIES } from '../events/schema.ts';
import { isDateString } from '../calendar/workdays.ts';
import { addDays, localDateStart } from '../time/calendar.ts';
import { MAX_SILENCES, planMute, SILENCE_DURATIONS, silenceEndAfter, silenceEndOnDate } from '../rules/silences.ts';
import { sessionKey, type FlashStore } from './flash.ts';
import { clientIp, viewContext } from './viewContext.ts';

export const SEND_LOG_PAGE_SIZE = 50;

const blankToUndefined = (s: string | undefined) => (s ? s : undefined);
const optional = <T extends v.GenericSchema<string, unknown>>(schema: T) => v.pipe(v.optional(v.string()), v.transform(blankToUndefined), v.optional(schema));
const id = v.pipe(v.string(), v.regex(/^\d{1,15}$/), v.transform(Number));
// A day the calendar has: 2026-13-01 would make the day's bounds throw, 2026-02-30 read as 2 March.
const date = v.pipe(v.string(), v.check(isDateString));
const KINDS = ['test', 'alert', 'task_result', 'report', 'digest', 'mention'] as const;

const listQuery = v.object({
  status: optional(v.picklist(DELIVERY_STATUSES)),
  kind: optional(v.picklist(KINDS)),
  category: optional(v.picklist(CATEGORIES)),
  from: optional(date),
  to: optional(date),
  event: optional(id),
  before: optional(id),
});

type ListQuery = v.InferOutput<typeof listQuery>;

function toFilter(q: ListQuery, timeZone: string): DeliveryFilter {
  return {
    status: q.status,
    kind: q.kind,
    category: q.category,
    from: q.from ? localDateStart(q.from, timeZone) : undefined,
    // "to" is inclusive: up to the start of the next local day.
    to: q.to ? localDateStart(addDays(q.to, 1), timeZone) - 1 : undefined,
    eventId: q.event,
  };
}

function filterParams(q: ListQuery): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['status', 'kind', 'category', 'from', 'to', 'event'] as const) {
    const value = q[k];
    if (value !== undefined) out[k] = String(value);
  }
  return out;
}

/** The send log a detail page was opened from (the Referer, same-origin only): its filters, not its page. */
function backHref(referer: string | undefined): string {
  if (!referer || !URL.canParse(referer)) return '/send-log';
  const url = new URL(referer);
  const parsed = url.pathname === '/send-log' ? v.safeParse(listQuery, Object.fromEntries(url.searchParams)) : undefined;
  return parsed?.success ? sendLogHref(filterParams(parsed.output)) : '/send-log';
}

/** The raw bytes of a stored image message, when they are a PNG or JPEG. */
function imageBytes(payload: string): Buffer | undefined {
  try {
    const message = JSON.parse(payload) as { image?: { base64?: unknown } };
    if (typeof message.image?.base64 !== 'string') return undefined;
    const raw = Buffer.from(message.image.base64, 'base64');
    const png = raw.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const jpeg = raw.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]));
    return png || jpeg ? raw : undefined;
  } catch {
    return undefined;
  }
}

const muteForm = v.object({
  duration: v.picklist([...SILENCE_DURATIONS, 'until']),
  date: v.optional(v.string(), ''),
});

/** The event a send-log row carries, when it is one alert or task result that can be silenced. */
function silenceableEvent(db: AppDeps['db'], row: DeliveryRow | undefined) {
  if (!row?.eventId || (row.kind !== 'alert' && row.kind !== 'task_result')) return undefined;
  return getEvent(db, row.eventId);
}

/**
 * An event's message not rendered yet (it is when sent: delivery/renderAtSend.ts), as its first
 * message would read with the settings as they are now.
 */
function previewOf(deps: AppDeps, row: DeliveryRow): DeliveryRow | undefined {
  const rendered = renderQueued(deps.db, currentRenderSettings(deps.settings, deps.config.publicUrl), row);
  const first = rendered?.messages[0];
  return first && { ...row, ...messageFields(first, rendered.template) };
}

export function sendLogRoutes(deps: AppDeps & { flash: FlashStore }) {
  const app = new Hono<AppEnv>();

  const parse = (c: Context<AppEnv>) => v.safeParse(listQuery, c.req.query());

  /** One page of the log and the link to the next older one, when there is one. */
  const page = (q: ListQuery) => {
    // One row past the page tells whether there is an older page to link to.
    const found = listDeliveries(deps.db, toFilter(q, deps.settings.general().timeZone), { beforeId: q.before, limit: SEND_LOG_PAGE_SIZE + 1 });
    const rows = found.slice(0, SEND_LOG_PAGE_SIZE);
    const last = rows[rows.length - 1];
    const filter = filterParams(q);
    const olderHref = found.length > SEND_LOG_PAGE_SIZE && last ? `/send-log?${new URLSearchParams({ ...filter, before: String(last.id) })}` : undefined;
    return { rows, filter, olderHref };
  };

  app.get('/send-log', (c) => {
    const parsed = parse(c);
    if (!parsed.success) return c.redirect('/send-log');
    const { rows, filter, olderHref } = page(parsed.output);
    // Only the first page refreshes itself: older pages are a fixed slice.
    const refreshHref = parsed.output.before === undefined ? `/send-log/rows?${new URLSearchParams(filter)}` : undefined;
    return c.html(<SendLogPage ctx={viewContext(c, deps)} rows={rows} filter={filter} olderHref={olderHref} refreshHref={refreshHref} />);
  });

  app.get('/send-log/rows', (c) => {
    const parsed = parse(c);
    if (!parsed.success) return c.text('bad filter', 400);
    return c.html(<SendLogRefresh ctx={viewContext(c, deps)} {...page({ ...parsed.output, before: undefined })} />);
  });

  app.get('/send-log/:id', (c) => {
    const parsed = v.safeParse(id, c.req.param('id'));
    const row = parsed.success ? getDelivery(deps.db, parsed.output) : undefined;
    if (!row) return c.notFound();
    const ctx = viewContext(c, deps);
    const explanation = row.errcode !== null && row.errcode !== 0 ? explainDeliveryErrcode(row.errcode, row.status, ctx.t, ctx.lang) : explainDeliveryHttpStatus(row, ctx.lang);
    const refused = deps.flash.take<MuteRefusal>(sessionKey(c), `mute-${row.id}`);
    const notice = deps.flash.take<string>(sessionKey(c), `retry-${row.id}`);
    const preview = isUnrendered(row) ? previewOf(deps, row) : undefined;
    return c.html(
      <DeliveryDetailPage ctx={ctx} row={preview ?? row} unrendered={preview && row.status} explanation={explanation} canMute={silenceableEvent(deps.db, row) !== undefined} muteRefused={refused} notice={notice} backHref={backHref(c.req.header('referer'))} />,
    );
  });

  // Mute one alert: its category + title + store, for a while or through a date.
  app.post('/send-log/:id/silence', async (c) => {
    const parsed = v.safeParse(id, c.req.param('id'));
    const row = parsed.success ? getDelivery(deps.db, parsed.output) : undefined;
    if (!row) return c.notFound();
    const event = silenceableEvent(deps.db, row);
    if (!event) return c.text(c.var.t('silence.error.notAlert'), 422);
    const form = v.safeParse(muteForm, await c.req.parseBody());
    const now = deps.clock.now();
    const timeZone = deps.settings.general().timeZone;
    const until = !form.success
      ? undefined
      : form.output.duration === 'until'
        ? isDateString(form.output.date) ? silenceEndOnDate(form.output.date, timeZone, now) : undefined
        : silenceEndAfter(form.output.duration, now);
    // The form comes back with what was chosen, to correct.
    const refuse = (error: string, field?: MuteRefusal['field']) => {
      deps.flash.put<MuteRefusal>(sessionKey(c), `mute-${row.id}`, { error, field, duration: form.success ? form.output.duration : undefined, date: form.success ? form.output.date : undefined });
      return c.redirect(`/send-log/${row.id}#mute`, 303);
    };
    // A duration that is not one of the choices, or a date that is not a day of the next year.
    if (until === undefined) return form.success ? refuse(c.var.t('silence.error.date'), 'date') : refuse(c.var.t('form.error.choice'), 'duration');
    const silence = { category: event.category, title: event.title, store: event.store ?? '', createdAt: now, until };
    const decision = planMute(silence, listActiveSilences(deps.db, now));
    if (decision.action === 'full') return refuse(c.var.t('silence.error.full', { max: MAX_SILENCES }));
    if (decision.action === 'create') {
      const silenceId = insertSilence(deps.db, silence);
      writeAudit(deps.db, now, { actor: 'admin', action: 'silence.create', detail: { id: silenceId, delivery: row.id, ...silence }, ip: clientIp(c) });
    } else if (decision.until !== decision.silence.until) {
      // Already muted: the one silence now ends later.
      setSilenceUntil(deps.db, decision.silence.id, decision.until);
      writeAudit(deps.db, now, { actor: 'admin', action: 'silence.extend', detail: { id: decision.silence.id, delivery: row.id, from: decision.silence.until, until: decision.until }, ip: clientIp(c) });
    }
    const ends = decision.action === 'extend' ? decision.until : until;
    const text = c.var.t('silence.created', { title: event.title, until: formatDateTime(ends, c.var.lang, timeZone) });
    deps.flash.put(sessionKey(c), 'notifications', { kind: 'ok', text });
    return c.redirect('/notifications#silences', 303);
  });

  // An image row's picture for the detail page: decoded from the stored payload, behind the
  // console's sign-in like every route here (never inlined: the page stays small).
  app.get('/send-log/:id/image', (c) => {
    const parsed = v.safeParse(id, c.req.param('id'));
    const row = parsed.success ? getDelivery(deps.db, parsed.output) : undefined;
    const bytes = row?.msgtype === 'image' ? imageBytes(row.payload) : undefined;
    if (!bytes) return c.notFound();
    return c.body(new Uint8Array(bytes), 200, {
      'content-type': bytes[0] === 0xff ? 'image/jpeg' : 'image/png',
      'cache-control': 'private, max-age=86400',
      'x-content-type-options': 'nosniff',
    });
  });

  app.post('/send-log/:id/retry', (c) => {
    const parsed = v.safeParse(id, c.req.param('id'));
    if (!parsed.success) return c.notFound();
    const ok = retryDelivery(deps.db, parsed.output, deps.clock.now(), deps.digestSettleChunk);
    if (!ok) {
      // Retried already (Back, a second tab): the detail page shows where the message is now.
      deps.flash.put(sessionKey(c), `retry-${parsed.output}`, c.var.t('sendLog.retry.notDead'));
      return c.redirect(`/send-log/${parsed.output}`, 303);
    }
    writeAudit(deps.db, deps.clock.now(), { actor: 'admin', action: 'delivery.retry', detail: { delivery: parsed.output }, ip: clientIp(c) });
    deps.wakeWorker();
    return c.redirect(`/send-log/${parsed.output}`, 303);
  });

  return app;
}
