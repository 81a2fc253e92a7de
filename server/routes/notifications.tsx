import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import { writeAudit } from '../../db/queries/audit.ts';
import { deleteSilence, getSilence, listActiveSilences } from '../../db/queries/silences.ts';
import type { ViewContext } from '../../views/context.ts';
import { isMessageKey, type MessageKey, type Params } from '../strings/translate.ts';
import {
  FIELD_LABELS,
  NotificationsBody,
  NotificationsPage,
  type FieldErrors,
  type NotificationField,
  type NotificationFormValues,
  type NotificationsProps,
  type PreviewItem,
  type PreviewMessage,
} from '../../views/pages/notifications.tsx';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { CATEGORIES, defaultSeverity, EVENT_LIMITS, isMentionTarget, SEVERITIES, type Category, type InboundEvent, type TaskResultEvent } from '../events/schema.ts';
import { decideEvent } from '../delivery/policy/eventRules.ts';
import { mentionRequest } from '../rules/mentions.ts';
import { ruleEffects } from '../rules/severity.ts';
import { failedTaskSample, previewEvent, sampleEvent, type PreviewEvent } from '../render/sampleEvents.ts';
import { currentRenderSettings, renderForDelivery, type RenderSettings } from '../render/eventMessages.ts';
import { describeMentions, MESSAGE_FORMATS, planMentions } from '../render/mentionPlacement.ts';
import {
  deliverySettingsSchema,
  rulesSchema,
  type DeliverySettings,
  type Rules,
} from '../settings/settingsStore.ts';
import { canonicalTimeZone, isTimeZone } from '../time/zone.ts';
import { sizeAgainstLimit, type WecomMessage } from '../wecom/messages.ts';
import { sessionKey, type FlashStore } from './flash.ts';
import { templateRows } from './messageTemplates.tsx';
import { clientIp, isHtmx, viewContext } from './viewContext.ts';

export const MAX_MENTION_TARGETS = EVENT_LIMITS.mentions;

/** Inclusive bounds of the numeric fields, shared by the schema and its error messages. */
const RANGES = {
  dedupeWindowMinutes: { min: 0, max: 1440 },
  rateLimit: { min: 1, max: 20 },
  digestWindowSeconds: { min: 10, max: 3600 },
  maxAgeHours: { min: 0.01, max: 24 * 14 },
} as const;

/** One per line, or separated by commas (half- or full-width), semicolons or spaces; repeats dropped. */
export function splitMentionTargets(raw: string): string[] {
  return [...new Set(raw.split(/[\s,，;；、]+/).filter((s) => s !== ''))];
}

// Every message below is an i18n key; the route adds the parameters when it translates.
const text = v.optional(v.string(), '');
// An unchecked box is absent from the form; a checked one sends its value ("on").
const checkbox = v.pipe(v.optional(v.string(), ''), v.transform((s) => s !== ''));

function wholeNumber({ min, max }: { min: number; max: number }) {
  return v.pipe(
    text,
    v.trim(),
    v.nonEmpty('form.error.required'),
    v.regex(/^-?\d{1,9}$/, 'form.error.integerRange'),
    v.toNumber(),
    v.integer('form.error.integerRange'),
    v.minValue(min, 'form.error.integerRange'),
    v.maxValue(max, 'form.error.integerRange'),
  );
}

function decimal({ min, max }: { min: number; max: number }) {
  return v.pipe(
    text,
    v.trim(),
    v.nonEmpty('form.error.required'),
    v.regex(/^-?\d{1,9}(\.\d{1,6})?$/, 'form.error.numberRange'),
    v.toNumber(),
    v.minValue(min, 'form.error.numberRange'),
    v.maxValue(max, 'form.error.numberRange'),
  );
}

// Browsers send HH:MM from <input type="time">, or HH:MM:SS when seconds are shown.
const timeOfDay = v.pipe(
  text,
  v.trim(),
  v.nonEmpty('form.error.required'),
  v.regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, 'form.error.time'),
  v.transform((s) => s.slice(0, 5)),
);

