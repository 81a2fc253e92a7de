// The text of a hook mapping's fields: literal text with {{path}} placeholders (see jsonPath.ts), split by the
// placeholder scanner the message and report templates use. Nothing else is interpreted, so a
// mapping can never run code.
import { scanPlaceholders } from '../render/placeholders.ts';
import { parsePath, readPath, type PathSegment, type MappingSyntaxError } from './jsonPath.ts';

export type TemplatePart = { text: string } | { path: PathSegment[]; source: string };
export type ParsedTemplate = { ok: true; parts: TemplatePart[] } | { ok: false; error: MappingSyntaxError };

export function parseTemplate(text: string): ParsedTemplate {
  const scanned = scanPlaceholders(text);
  // The first problem a reader meets, left to right.
  const problems: Array<{ at: number; error: MappingSyntaxError }> = [
    ...scanned.unclosed.map(({ at }) => ({ at, error: { code: 'unclosed' } as const })),
    ...scanned.unopened.map((at) => ({ at, error: { code: 'unopened' } as const })),
  ];
  const parts: TemplatePart[] = [];
  for (const segment of scanned.segments) {
    if (segment.kind === 'text') {
      parts.push({ text: segment.text });
      continue;
    }
    const path = parsePath(segment.inner);
    if (path.ok) parts.push({ path: path.segments, source: segment.inner });
    else problems.push({ at: segment.at, error: path.error });
  }
  const first = problems.sort((x, y) => x.at - y.at)[0];
  return first ? { ok: false, error: first.error } : { ok: true, parts };
}

/** A string, number or boolean: the only values a template reads. */
export function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/**
 * Text of a JSON value as a message shows it. Templates read scalars only: an object or an array
 * (`{{$}}`, `{{labels}}`) renders as nothing, like a missing value, so no placeholder can copy a
 * whole payload (or serialise a deeply nested one) into a message.
 */
export function valueText(value: unknown): string {
  return isScalar(value) ? String(value) : '';
}

export interface Rendered {
  text: string;
  /** Placeholders whose path found nothing, null, or an object or array (templates read scalars only). */
  missing: string[];
  /** The value itself when the template is exactly one placeholder (numbers stay numbers). */
  single?: unknown;
}

export function renderTemplate(parts: readonly TemplatePart[], json: unknown): Rendered {
  const missing: string[] = [];
  let text = '';
  let single: unknown;
  for (const part of parts) {
    if ('text' in part) {
      text += part.text;
      continue;
    }
    const found = readPath(json, part.path);
    const value = isScalar(found) ? found : undefined;
    if (value === undefined) missing.push(part.source);
    single = value;
    text += valueText(value);
  }
  const onlyPlaceholder = parts.length === 1 && !('text' in parts[0]!);
  return { text, missing, ...(onlyPlaceholder && single !== undefined ? { single } : {}) };
}
