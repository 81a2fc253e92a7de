// Renders an event or a digest through a custom message template. Values from events are
// neutralised as in the built-in layout (no mentions, no colours, one-line values on one line);
// the template's own text may colour with <font> but never mention: mentions stay the mention
// plan's. The result always fits WeCom's byte limit: long summaries and field lists are cut first
// (with the "… truncated" marker), the digest's list drops events, and only then the whole is cut.
import { formatDateTime } from '../time/format.ts';
import { parseIsoDateTime, type HeartbeatFacts } from '../events/schema.ts';
import { BYTE_LIMITS, textMessage, truncateUtf8, utf8Bytes, type WecomMessage } from '../wecom/messages.ts';
import { BLOCK, badgeText, build, joinBlocks, linkTarget, linkText, multiLine, oneLine, RESOLVED_STYLE, SEVERITY_STYLE, STATUS_STYLE } from './markup.ts';
import { parseMessageTemplate, type HEARTBEAT_PLACEHOLDERS, type MessageTemplateProblem, type Placeholder, type TemplateKind, type TemplatePart } from './messageTemplate.ts';
import { digestParts, eventBadge, fieldLines, humaniseDuration, needsAttention, truncationMarker, type DigestInput, type RenderableEvent, type RenderOptions } from './builtInRender.ts';
import { translator } from '../strings/translate.ts';
import { placeMentionLists, planMentions } from './mentionPlacement.ts';

/**
 * Why a custom template could not be used, as the send log's note keeps it: a problem of its text
 * (its code and parameters, worded when the page is drawn), or that it rendered to nothing or failed.
 */
export type TemplateFailure = { code: 'problem'; problem: MessageTemplateProblem } | { code: 'empty' | 'error'; detail: string };

/** Why a custom template could not be used; the caller sends the built-in message instead. */
export class TemplateRenderError extends Error {
  constructor(readonly failure: TemplateFailure) {
    super(failure.code === 'problem' ? `problem: ${failure.problem.code}` : `${failure.code}: ${failure.detail}`);
  }
}

function usableParts(kind: TemplateKind, body: string): TemplatePart[] {
  const { parts, problems } = parseMessageTemplate(kind, body);
  if (problems.length) throw new TemplateRenderError({ code: 'problem', problem: problems[0]! });
  return parts;
}

/** Only the mention syntax is taken out of the template's own text: <font> is the author's to use. */
function noMentions(s: string): string {
  return s.replace(/<(?=\s*@)/g, '＜');
}

type Resolve = (part: Exclude<TemplatePart, { kind: 'text' }>, index: number) => string;

/** Around each value while a template is filled: where the template's text ends and a value begins. */
const VALUE_START = '\u0002';
const VALUE_END = '\u0003';
const EDGE = /[\u0002\u0003]/;

/**
 * Markup the pieces make only together. A mention, however it is assembled (two values, the
 * template's "<" and a value, the template's own split by an empty value), and a <font> tag whose
 * "<" and "font" are not both the template's own text become inert.
 */
function inertJoins(s: string): string {
  return s.replace(/<(?=[\s\u0002\u0003]*@)/g, '＜').replace(/<([\s/\u0002\u0003]*)(?=font\b)/gi, (whole, gap: string) => (EDGE.test(gap) ? `＜${gap}` : whole));
}

/**
 * Fills the parts. A template line with placeholders that all came out empty is left out (so
 * "Store: {{store}}" disappears without a store); trailing spaces go, blank lines collapse to one.
 */