const categoryEntries = Object.fromEntries(CATEGORIES.map((c) => [`cat_${c}`, checkbox])) as Record<`cat_${Category}`, typeof checkbox>;

function formSchema(defaultTimeZone: () => string) {
  return v.pipe(
    v.object({
      ...categoryEntries,
      minSeverity: v.picklist(SEVERITIES, 'form.error.choice'),
      quietEnabled: checkbox,
      quietNonWorkdays: checkbox,
      quietStart: timeOfDay,
      quietEnd: timeOfDay,
      quietTimeZone: v.pipe(
        text,
        v.trim(),
        v.transform((s) => s || defaultTimeZone()),
        v.maxLength(64, 'form.error.timeZone'),
        v.check(isTimeZone, 'form.error.timeZone'),
        // The canonical spelling ("asia/shanghai" → "Asia/Shanghai").
        v.transform((tz) => canonicalTimeZone(tz)!),
      ),
      mentionMode: v.picklist(['none', 'all', 'list'], 'form.error.choice'),
      mentionTargets: v.pipe(
        text,
        v.transform(splitMentionTargets),
        v.check((list) => list.every(isMentionTarget), 'form.error.mentionTarget'),
        v.maxLength(MAX_MENTION_TARGETS, 'form.error.mentionTooMany'),
      ),
      dedupeWindowMinutes: wholeNumber(RANGES.dedupeWindowMinutes),
      language: v.picklist(['zh', 'en'], 'form.error.choice'),
      format: v.picklist(MESSAGE_FORMATS as readonly ['markdown', 'markdown_v2', 'text'], 'form.error.choice'),
      rateLimit: wholeNumber(RANGES.rateLimit),
      digestWindowSeconds: wholeNumber(RANGES.digestWindowSeconds),
      maxAgeHours: decimal(RANGES.maxAgeHours),
    }),
    v.forward(
      v.partialCheck(
        [['quietEnabled'], ['quietStart'], ['quietEnd']],
        (i) => !i.quietEnabled || i.quietStart !== i.quietEnd,
        'form.error.sameTimes',
      ),
      ['quietEnd'],
    ),
    v.forward(
      v.partialCheck([['mentionMode'], ['mentionTargets']], (i) => i.mentionMode !== 'list' || i.mentionTargets.length > 0, 'form.error.mentionEmpty'),
      ['mentionTargets'],
    ),
  );
}

function formFields(body: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(body).map(([k, val]) => [k, typeof val === 'string' ? val : '']));
}

function valuesFromSettings(rules: Rules, delivery: DeliverySettings): NotificationFormValues {
  return {
    categories: { ...rules.categories },
    minSeverity: rules.minSeverity,
    quietEnabled: rules.quietHours.enabled,
    quietNonWorkdays: rules.quietHours.nonWorkdays === true,
    quietStart: rules.quietHours.start,
    quietEnd: rules.quietHours.end,
    quietTimeZone: rules.quietHours.timeZone,
    mentionMode: rules.criticalMention.mode,
    mentionTargets: rules.criticalMention.targets.join('\n'),
    dedupeWindowMinutes: String(rules.dedupeWindowMinutes),
    language: delivery.language,
    format: delivery.format,
    rateLimit: String(delivery.rateLimit),
    digestWindowSeconds: String(delivery.digestWindowSeconds),
    maxAgeHours: String(delivery.maxAgeHours),
  };
}

function valuesFromForm(f: Record<string, string>): NotificationFormValues {
  const s = (name: string) => f[name] ?? '';
  const checked = (name: string) => s(name) !== '';
  return {
    categories: Object.fromEntries(CATEGORIES.map((c) => [c, checked(`cat_${c}`)])) as Record<Category, boolean>,
    minSeverity: s('minSeverity'),
    quietEnabled: checked('quietEnabled'),
    quietNonWorkdays: checked('quietNonWorkdays'),
    quietStart: s('quietStart'),
    quietEnd: s('quietEnd'),
    quietTimeZone: s('quietTimeZone'),
    mentionMode: s('mentionMode'),
    mentionTargets: s('mentionTargets'),
    dedupeWindowMinutes: s('dedupeWindowMinutes'),
    language: s('language'),
    format: s('format'),
    rateLimit: s('rateLimit'),
    digestWindowSeconds: s('digestWindowSeconds'),
    maxAgeHours: s('maxAgeHours'),
  };
}

