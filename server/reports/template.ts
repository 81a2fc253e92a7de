// The custom report template: markdown with {{placeholders}} over the report's figures. Parsing is
// a plain scan (no eval, no expressions, no loops): a placeholder is a dotted name from a fixed list,
// or `metric "name" "store"`. Anything else is left visible and reported as a problem.
import { CATEGORIES, SEVERITIES } from '../events/schema.ts';

export const TEMPLATE_MAX_CHARS = 8000;

export type Placeholder =
  | { kind: 'path'; raw: string; path: string }
  | { kind: 'metric'; raw: string; field: 'value' | 'change' | 'previous'; name: string; store: string | null };

export type Segment = { kind: 'text'; text: string } | Placeholder | { kind: 'unknown'; raw: string };

export type TemplateProblem =
  | { code: 'unclosed'; snippet: string }
  | { code: 'unknown'; placeholder: string }
  | { code: 'metricArgs'; placeholder: string };

const TASK_FIELDS = ['total', 'succeeded', 'failed', 'partial', 'failures'];
const DELIVERY_FIELDS = ['sent', 'digested', 'suppressed', 'silenced', 'dead', 'pending'];

/** Every dotted placeholder the template knows, in the order the form's help lists them. */
export const KNOWN_PATHS: readonly string[] = [
  'job.name',
  'period.label',
  'period.start',
  'period.end',
  'period.timezone',
  'now',
  'alerts.total',
  ...SEVERITIES.map((s) => `alerts.${s}`),
  ...CATEGORIES.map((c) => `alerts.${c}`),
  ...CATEGORIES.flatMap((c) => SEVERITIES.map((s) => `alerts.${c}.${s}`)),
  ...TASK_FIELDS.map((f) => `tasks.${f}`),
  ...DELIVERY_FIELDS.map((f) => `delivery.${f}`),
  'section.alerts',
  'section.tasks',
  'section.metrics',
  'section.delivery',
];
const KNOWN = new Set(KNOWN_PATHS);

const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
// "…" or the full-width quotes a Chinese input method types: “…”.
const STRING = /\s*(?:"([^"]*)"|“([^”]*)”)/y;

function parseMetric(raw: string, inner: string): Placeholder | undefined {
  const head = /^metric(?:\.(value|change|previous))?/.exec(inner);
  if (!head) return undefined;
  const args: string[] = [];
  let pos = head[0].length;
  for (;;) {
    STRING.lastIndex = pos;
    const m = STRING.exec(inner);
    if (!m) break;
    args.push((m[1] ?? m[2] ?? '').trim());
    pos = STRING.lastIndex;
  }
  if (pos !== inner.length || args.length < 1 || args.length > 2 || !args[0]) return undefined;
  const field = (head[1] as 'value' | 'change' | 'previous' | undefined) ?? 'value';
  return { kind: 'metric', raw, field, name: args[0], store: args[1] || null };
}

/**
 * Splits a template into text and placeholders, listing every problem found on the way. `known` is
 * the set of names this kind of template offers (the report's by default; metric rule titles have theirs).
 */
export function parseTemplate(template: string, known: ReadonlySet<string> = KNOWN): { segments: Segment[]; problems: TemplateProblem[] } {
  const segments: Segment[] = [];
  const problems: TemplateProblem[] = [];
  let text = '';
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{{', i);
    if (open === -1) {
      text += template.slice(i);
      break;
    }
    text += template.slice(i, open);
    const close = template.indexOf('}}', open + 2);
    const nextOpen = template.indexOf('{{', open + 2);
    if (close === -1 || (nextOpen !== -1 && nextOpen < close)) {
      const snippet = template.slice(open, Math.min(template.length, open + 24)).split('\n')[0]!;
      problems.push({ code: 'unclosed', snippet });
      text += '{{';
      i = open + 2;
      continue;
    }
    const raw = template.slice(open, close + 2);
    const inner = template.slice(open + 2, close).trim();
    if (text) segments.push({ kind: 'text', text });
    text = '';
    if (PATH.test(inner) && known.has(inner)) {
      segments.push({ kind: 'path', raw, path: inner });
    } else if (known === KNOWN && /^metric(\.|\s|$)/.test(inner)) {
      const metric = parseMetric(raw, inner);
      if (metric) segments.push(metric);
      else {
        problems.push({ code: 'metricArgs', placeholder: raw });
        segments.push({ kind: 'unknown', raw });
      }
    } else {
      problems.push({ code: 'unknown', placeholder: raw });
      segments.push({ kind: 'unknown', raw });
    }
    i = close + 2;
  }
  if (text) segments.push({ kind: 'text', text });
  return { segments, problems };
}

/** Fills the placeholders; unknown ones stay as typed, so a mistake is visible, never silent. */
export function fillTemplate(segments: Segment[], resolve: (p: Placeholder) => string): string {
  return segments.map((s) => (s.kind === 'text' ? s.text : s.kind === 'unknown' ? s.raw : resolve(s))).join('');
}
