import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import { writeAudit } from '../../db/queries/audit.ts';
import { deleteHookMapping, getHookMapping, listHookMappings, saveHookMapping } from '../../db/queries/hooks.ts';
import type { MessageKey, Translate } from '../strings/translate.ts';
import {
  HookEditorPage,
  HooksPage,
  HOOK_FORM_FIELDS,
  HOOK_STARTS,
  type HookEditorProps,
  type HookFormField,
  type HookFormValues,
  type HookPreview,
  type HookStart,
} from '../../views/pages/hooks.tsx';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { linkedElsewhere, parseEvent } from '../events/schema.ts';
import { HOOK_EXAMPLES } from '../hooks/examples.ts';
import { HOOK_PAYLOAD_DEPTH, nestsDeeperThan } from '../hooks/payloadDepth.ts';
import { applyHook, compileHook, hookDefinitionSchema, isHookName, type HookDefinition, type HookNote, type HookProblem } from '../hooks/mapping.ts';
import { readHookDefinition } from '../hooks/storedHook.ts';
import { currentRenderSettings, renderForDelivery } from '../render/eventMessages.ts';
import { utf8Bytes, type WecomMessage } from '../wecom/messages.ts';
import { endpointsFor } from './inbound.tsx';
import { clientIp, viewContext } from './viewContext.ts';

const BLANK: HookDefinition = {
  title: '',
  summary: '',
  severity: '',
  severityMap: '',
  defaultSeverity: 'warning',
  category: '',
  defaultCategory: 'other',
  store: '',
  url: '',
  idempotencyKey: '',
  fields: '',
  dropWhen: '',
};

const startSchema = v.optional(v.picklist(HOOK_STARTS), 'blank');
const SAMPLE_MAX = 48 * 1024; // url-encoded, up to 9x: the console's body limit (app.tsx) leaves room for it

const formSchema = v.object({
  ...Object.fromEntries(HOOK_FORM_FIELDS.map((f) => [f, v.optional(v.string(), '')])),
  sample: v.optional(v.string(), ''),
  isNew: v.optional(v.string(), ''),
  action: v.optional(v.picklist(['preview', 'save']), 'preview'),
});

function problemText(t: Translate, p: HookProblem): string {
  const message = p.code === 'syntax' ? t(`hooks.syntax.${p.error.code}`, 'at' in p.error ? { at: p.error.at } : undefined) : t(`hooks.problem.${p.code}`);
  return p.line === undefined ? message : t('hooks.problem.line', { line: p.line, message });
}

function noteText(t: Translate, n: HookNote): string {
  return t(`hooks.note.${n.code}` as MessageKey, { detail: n.detail ?? '' });
}

function messageText(m: WecomMessage): string {
  if (m.msgtype === 'markdown') return m.markdown.content;
  if (m.msgtype === 'markdown_v2') return m.markdown_v2.content;
  if (m.msgtype === 'text') return m.text.content;
  return JSON.stringify(m, null, 2);
}