/** The parameters an error message names: the field's bounds, or the offending mention target. */
function errorParams(field: NotificationField, key: string, f: Record<string, string>): Params {
  if (field in RANGES) return { ...RANGES[field as keyof typeof RANGES] };
  if (key === 'form.error.mentionTarget') return { target: splitMentionTargets(f.mentionTargets ?? '').find((t) => !isMentionTarget(t)) ?? '' };
  if (key === 'form.error.mentionTooMany') return { max: MAX_MENTION_TARGETS, count: splitMentionTargets(f.mentionTargets ?? '').length };
  return {};
}

function translateErrors(ctx: ViewContext, issues: Record<string, string[] | undefined>, f: Record<string, string>): FieldErrors {
  const errors: FieldErrors = {};
  for (const field of Object.keys(FIELD_LABELS) as NotificationField[]) {
    const message = issues[field]?.[0];
    if (!message) continue;
    // Messages are i18n keys; anything else (a library default) gets the generic one.
    const key: MessageKey = isMessageKey(message) ? message : 'form.error.invalid';
    errors[field] = ctx.t(key, errorParams(field, key, f));
  }
  return errors;
}

/** What changed, for the audit log: only the changed leaves of nested objects, arrays whole. */
export function changedValues(before: unknown, after: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isObject(before) || !isObject(after)) return out;
  for (const [key, value] of Object.entries(after)) {
    const old = before[key];
    if (isObject(old) && isObject(value)) {
      const nested = changedValues(old, value);
      if (Object.keys(nested).length) out[key] = nested;
    } else if (JSON.stringify(old) !== JSON.stringify(value)) {
      out[key] = value;
    }
  }
  return out;
}

function previewMessage(m: WecomMessage): PreviewMessage {
  return { msgtype: m.msgtype, json: JSON.stringify(m, null, 2), ...sizeAgainstLimit(m) };
}

/**
 * The latest real event of each kind (a sample in the notification language where none arrived),
 * rendered with the saved settings exactly as intake would queue them: a failed task too.
 */
function buildPreview(deps: AppDeps, ctx: ViewContext): PreviewItem[] {
  const rules = deps.settings.rules();
  const delivery = deps.settings.delivery();
  const s: RenderSettings = currentRenderSettings(deps.settings, deps.config.publicUrl);
  const lang = delivery.language;
  const criticalSample = sampleEvent('alert', lang);
  const alert = previewEvent(deps.db, { kind: 'alert', resolved: false }, criticalSample);
  const previewed: Array<[string, PreviewEvent]> = [
    ['alert', alert],
    // The critical sample stays beside a real alert that is not critical: the mention policy shows on it.
    ...(alert.receivedAt !== undefined && alert.event.severity !== 'critical' ? ([['alert_critical', { event: criticalSample }]] as Array<[string, PreviewEvent]>) : []),
    ['task_result', previewEvent(deps.db, { kind: 'task_result', taskStatuses: ['succeeded', 'partial'] }, sampleEvent('task_result', lang))],
    ['task_failed', previewEvent(deps.db, { kind: 'task_result', taskStatuses: ['failed'] }, failedTaskSample(lang))],
    ['report', previewEvent(deps.db, { kind: 'report' }, sampleEvent('report', lang))],
  ];
  return previewed.map(([id, { event: e, receivedAt }]) => {
    const messages = renderForDelivery(e, s, { receivedAt: receivedAt ?? deps.clock.now() });
    // The intake's own rules (no earlier events, so never a repeat): the preview cannot disagree.
    const decision = decideEvent(e, { rules, now: deps.clock.now(), silences: [], dedupeCandidates: [] });
    const suppressed = decision.status === 'suppressed' ? ctx.t(`event.reason.${decision.reason}` as MessageKey) : undefined;
    return {
      id,
      kind: e.kind,
      severity: e.severity,
      ...(e.kind === 'task_result' ? { taskStatus: e.status } : {}),
      ...(receivedAt !== undefined ? { receivedAt } : {}),
      messages: messages.map(previewMessage),
      mentions: describeMentions(planMentions(mentionRequest(e, rules), delivery.format), ctx.lang),
      ...(suppressed ? { suppressed } : {}),
    };
  });
}

