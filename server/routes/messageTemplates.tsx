// The message template editor under Notifications: choose a kind, category and language, edit the
// text with a live preview of a sample message, save (refused with the reason when the template
// has a problem; nothing is written then), or restore the built-in template (deletes the custom one).
import { Hono, type Context } from 'hono';
import { sampleHeartbeatAlert } from '../heartbeats/alerts.ts';
import * as v from 'valibot';
import { writeAudit } from '../../db/queries/audit.ts';
import type { ViewContext } from '../../views/context.ts';
import type { Lang, Translate } from '../strings/translate.ts';
import {
  categoryLabel,
  kindLabel,
  langLabel,
  TemplateEditorPage,
  templateHref,
  TemplatePreviewSection,
  type TemplateEditorProps,
  type TemplateKey,
  type TemplateListRow,
  type TemplatePreview,
} from '../../views/pages/messageTemplates.tsx';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { previewEvent, sampleEvent } from '../render/sampleEvents.ts';
import type { AlertEvent, TaskResultEvent } from '../events/schema.ts';
import { mentionRequest } from '../rules/mentions.ts';
import { renderDigestWithTemplate, renderEventWithTemplate, rendersEmptyWhenBare, TemplateRenderError } from '../render/messageTemplateRender.ts';
import { planMentions } from '../render/mentionPlacement.ts';
import {
  defaultTemplate,
  isTemplateCategory,
  isTemplateKind,
  parseMessageTemplate,
  TEMPLATE_KINDS,
} from '../render/messageTemplate.ts';
import { problemText } from '../render/messageTemplateProblemText.ts';
import type { StoredTemplate } from '../render/messageTemplateChoice.ts';
import { sizeAgainstLimit, type WecomMessage } from '../wecom/messages.ts';
import { sessionKey, type FlashStore } from './flash.ts';
import { clientIp, viewContext } from './viewContext.ts';

const keySchema = v.object({
  kind: v.picklist(TEMPLATE_KINDS),
  // "all" in forms and links, '' in storage.
  category: v.pipe(
    v.optional(v.string(), 'all'),
    v.transform((s) => (s === 'all' ? '' : s)),
    v.check((s: string) => isTemplateCategory(s)),
  ),
  lang: v.picklist(['zh', 'en']),
});

const formSchema = v.object({
  body: v.optional(v.string(), ''),
  action: v.optional(v.picklist(['save', 'preview']), 'save'),
});

function parseKey(input: Record<string, unknown>): TemplateKey | undefined {
  const parsed = v.safeParse(keySchema, input);
  return parsed.success && isTemplateCategory(parsed.output.category) ? (parsed.output as TemplateKey) : undefined;
}

/** Browsers send a textarea's line breaks as CRLF; templates keep LF. */
function normalise(body: string): string {
  return body.replace(/\r\n?/g, '\n');
}

const RESOLVED_PREFIX: Record<Lang, string> = { en: '[RESOLVED] ', zh: '[已恢复] ' };

/** The stored templates as the console lists them (rows it cannot read are left out). */
export function templateRows(list: readonly StoredTemplate[]): TemplateListRow[] {
  return list.flatMap((r) => {
    if (!isTemplateKind(r.kind) || !isTemplateCategory(r.category) || (r.lang !== 'en' && r.lang !== 'zh')) return [];
    return [{ kind: r.kind, category: r.category, lang: r.lang, updatedAt: r.updatedAt }];
  });
}

