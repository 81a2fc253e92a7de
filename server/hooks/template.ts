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

/** Text of a JSON value as a message shows it: objects and arrays as compact JSON, null as nothing. */
export function valueText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export interface Rendered {
  text: string;
  /** Placeholders whose path found nothing (or null). */
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
    const value = readPath(json, part.path);
    if (value === undefined || value === null) missing.push(part.source);
    single = value;
    text += valueText(value);
  }
  const onlyPlaceholder = parts.length === 1 && !('text' in parts[0]!);
  return { text, missing, ...(onlyPlaceholder && single !== undefined && single !== null ? { single } : {}) };
}
