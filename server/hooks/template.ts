// Hook mapping templates: literal text with {{path}} placeholders (see jsonPath.ts). Nothing else is
// interpreted, so a mapping can never run code.
import { parsePath, readPath, type PathSegment, type MappingSyntaxError } from './jsonPath.ts';

export type TemplatePart = { text: string } | { path: PathSegment[]; source: string };
export type ParsedTemplate = { ok: true; parts: TemplatePart[] } | { ok: false; error: MappingSyntaxError };

export function parseTemplate(text: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  let rest = text;
  while (rest !== '') {
    const open = rest.indexOf('{{');
    if (open < 0) {
      if (rest.includes('}}')) return { ok: false, error: { code: 'unopened' } };
      parts.push({ text: rest });
      break;
    }
    if (open > 0) {
      if (rest.slice(0, open).includes('}}')) return { ok: false, error: { code: 'unopened' } };
      parts.push({ text: rest.slice(0, open) });
    }
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) return { ok: false, error: { code: 'unclosed' } };
    const source = rest.slice(open + 2, close).trim();
    const path = parsePath(source);
    if (!path.ok) return { ok: false, error: path.error };
    parts.push({ path: path.segments, source });
    rest = rest.slice(close + 2);
  }
  return { ok: true, parts };
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