export function messageTemplateRoutes(deps: AppDeps & { flash: FlashStore }) {
  const app = new Hono<AppEnv>();

  /** A sample message of the key's kind (in its category and language) through `body`. */
  function previewOf(key: TemplateKey, body: string, t: Translate): TemplatePreview {
    const { problems } = parseMessageTemplate(key.kind, body);
    if (problems.length) return { problems: problems.map((p) => problemText(t, p)), messages: [] };
    const delivery = deps.settings.delivery();
    const format = delivery.format;
    const timeZone = deps.settings.general().timeZone;
    const now = deps.clock.now();
    let receivedAt: number | undefined;
    try {
      let messages: WecomMessage[];
      if (key.kind === 'digest') {
        const alert = sampleEvent('alert', key.lang) as AlertEvent;
        const events = [0, 1, 2].map((i) => ({ title: `${alert.title} #${i + 1}`, severity: i === 0 ? ('critical' as const) : ('warning' as const), store: alert.store ?? null, at: now - (3 - i) * 60_000 }));
        messages = [
          renderDigestWithTemplate(
            { category: key.category || 'inventory', reason: 'storm', events, total: 37, since: now - 5 * 60_000, until: now, lang: key.lang, format, timeZone, topN: 10, ...(deps.config.publicUrl ? { consoleUrl: `${deps.config.publicUrl}/send-log` } : {}) },
            body,
          ),
        ];
      } else {
        const sample =
          key.kind === 'task_result'
            ? (sampleEvent('task_result', key.lang) as TaskResultEvent)
            : key.kind === 'heartbeat'
              ? sampleHeartbeatAlert(key.lang, timeZone, now)
              : key.kind === 'resolved'
              ? { ...(sampleEvent('alert', key.lang) as AlertEvent), severity: 'info' as const, resolved: true as const }
              : (sampleEvent('alert', key.lang) as AlertEvent);
        const event = key.kind === 'resolved' ? { ...sample, title: RESOLVED_PREFIX[key.lang] + sample.title } : sample;
        const withCategory = key.category ? { ...event, category: key.category } : event;
        // The latest real event of this kind and category where one arrived, else the sample.
        const shown = previewEvent(
          deps.db,
          {
            kind: key.kind === 'task_result' ? 'task_result' : 'alert',
            ...(key.category ? { category: key.category } : {}),
            // A heartbeat's alerts (down, reminder, recovery) have their own kind; an alert's preview is never one of them.
            ...(key.kind === 'task_result' ? {} : key.kind === 'heartbeat' ? { heartbeat: true } : { resolved: key.kind === 'resolved', heartbeat: false }),
          },
          withCategory,
        );
        receivedAt = shown.receivedAt;
        const real = shown.event as AlertEvent | TaskResultEvent;
        const mentions = planMentions(mentionRequest(real, deps.settings.rules()), format);
        messages = renderEventWithTemplate(real, { lang: key.lang, format, timeZone, mentions, receivedAt: receivedAt ?? now }, key.kind, body);
        // The sample has every optional field; an event without them must not render to nothing either.
        if (rendersEmptyWhenBare(real, key.kind, body, { lang: key.lang, format, timeZone, receivedAt: now })) return { problems: [t('templates.error.rendersEmpty')], messages: [] };
      }
      return {
        problems: [],
        ...(receivedAt !== undefined ? { receivedAt } : {}),
        messages: messages.map((m) => ({ json: JSON.stringify(m), ...sizeAgainstLimit(m) })),
      };
    } catch (err) {
      if (!(err instanceof TemplateRenderError)) throw err;
      const { failure } = err;
      return { problems: [failure.code === 'problem' ? problemText(t, failure.problem) : t(`sendLog.template.reason.${failure.code}`, { detail: failure.detail })], messages: [] };
    }
  }

  /** What the editor shows for a key: the custom template, the one for all categories, or the built-in. */
  function current(key: TemplateKey): { body: string; state: TemplateEditorProps['state'] } {
    const templates = deps.settings.templates();
    const own = templates.list().find((r) => r.kind === key.kind && r.category === key.category && r.lang === key.lang);
    if (own) return { body: own.body, state: 'custom' };
    const inherited = key.category !== '' ? templates.find(key.kind, key.category, key.lang) : undefined;
    if (inherited) return { body: inherited.body, state: 'inherited' };
    return { body: defaultTemplate(key.kind, key.lang, deps.settings.delivery().format), state: 'builtIn' };
  }

  function page(c: Context<AppEnv>, ctx: ViewContext, key: TemplateKey, opts: { body?: string; errors?: string[]; notice?: TemplateEditorProps['notice'] } = {}, status: 200 | 422 = 200) {
    const now = current(key);
    const body = opts.body ?? now.body;
    return c.html(
      <TemplateEditorPage
        ctx={ctx}
        template={key}
        body={body}
        state={now.state}
        format={deps.settings.delivery().format}
        list={templateRows(deps.settings.templates().list())}
        preview={previewOf(key, body, ctx.t)}
        {...(opts.errors ? { errors: opts.errors } : {})}
        {...(opts.notice ? { notice: opts.notice } : {})}
      />,
      status,
    );
  }

  const labels = (ctx: ViewContext, key: TemplateKey) => ({ kind: kindLabel(ctx, key.kind), category: categoryLabel(ctx, key.category), lang: langLabel(ctx, key.lang) });

  app.get('/notifications/templates', (c) => {
    const ctx = viewContext(c, deps);
    const q = c.req.query();
    const key = parseKey({ kind: q.kind ?? 'alert', category: q.category ?? 'all', lang: q.lang ?? deps.settings.delivery().language });
    if (!key) return c.text(ctx.t('templates.error.choice'), 400);
    const notice = deps.flash.take<NonNullable<TemplateEditorProps['notice']>>(sessionKey(c), 'templates');
    return page(c, ctx, key, notice ? { notice } : {});
  });

  app.post('/notifications/templates/preview', async (c) => {
    const ctx = viewContext(c, deps);
    const form = await c.req.parseBody();
    const key = parseKey(form);
    const parsed = v.safeParse(formSchema, { body: form.body });
    if (!key || !parsed.success) return c.text(ctx.t('templates.error.choice'), 400);
    return c.html(<TemplatePreviewSection ctx={ctx} kind={key.kind} preview={previewOf(key, normalise(parsed.output.body), ctx.t)} />);
  });

  app.post('/notifications/templates', async (c) => {
    const ctx = viewContext(c, deps);
    const form = await c.req.parseBody();
    const key = parseKey(form);
    const parsed = v.safeParse(formSchema, { body: form.body, action: form.action });
    if (!key || !parsed.success) return c.text(ctx.t('templates.error.choice'), 400);
    const body = normalise(parsed.output.body);
    // The Preview button (without JavaScript): the typed text, its preview or problems there, nothing saved.
    if (parsed.output.action === 'preview') return page(c, ctx, key, { body });
    const { problems } = parseMessageTemplate(key.kind, body);
    if (problems.length) return page(c, ctx, key, { body, errors: problems.map((p) => problemText(ctx.t, p)) }, 422);
    // What the preview says cannot be used (it renders to nothing) is refused too, with the same reason.
    const rendered = previewOf(key, body, ctx.t);
    if (rendered.problems.length) return page(c, ctx, key, { body, errors: rendered.problems }, 422);

    const before = current(key);
    const unchanged = before.body === body && before.state !== 'inherited';
    if (!unchanged) {
      deps.settings.saveTemplate(key, body);
      writeAudit(deps.db, deps.clock.now(), { actor: 'admin', action: 'template.save', detail: { kind: key.kind, category: key.category || 'all', lang: key.lang, chars: body.length }, ip: clientIp(c) });
    }
    deps.flash.put(sessionKey(c), 'templates', { kind: 'ok', text: unchanged ? ctx.t('templates.unchanged') : ctx.t('templates.saved', labels(ctx, key)) });
    return c.redirect(templateHref(key), 303);
  });

  app.post('/notifications/templates/restore', async (c) => {
    const ctx = viewContext(c, deps);
    const key = parseKey(await c.req.parseBody());
    if (!key) return c.text(ctx.t('templates.error.choice'), 400);
    const deleted = deps.settings.deleteTemplate(key);
    if (deleted) {
      writeAudit(deps.db, deps.clock.now(), { actor: 'admin', action: 'template.restore', detail: { kind: key.kind, category: key.category || 'all', lang: key.lang }, ip: clientIp(c) });
    }
    deps.flash.put(sessionKey(c), 'templates', { kind: deleted ? 'ok' : 'info', text: deleted ? ctx.t('templates.restored', labels(ctx, key)) : ctx.t('templates.restoreNone') });
    return c.redirect(templateHref(key), 303);
  });

  return app;
}
