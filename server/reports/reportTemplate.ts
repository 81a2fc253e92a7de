// The custom report template: markdown with {{placeholders}} over the report's figures. Parsing is
// a plain scan (no eval, no expressions, no loops): a placeholder is a dotted name from a fixed list,
// or `metric "name" "store"`. Anything else is left visible and reported as a problem.
import { CATEGORIES, SEVERITIES } from '../events/schema.ts';
import { DOTTED_PATH, scanPlaceholders } from '../render/placeholders.ts';

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
  const scanned = scanPlaceholders(template);
  // Problems in the order they occur in the template.
  const found: Array<{ at: number; problem: TemplateProblem }> = scanned.unclosed.map(({ snippet, at }) => ({ at, problem: { code: 'unclosed', snippet } }));
  const segments = scanned.segments.map((s): Segment => {
    if (s.kind === 'text') return s;
    const { raw, inner } = s;
    const problem = (p: TemplateProblem) => found.push({ at: s.at, problem: p });
    if (DOTTED_PATH.test(inner) && known.has(inner)) return { kind: 'path', raw, path: inner };
    if (known === KNOWN && /^metric(\.|\s|$)/.test(inner)) {
      const metric = parseMetric(raw, inner);
      if (metric) return metric;
      problem({ code: 'metricArgs', placeholder: raw });
      return { kind: 'unknown', raw };
    }
    problem({ code: 'unknown', placeholder: raw });
    return { kind: 'unknown', raw };
  });
  return { segments, problems: found.sort((a, b) => a.at - b.at).map((f) => f.problem) };
}

/** Fills the placeholders; unknown ones stay as typed, so a mistake is visible, never silent. */
export function fillTemplate(segments: Segment[], resolve: (p: Placeholder) => string): string {
  return segments.map((s) => (s.kind === 'text' ? s.text : s.kind === 'unknown' ? s.raw : resolve(s))).join('');
}