export function fillParts(parts: readonly TemplatePart[], resolve: Resolve): string {
  const lines: Array<{ text: string; placeholders: number; filled: number }> = [{ text: '', placeholders: 0, filled: 0 }];
  parts.forEach((part, index) => {
    if (part.kind === 'text') {
      const pieces = noMentions(part.text).split(/\r\n?|\n/);
      lines[lines.length - 1]!.text += pieces[0];
      for (const piece of pieces.slice(1)) lines.push({ text: piece, placeholders: 0, filled: 0 });
      return;
    }
    const value = resolve(part, index);
    const line = lines[lines.length - 1]!;
    line.text += VALUE_START + value + VALUE_END;
    line.placeholders++;
    if (value.trim() !== '') line.filled++;
  });
  return inertJoins(
    lines
      .filter((l) => l.placeholders === 0 || l.filled > 0)
      .map((l) => l.text)
      .join('\n'),
  )
    .replace(/[\u0002\u0003]/g, '')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const SENTINEL = '\u0001';

/**
 * The template's text with the tail (inline mentions) after it, within `limit` bytes: the `cut`
 * placeholders' values are shortened first, in the order they appear (left out when even the
 * marker does not fit); the whole only if that is not enough.
 */
function fitTemplate(parts: readonly TemplatePart[], resolve: Resolve, cut: (p: TemplatePart) => boolean, tail: string, limit: number, marker: string): string {
  const compose = (r: Resolve): string => {
    const main = fillParts(parts, r);
    if (main === '') throw new TemplateRenderError({ code: 'empty', detail: 'the template rendered to nothing' });
    return joinBlocks([main, tail]);
  };
  const whole = compose(resolve);
  if (utf8Bytes(whole) <= limit) return whole;

  let cuttable = 0;
  const frame = compose((p, i) => (cut(p) ? (cuttable++, SENTINEL) : resolve(p, i)));
  let remaining = limit - (utf8Bytes(frame) - cuttable);
  if (cuttable > 0 && remaining >= 0) {
    const fitted = compose((p, i) => {
      const value = resolve(p, i);
      if (!cut(p)) return value;
      const bytes = utf8Bytes(value);
      if (bytes <= remaining) {
        remaining -= bytes;
        return value;
      }
      const shortened = remaining > utf8Bytes(marker) ? truncateUtf8(value, remaining, marker) : '';
      remaining = 0;
      return shortened;
    });
    if (utf8Bytes(fitted) <= limit) return fitted;
  }
  const tailBytes = tail === '' ? 0 : utf8Bytes(BLOCK + tail);
  return joinBlocks([truncateUtf8(fillParts(parts, resolve), limit - tailBytes, marker), tail]);
}

const CUT: ReadonlySet<Placeholder> = new Set(['summary', 'fields', 'heartbeat.output']);

/** A heartbeat message's facts as text; empty for any other event. */
function heartbeatValues(h: HeartbeatFacts | undefined, opts: RenderOptions): Record<(typeof HEARTBEAT_PLACEHOLDERS)[number], string> {
  const t = translator(opts.lang);
  const at = (ms: number | null) => (ms === null ? '' : formatDateTime(ms, opts.lang, opts.timeZone));
  return {
    'heartbeat.name': h ? oneLine(h.name) : '',
    'heartbeat.key': h ? oneLine(h.key) : '',
    'heartbeat.state': h ? t(`hb.msg.event.${h.state}`) : '',
    'heartbeat.reason': h ? t(`hb.reason.${h.reason}`) : '',
    'heartbeat.last_seen': h ? (h.lastSeen === null ? t('hb.msg.never') : at(h.lastSeen)) : '',
    'heartbeat.expected': h ? at(h.expectedAt) : '',
    'heartbeat.down_since': h ? at(h.downSince) : '',
    'heartbeat.down_for': h && h.downForMs > 0 ? humaniseDuration(h.downForMs, t) : '',
    'heartbeat.exit_code': h?.exitCode !== undefined ? String(h.exitCode) : '',
    'heartbeat.output': h?.output !== undefined ? multiLine(h.output) : '',
  };
}

/** Every placeholder's value for an event; `fields.<name>` is looked up separately. */
function eventValues(event: Extract<RenderableEvent, { kind: 'alert' | 'task_result' }>, opts: RenderOptions): Record<Placeholder, string> {
  const t = translator(opts.lang);
  const { format } = opts;
  const severity = event.kind === 'alert' && event.resolved ? RESOLVED_STYLE : SEVERITY_STYLE[event.severity];
  const at = (event.occurred_at !== undefined ? parseIsoDateTime(event.occurred_at) : undefined) ?? opts.receivedAt;
  const task = event.kind === 'task_result' ? event : undefined;
  return {
    title: oneLine(event.title),
    summary: multiLine(event.summary ?? ''),
    severity: t(`severity.${event.severity}`),
    'severity.colour': severity.tone,
    'severity.emoji': severity.emoji,
    badge: badgeText(format, eventBadge(event, t)),
    category: t(`category.${event.category}`),
    kind: t(`messageKind.${event.kind}`),
    store: oneLine(event.store ?? ''),
    url: event.url !== undefined ? linkTarget(event.url) : '',
    link: event.url !== undefined ? linkText(format, event.link_label ?? t('link.view'), event.url) : '',
    time: formatDateTime(at, opts.lang, opts.timeZone),
    fields: fieldLines(event, format, t),
    repeat: (opts.repeatCount ?? 1) > 1 ? t('repeat', { count: opts.repeatCount ?? 1 }) : '',
    'task.name': task ? oneLine(task.task_name) : '',
    'task.status': task ? t(`taskStatus.${task.status}`) : '',
    'task.status.colour': task ? STATUS_STYLE[task.status].tone : '',
    'task.status.emoji': task ? STATUS_STYLE[task.status].emoji : '',
    'task.duration': task?.duration_ms !== undefined ? humaniseDuration(task.duration_ms, t) : '',
    ...heartbeatValues(event.kind === 'alert' ? event.heartbeat : undefined, opts),
    'digest.heading': '',
    'digest.count': '',
    'digest.category': '',
    'digest.range': '',
    'digest.counts': '',
    'digest.list': '',
    'digest.more': '',
    console: '',
  };
}

/**
 * An alert, resolved alert or task result through its custom template: the main message (with the
 * text format's mention lists) and, when the mention plan needs one, the same follow-up the
 * built-in sends. Throws TemplateRenderError when the template cannot be used.
 */
export function renderEventWithTemplate(event: RenderableEvent, opts: RenderOptions, kind: TemplateKind, body: string): WecomMessage[] {
  if (event.kind !== 'alert' && event.kind !== 'task_result') throw new TemplateRenderError({ code: 'error', detail: `no templates for ${event.kind} messages` });
  const parts = usableParts(kind, body);
  const t = translator(opts.lang);
  const { format, mentions } = opts;
  const values = eventValues(event, opts);
  const resolve: Resolve = (p) => (p.kind === 'value' ? values[p.name] : Object.hasOwn(event.fields, p.field) ? oneLine(String(event.fields[p.field])) : '');
  const tail = mentions.inlineUserIds.map((id) => `<@${id}>`).join(' ');
  const content = fitTemplate(parts, resolve, (p) => p.kind === 'value' && CUT.has(p.name), tail, BYTE_LIMITS[format], truncationMarker(opts, t));
  const { inMessage, followUps } = placeMentionLists(mentions);
  const messages = [build(format, content, inMessage)];
  for (const lists of followUps) messages.push(textMessage(`${needsAttention(event) ? '⚠' : '↑'} ${values.title}`, lists));
  return messages;
}

/**
 * Whether the template renders to nothing for `event` without its optional parts (summary, store,
 * link, fields, duration): every such event would go out with the built-in template instead, so the
 * console's save and a configuration document refuse the template.
 */
export function rendersEmptyWhenBare(event: Extract<RenderableEvent, { kind: 'alert' | 'task_result' }>, kind: TemplateKind, body: string, opts: Omit<RenderOptions, 'mentions'>): boolean {
  const { summary: _s, url: _u, store: _st, ...required } = event;
  const bare = { ...required, fields: {}, mention: 'none' as const, ...(required.kind === 'task_result' ? { duration_ms: undefined } : {}) };
  try {
    renderEventWithTemplate(bare, { ...opts, mentions: planMentions('none', opts.format) }, kind, body);
    return false;
  } catch (err) {
    if (err instanceof TemplateRenderError && err.failure.code === 'empty') return true;
    throw err;
  }
}

/** A digest through its custom template; listed events are dropped (never cut) until it fits. */
export function renderDigestWithTemplate(input: DigestInput, body: string): WecomMessage {
  const parts = usableParts('digest', body);
  const { format, lang, timeZone } = input;
  const t = translator(lang);
  const d = digestParts(input);
  const severity = SEVERITY_STYLE[d.severity];
  const base: Partial<Record<Placeholder, string>> = {
    'digest.heading': d.heading,
    'digest.count': String(input.total),
    'digest.category': input.category === 'mixed' ? '' : t(`category.${input.category}`),
    'digest.range': d.range,
    'digest.counts': d.counts,
    severity: t(`severity.${d.severity}`),
    'severity.colour': severity.tone,
    'severity.emoji': severity.emoji,
    badge: badgeText(format, { label: t(`severity.${d.severity}`), ...severity }),
    time: formatDateTime(input.until, lang, timeZone),
    console: d.seeConsole,
  };
  const limit = BYTE_LIMITS[format];
  const compose = (shown: number): string => {
    const values: Partial<Record<Placeholder, string>> = { ...base, 'digest.list': d.list(shown), 'digest.more': d.more(shown) };
    const content = fillParts(parts, (p) => (p.kind === 'value' ? (values[p.name] ?? '') : ''));
    if (content === '') throw new TemplateRenderError({ code: 'empty', detail: 'the template rendered to nothing' });
    return content;
  };
  for (let shown = d.lines.length; shown >= 0; shown--) {
    const content = compose(shown);
    if (utf8Bytes(content) <= limit) return build(format, content);
  }
  return build(format, truncateUtf8(compose(0), limit, `\n${t('truncated')}`));
}