/** The saved rules' effects as sentences, for the notice after saving. */
export function ruleEffectLines(ctx: ViewContext, rules: Rules): { title: string; lines: string[] } {
  const fx = ruleEffects(rules);
  const list = (items: string[]) => items.join(ctx.t('rules.effects.listSep'));
  const lines: string[] = [];
  if (fx.offCategories.length) lines.push(ctx.t('rules.effects.categories', { list: list(fx.offCategories.map((c) => ctx.t(`category.${c}`))) }));
  if (fx.belowMinimum.length) lines.push(ctx.t('rules.effects.severity', { list: list(fx.belowMinimum.map((sev) => ctx.t(`severity.${sev}`))) }));
  if (fx.taskStatusesSuppressed.length) lines.push(ctx.t('rules.effects.tasks', { list: list(fx.taskStatusesSuppressed.map((st) => ctx.t(`task.status.${st}`))) }));
  // Held is not suppressed, yet "every alert is sent" would be wrong while quiet hours are on.
  const q = rules.quietHours;
  const quiet = [
    ...(q.enabled && q.start !== q.end ? [ctx.t('rules.effects.quiet', { start: q.start, end: q.end, timeZone: q.timeZone })] : []),
    // Whole non-workdays are quiet whether or not the nightly window is on.
    ...(q.nonWorkdays ? [ctx.t('rules.effects.quietDays', { timeZone: q.timeZone })] : []),
  ];
  if (!lines.length) return quiet.length ? { title: ctx.t('rules.effects.noneHeld'), lines: quiet } : { title: ctx.t('rules.effects.none'), lines: [] };
  return { title: ctx.t('rules.effects.title'), lines: [...lines, ...(fx.belowMinimum.length ? [ctx.t('rules.effects.reports')] : []), ...quiet] };
}

/** What a saved rules form shows once after its redirect. */
type SavedNotice = NonNullable<NotificationsProps['notice']>;

const silenceIdParam = v.pipe(v.string(), v.regex(/^\d{1,15}$/), v.transform(Number));