export function hookRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const base = (c: Context) => endpointsFor(c, deps.config.port).events.replace(/\/events$/, '/hooks');

  const listPage = (c: Context<AppEnv>, extra: { form?: { name: string; start: HookStart; error?: string }; notice?: { kind: 'ok' | 'info'; text: string } } = {}, status: 200 | 422 = 200) =>
    c.html(<HooksPage ctx={viewContext(c, deps)} endpointBase={base(c)} hooks={listHookMappings(deps.db)} {...extra} />, status);

  const editor = (c: Context<AppEnv>, props: Omit<HookEditorProps, 'ctx' | 'endpoint'>, status: 200 | 404 | 422 = 200) =>
    c.html(<HookEditorPage ctx={viewContext(c, deps)} endpoint={`${base(c)}/${props.name}`} {...props} />, status);

  app.get('/hooks', (c) => {
    const deleted = c.req.query('deleted');
    return listPage(c, deleted && isHookName(deleted) ? { notice: { kind: 'ok', text: c.var.t('hooks.deleted', { name: deleted }) } } : {});
  });

  app.get('/hooks/new', (c) => {
    const name = (c.req.query('name') ?? '').trim();
    const start = v.safeParse(startSchema, c.req.query('start'));
    const form = { name, start: start.success ? start.output : 'blank' };
    if (!isHookName(name)) return listPage(c, { form: { ...form, error: c.var.t('hooks.error.name') } }, 422);
    if (getHookMapping(deps.db, name)) return listPage(c, { form: { ...form, error: c.var.t('hooks.error.nameTaken', { name }) } }, 422);
    const values = form.start === 'blank' ? BLANK : HOOK_EXAMPLES[form.start];
    return editor(c, { name, isNew: true, values, sample: '' });
  });

  app.get('/hooks/:name', (c) => {
    const name = c.req.param('name');
    const row = isHookName(name) ? getHookMapping(deps.db, name) : undefined;
    const values = row && readHookDefinition(row.definition);
    if (!values) return c.notFound();
    const notice = c.req.query('saved') !== undefined ? { kind: 'ok' as const, text: c.var.t('hooks.saved', { name }) } : undefined;
    return editor(c, { name, isNew: false, values, sample: '', notice });
  });

  app.post('/hooks/:name', async (c) => {
    const t = c.var.t;
    const name = c.req.param('name');
    const parsed = v.safeParse(formSchema, await c.req.parseBody());
    if (!parsed.success) return c.text(t('error.badForm'), 400);
    const form = parsed.output as typeof parsed.output & HookFormValues;
    const isNew = form.isNew !== '';
    const values = Object.fromEntries(HOOK_FORM_FIELDS.map((f) => [f, form[f]])) as HookFormValues;
    const errors: NonNullable<HookEditorProps['errors']> = {};
    const add = (field: HookFormField | 'sample' | 'name', message: string) => (errors[field] ??= []).push(message);
    if (!isHookName(name)) return c.notFound();
    if (!isNew && !getHookMapping(deps.db, name)) return c.notFound();

    const definition = v.safeParse(hookDefinitionSchema, values);
    if (!definition.success) {
      for (const issue of definition.issues) {
        const field = issue.path?.[0]?.key as HookFormField;
        add(field, t(issue.type === 'picklist' ? 'form.error.choice' : 'hooks.error.tooLong'));
      }
    }
    const compiled = definition.success ? compileHook(definition.output) : undefined;
    if (compiled && !compiled.ok) for (const p of compiled.problems) add(p.field, problemText(t, p));

    const render = (extra: Partial<HookEditorProps>, status: 200 | 422) => editor(c, { name, isNew, values, sample: form.sample, errors, ...extra }, status);
    if (!compiled?.ok) return render({}, 422);

    if (form.action === 'save') {
      if (isNew && getHookMapping(deps.db, name)) {
        add('name', t('hooks.error.nameTaken', { name }));
        return render({}, 422);
      }
      const now = deps.clock.now();
      saveHookMapping(deps.db, name, JSON.stringify(definition.output), now);
      writeAudit(deps.db, now, { actor: 'admin', action: 'hook.save', detail: { name }, ip: clientIp(c) });
      return c.redirect(`/hooks/${name}?saved=1`, 303);
    }

    if (form.sample.trim() === '') add('sample', t('hooks.error.sampleEmpty'));
    else if (form.sample.length > SAMPLE_MAX) add('sample', t('hooks.error.tooLong'));
    if (errors.sample) return render({}, 422);
    let payload: unknown;
    try {
      payload = JSON.parse(form.sample);
    } catch (err) {
      add('sample', t('hooks.error.sampleJson', { detail: (err as Error).message }));
      return render({}, 422);
    }
    if (nestsDeeperThan(payload, HOOK_PAYLOAD_DEPTH)) {
      add('sample', t('hooks.error.sampleDeep', { max: HOOK_PAYLOAD_DEPTH }));
      return render({}, 422);
    }
    return render({ preview: previewOf(compiled.hook, payload) }, 200);

    function previewOf(hook: Parameters<typeof applyHook>[0], json: unknown): HookPreview {
      const mapped = applyHook(hook, json);
      if (mapped.dropped) return { kind: 'dropped', condition: mapped.condition };
      const event = parseEvent(mapped.body);
      if (!event.ok) return { kind: 'refused', issues: event.issues };
      const settings = currentRenderSettings(deps.settings, deps.config.publicUrl);
      const messages = renderForDelivery(linkedElsewhere(event.event), settings, { receivedAt: deps.clock.now() }).map((m) => ({ bytes: utf8Bytes(messageText(m)), payload: m }));
      return { kind: 'event', event: JSON.stringify(event.event, null, 2), messages, notes: mapped.notes.map((n) => noteText(t, n)) };
    }
  });

  app.post('/hooks/:name/delete', async (c) => {
    const name = c.req.param('name');
    const row = isHookName(name) ? getHookMapping(deps.db, name) : undefined;
    const values = row && readHookDefinition(row.definition);
    if (!row) return c.notFound();
    const body = await c.req.parseBody();
    if (body.confirm !== 'yes') {
      return editor(c, { name, isNew: false, values: values ?? BLANK, sample: '', notice: { kind: 'bad', text: c.var.t('hooks.delete.unconfirmed') } }, 422);
    }
    const now = deps.clock.now();
    deleteHookMapping(deps.db, name);
    writeAudit(deps.db, now, { actor: 'admin', action: 'hook.delete', detail: { name }, ip: clientIp(c) });
    return c.redirect(`/hooks?deleted=${name}`, 303);
  });

  return app;
}
