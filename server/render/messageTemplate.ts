// Custom message templates: which kinds have them, which placeholders each kind offers, what a
// template may not be (checked before saving and again before use), and the built-in template
// written out as template text (what the editor starts from; restoring it deletes the custom one).
import { translator, type Lang } from '../strings/translate.ts';
import { CATEGORIES, type Category } from '../events/schema.ts';
import type { MessageFormat } from './mentionPlacement.ts';
import { scanPlaceholders, type ScannedSegment } from './placeholders.ts';

/** Message kinds a template can be written for; a resolved alert has its own. Reports keep the built-in. */
export const TEMPLATE_KINDS = ['alert', 'resolved', 'task_result', 'digest'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

/** A template written for one category, or for every category ('' in storage, "all" in forms). */
export type TemplateCategory = Category | '';

export const MESSAGE_TEMPLATE_MAX_CHARS = 4000;

/** Placeholders of every event message (alert, resolved, task result). `fields.<name>` comes on top. */
export const EVENT_PLACEHOLDERS = [
  'title',
  'summary',
  'severity',
  'severity.colour',
  'severity.emoji',
  'badge',
  'category',
  'kind',
  'store',
  'url',
  'link',
  'time',
  'fields',
  'repeat',
] as const;

export const TASK_PLACEHOLDERS = ['task.name', 'task.status', 'task.status.colour', 'task.status.emoji', 'task.duration'] as const;

export const DIGEST_PLACEHOLDERS = [
  'digest.heading',
  'digest.count',
  'digest.category',
  'digest.range',
  'digest.counts',
  'digest.list',
  'digest.more',
  'severity',
  'severity.colour',
  'severity.emoji',
  'badge',
  'time',
  'console',
] as const;

export type Placeholder = (typeof EVENT_PLACEHOLDERS)[number] | (typeof TASK_PLACEHOLDERS)[number] | (typeof DIGEST_PLACEHOLDERS)[number];

/** The placeholders a kind offers, in the order the editor's help lists them. */
export function placeholdersFor(kind: TemplateKind): readonly Placeholder[] {
  if (kind === 'digest') return DIGEST_PLACEHOLDERS;
  if (kind === 'task_result') return [...EVENT_PLACEHOLDERS, ...TASK_PLACEHOLDERS];
  return EVENT_PLACEHOLDERS;
}

/** `fields.<name>`: any field name an event may carry (letters of any script, spaces, dots). */
const FIELD_PLACEHOLDER = /^fields\.(.+)$/s;

export type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'value'; raw: string; name: Placeholder }
  | { kind: 'field'; raw: string; field: string };

export type MessageTemplateProblem =
  | { code: 'empty' }
  | { code: 'tooLong'; max: number; length: number }
  | { code: 'unclosed'; snippet: string }
  | { code: 'unknown'; placeholder: string };

function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** The template's parts and every problem with it; a template with problems is never used. */
export function parseMessageTemplate(kind: TemplateKind, body: string): { parts: TemplatePart[]; problems: MessageTemplateProblem[] } {
  const problems: MessageTemplateProblem[] = [];
  if (body.trim() === '') problems.push({ code: 'empty' });
  const length = charLength(body);
  if (length > MESSAGE_TEMPLATE_MAX_CHARS) problems.push({ code: 'tooLong', max: MESSAGE_TEMPLATE_MAX_CHARS, length });
  const known: ReadonlySet<string> = new Set(placeholdersFor(kind));
  const scanned = scanPlaceholders(body);
  for (const { snippet } of scanned.unclosed) problems.push({ code: 'unclosed', snippet });
  const parts = scanned.segments.map((s: ScannedSegment): TemplatePart => {
    if (s.kind === 'text') return s;
    if (known.has(s.inner)) return { kind: 'value', raw: s.raw, name: s.inner as Placeholder };
    const field = kind !== 'digest' ? FIELD_PLACEHOLDER.exec(s.inner) : null;
    if (field && field[1]!.trim() !== '') return { kind: 'field', raw: s.raw, field: field[1]!.trim() };
    problems.push({ code: 'unknown', placeholder: s.raw });
    return { kind: 'text', text: s.raw };
  });
  return { parts, problems };
}

export function isTemplateKind(x: unknown): x is TemplateKind {
  return (TEMPLATE_KINDS as readonly unknown[]).includes(x);
}

export function isTemplateCategory(x: unknown): x is TemplateCategory {
  return x === '' || (CATEGORIES as readonly unknown[]).includes(x);
}

/**
 * The built-in template as template text, for a language and a message format. Lines whose
 * placeholders are all empty are left out when rendering, which is how "Store:" disappears for an
 * event without a store, exactly as the built-in renderer does. Alerts and digests render to the
 * very same text (tested); a task result differs in one point: "Task:" is always shown, where the
 * built-in leaves it out when the task's name is the title.
 */
export function defaultTemplate(kind: TemplateKind, lang: Lang, format: MessageFormat): string {
  const t = translator(lang);
  const heading = (s: string) => (format === 'text' ? s : `### ${s}`);
  const strong = (s: string) => (format === 'text' ? s : `**${s}**`);
  const pair = (label: string, value: string) => `${format === 'markdown_v2' ? '- ' : ''}${label}: ${value}`;
  if (kind === 'digest') {
    return [heading('{{digest.heading}}'), '{{digest.range}}', '{{digest.counts}}', '', '{{digest.list}}', '', '{{digest.more}}', '{{console}}'].join('\n');
  }
  const meta =
    kind === 'task_result'
      ? [pair(t('label.task'), '{{task.name}}'), pair(t('label.duration'), '{{task.duration}}')]
      : [];
  return [
    heading('{{badge}} · {{category}} · {{kind}}'),
    `${strong('{{title}}')} {{repeat}}`,
    '',
    ...meta,
    pair(t('label.store'), '{{store}}'),
    pair(t('label.time'), '{{time}}'),
    '',
    '{{summary}}',
    '',
    '{{fields}}',
    '',
    '{{link}}',
  ].join('\n');
}