export function notificationRoutes(deps: AppDeps & { flash: FlashStore }) {
  const app = new Hono<AppEnv>();
  // A blank quiet-hours zone is the appliance's zone when the form is saved, not when it started.
  const schema = formSchema(() => deps.settings.general().timeZone);

  const respond = (c: Context<AppEnv>, props: Omit<NotificationsProps, 'preview' | 'maxMentions' | 'silences' | 'templates'>, status: 200 | 422 = 200) => {
    const full: NotificationsProps = {
      ...props,
      preview: buildPreview(deps, props.ctx),
      maxMentions: MAX_MENTION_TARGETS,
      silences: listActiveSilences(deps.db, deps.clock.now()),
      templates: templateRows(deps.settings.templates().list()),
    };
    return isHtmx(c) ? c.html(<NotificationsBody {...full} />, status) : c.html(<NotificationsPage {...full} />, status);
  };

  app.get('/notifications', (c) => {
    const ctx = viewContext(c, deps);
    const notice = deps.flash.take<SavedNotice>(sessionKey(c), 'notifications');
    return respond(c, { ctx, values: valuesFromSettings(deps.settings.rules(), deps.settings.delivery()), ...(notice ? { notice } : {}) });
  });
  app.post('/notifications', async (c) => {
    const ctx = viewContext(c, deps);
    const fields = formFields(await c.req.parseBody());
    // A missing select or radio group reads as an empty choice, so it gets the field's own message.
    const blanks = Object.fromEntries(Object.keys(FIELD_LABELS).map((f) => [f, '']));
    const parsed = v.safeParse(schema, { ...blanks, ...fields });
    if (!parsed.success) {
      const issues = v.flatten<typeof schema>(parsed.issues).nested ?? {};
      const errors = translateErrors(ctx, issues as Record<string, string[] | undefined>, fields);
      // An issue without a field of its own (should not happen) still refuses the form.
      if (!Object.keys(errors).length) errors.minSeverity = ctx.t('form.error.invalid');
      return respond(c, { ctx, values: valuesFromForm(fields), errors }, 422);
    }
    const out = parsed.output;
    // The stored settings are re-read against their own schemas at start: never save what they would refuse.
    const rules = v.parse(rulesSchema, {
      categories: Object.fromEntries(CATEGORIES.map((cat) => [cat, out[`cat_${cat}`]])) as Record<Category, boolean>,
      minSeverity: out.minSeverity,
      quietHours: { enabled: out.quietEnabled, start: out.quietStart, end: out.quietEnd, timeZone: out.quietTimeZone, ...(out.quietNonWorkdays ? { nonWorkdays: true } : {}) },
      criticalMention: { mode: out.mentionMode, targets: out.mentionTargets },
      dedupeWindowMinutes: out.dedupeWindowMinutes,
    } satisfies Rules);
    const delivery = v.parse(deliverySettingsSchema, {
      language: out.language,
      format: out.format,
      rateLimit: out.rateLimit,
      digestWindowSeconds: out.digestWindowSeconds,
      maxAgeHours: out.maxAgeHours,
    } satisfies DeliverySettings);

    const now = deps.clock.now();
    const ip = clientIp(c);
    const rulesChanged = changedValues(deps.settings.rules(), rules);
    const deliveryChanged = changedValues(deps.settings.delivery(), delivery);
    deps.settings.setRules(rules);
    deps.settings.setDelivery(delivery);
    deps.limiter.setLimit(delivery.rateLimit);
    if (Object.keys(rulesChanged).length) writeAudit(deps.db, now, { actor: 'admin', action: 'rules.update', detail: { changed: rulesChanged }, ip });
    if (Object.keys(deliveryChanged).length) {
      writeAudit(deps.db, now, { actor: 'admin', action: 'settings.delivery.update', detail: { changed: deliveryChanged }, ip });
    }
    // A higher rate limit may let queued messages go now.
    deps.wakeWorker();
    const changed = Object.keys(rulesChanged).length + Object.keys(deliveryChanged).length > 0;
    const effects = ruleEffectLines(ctx, rules);
    const notice: SavedNotice = { kind: 'ok', text: ctx.t(changed ? 'notifications.saved' : 'notifications.unchanged'), effects };
    if (isHtmx(c)) return respond(c, { ctx, values: valuesFromSettings(rules, delivery), notice });
    // Post/redirect/get: a reload shows the page, it does not post the form again.
    deps.flash.put<SavedNotice>(sessionKey(c), 'notifications', notice);
    return c.redirect('/notifications', 303);
  });

  app.post('/notifications/silences/:id/delete', (c) => {
    const parsed = v.safeParse(silenceIdParam, c.req.param('id'));
    const silence = parsed.success ? getSilence(deps.db, parsed.output) : undefined;
    if (!silence) return c.notFound();
    deleteSilence(deps.db, silence.id);
    writeAudit(deps.db, deps.clock.now(), {
      actor: 'admin',
      action: 'silence.remove',
      detail: { id: silence.id, category: silence.category, title: silence.title, store: silence.store, until: silence.until },
      ip: clientIp(c),
    });
    deps.flash.put<SavedNotice>(sessionKey(c), 'notifications', { kind: 'ok', text: c.var.t('silence.removed', { title: silence.title }) });
    return c.redirect('/notifications#silences', 303);
  });

  return app;
}
