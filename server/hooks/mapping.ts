// A hook mapping: how one tool's webhook JSON becomes the body of an event. Stored as the text the
// console form holds; compiled (parsed and checked) on save and on each use, applied as a pure function.
import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { CATEGORIES, EVENT_LIMITS, replaceControlCharacters, SEVERITIES, type Category, type Severity } from '../events/schema.ts';
import { parsePath, readPath, type MappingSyntaxError, type PathSegment } from './jsonPath.ts';
import { parseTemplate, renderTemplate, valueText, type TemplatePart } from './mappingText.ts';

export const HOOK_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;
/** The names a mapping may be saved under: not `new`, the console's editor for a mapping not saved yet. */
export const HOOK_MAPPING_NAME = /^(?!new$)[a-z0-9][a-z0-9_-]{0,39}$/;
export const isHookName = (name: string): boolean => HOOK_MAPPING_NAME.test(name);
export const HOOK_LIMITS = { template: 1000, lines: 2000, fields: EVENT_LIMITS.fields, mapEntries: 50, conditions: 20 } as const;

/** What the console edits and the database stores: every template and list as its text. */
export const hookDefinitionSchema = v.strictObject({
  title: v.pipe(v.string(), v.maxLength(HOOK_LIMITS.template)),
  summary: v.pipe(v.string(), v.maxLength(HOOK_LIMITS.template)),
  severity: v.pipe(v.string(), v.maxLength(HOOK_LIMITS.template)),
  /** One `value = severity` per line, matched case-insensitively against the rendered severity template. */
  severityMap: v.pipe(v.string(), v.maxLength(HOOK_LIMITS.lines)),
  defaultSeverity: v.picklist(SEVERITIES),
  category: v.pipe(v.string(), v.maxLength(HOOK_LIMITS.template)),
  defaultCategory: v.picklist(CATEGORIES),
  store: v.pipe(v.string(), v.maxLength(HOOK_LIMITS.template)),
  url: v.pipe(v.string(), v.maxLength(HOOK_LIMITS.template)),
  idempotencyKey: v.pipe(v.string(), v.maxLength(HOOK_LIMITS.template)),
  /** One `Name = template` per line. */
  fields: v.pipe(v.string(), v.maxLength(HOOK_LIMITS.lines)),
  /** One condition per line; the payload is dropped when any holds. */
  dropWhen: v.pipe(v.string(), v.maxLength(HOOK_LIMITS.lines)),
});
export type HookDefinition = v.InferOutput<typeof hookDefinitionSchema>;
export type HookField = keyof HookDefinition;

export type HookProblem =
  | { field: HookField; line?: number; code: 'syntax'; error: MappingSyntaxError }
  | { field: HookField; line?: number; code: 'titleRequired' | 'badLine' | 'badSeverity' | 'badCondition' | 'tooManyLines' | 'badFieldName' };

type Condition = { path: PathSegment[]; op: '==' | '!=' | 'exists' | 'missing'; value: string; source: string };

export interface CompiledHook {
  title: TemplatePart[];
  summary: TemplatePart[];
  severity: TemplatePart[];
  severityMap: Map<string, Severity>;
  defaultSeverity: Severity;
  category: TemplatePart[];
  defaultCategory: Category;
  store: TemplatePart[];
  url: TemplatePart[];
  idempotencyKey: TemplatePart[];
  fields: Array<{ name: string; template: TemplatePart[] }>;
  dropWhen: Condition[];
}

const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((line, i) => ({ line: i + 1, text: line.trim() }))
    .filter((l) => l.text !== '' && !l.text.startsWith('#'));

/** `key = value` split at the last "=" (keys may hold "="; severities and templates' names do not). */
function splitPair(text: string, at: 'first' | 'last'): [string, string] | undefined {
  const i = at === 'first' ? text.indexOf('=') : text.lastIndexOf('=');
  if (i <= 0) return undefined;
  return [text.slice(0, i).trim(), text.slice(i + 1).trim()];
}

function parseCondition(text: string): Condition | { error: MappingSyntaxError } | undefined {
  const unary = /^(.+?)\s+(exists|missing)$/.exec(text);
  const binary = /^(.+?)\s*(==|!=)\s*(.*)$/.exec(text);
  // "state == missing" compares with the word: the unary reading only when what precedes it is a path.
  const m = unary && (!binary || parsePath(unary[1]!).ok) ? unary : binary;
  if (!m) return undefined;
  const path = parsePath(m[1]!);
  if (!path.ok) return { error: path.error };
  let value = (m === binary ? m[3] : '')!.trim();
  if (/^".*"$/.test(value)) {
    try {
      value = JSON.parse(value) as string;
    } catch {
      return undefined;
    }
  }
  return { path: path.segments, op: m[2] as Condition['op'], value, source: text };
}

/** Checks every part of a definition; all problems at once, each naming its field (and line). */
export function compileHook(def: HookDefinition): { ok: true; hook: CompiledHook } | { ok: false; problems: HookProblem[] } {
  const problems: HookProblem[] = [];
  const template = (field: HookField): TemplatePart[] => {
    const parsed = parseTemplate(def[field]);
    if (parsed.ok) return parsed.parts;
    problems.push({ field, code: 'syntax', error: parsed.error });
    return [];
  };
  const title = template('title');
  if (def.title.trim() === '') problems.push({ field: 'title', code: 'titleRequired' });

  const severityMap = new Map<string, Severity>();
  const mapLines = lines(def.severityMap);
  if (mapLines.length > HOOK_LIMITS.mapEntries) problems.push({ field: 'severityMap', code: 'tooManyLines' });
  for (const { line, text } of mapLines) {
    const pair = splitPair(text, 'last');
    if (!pair) problems.push({ field: 'severityMap', line, code: 'badLine' });
    else if (!(SEVERITIES as readonly string[]).includes(pair[1].toLowerCase())) problems.push({ field: 'severityMap', line, code: 'badSeverity' });
    else severityMap.set(pair[0].toLowerCase(), pair[1].toLowerCase() as Severity);
  }

  const fields: CompiledHook['fields'] = [];
  const fieldLines = lines(def.fields);
  if (fieldLines.length > HOOK_LIMITS.fields) problems.push({ field: 'fields', code: 'tooManyLines' });
  for (const { line, text } of fieldLines) {
    const pair = splitPair(text, 'first');
    if (!pair) {
      problems.push({ field: 'fields', line, code: 'badLine' });
      continue;
    }
    if ([...pair[0]].length > EVENT_LIMITS.fieldKey || ['__proto__', 'prototype', 'constructor'].includes(pair[0])) {
      problems.push({ field: 'fields', line, code: 'badFieldName' });
      continue;
    }
    const parsed = parseTemplate(pair[1]);
    if (parsed.ok) fields.push({ name: pair[0], template: parsed.parts });
    else problems.push({ field: 'fields', line, code: 'syntax', error: parsed.error });
  }

  const dropWhen: Condition[] = [];
  const conditionLines = lines(def.dropWhen);
  if (conditionLines.length > HOOK_LIMITS.conditions) problems.push({ field: 'dropWhen', code: 'tooManyLines' });
  for (const { line, text } of conditionLines) {
    const parsed = parseCondition(text);
    if (!parsed) problems.push({ field: 'dropWhen', line, code: 'badCondition' });
    else if ('error' in parsed) problems.push({ field: 'dropWhen', line, code: 'syntax', error: parsed.error });
    else dropWhen.push(parsed);
  }

  const hook: CompiledHook = {
    title,
    summary: template('summary'),
    severity: template('severity'),
    severityMap,
    defaultSeverity: def.defaultSeverity,
    category: template('category'),
    defaultCategory: def.defaultCategory,
    store: template('store'),
    url: template('url'),
    idempotencyKey: template('idempotencyKey'),
    fields,
    dropWhen,
  };
  return problems.length ? { ok: false, problems } : { ok: true, hook };
}

export type HookResult =
  | { dropped: true; condition: string }
  | { dropped: false; body: Record<string, unknown>; notes: HookNote[] };
/** What the mapping left out, for the console's preview. */
export type HookNote = { code: 'urlNotHttp' | 'idempotencyKeyIncomplete' | 'fieldEmpty'; detail?: string };

const cut = (s: string, max: number) => [...s].slice(0, max).join('');

function holds(c: Condition, payload: unknown): boolean {
  const value = readPath(payload, c.path);
  const present = value !== undefined && value !== null;
  switch (c.op) {
    case 'exists':
      return present;
    case 'missing':
      return !present;
    case '==':
      return present && valueText(value) === c.value;
    case '!=':
      return !present || valueText(value) !== c.value;
  }
}

function isHttpUrl(s: string): boolean {
  if (s.length > EVENT_LIMITS.url || !URL.canParse(s)) return false;
  const { protocol, hostname } = new URL(s);
  return (protocol === 'http:' || protocol === 'https:') && hostname !== '';
}

/**
 * The event body a payload maps to (an alert; parseEvent then checks it like any other), or the
 * drop condition that held. Long texts are cut to the event's limits rather than refused: the tool
 * that sends them cannot be told to write shorter titles.
 */
export function applyHook(hook: CompiledHook, payload: unknown): HookResult {
  const dropped = hook.dropWhen.find((c) => holds(c, payload));
  if (dropped) return { dropped: true, condition: dropped.source };
  const notes: HookNote[] = [];
  const text = (parts: TemplatePart[]) => renderTemplate(parts, payload).text.trim();

  const severityText = text(hook.severity).toLowerCase();
  const severity =
    hook.severityMap.get(severityText) ?? ((SEVERITIES as readonly string[]).includes(severityText) ? (severityText as Severity) : hook.defaultSeverity);
  const categoryText = text(hook.category).toLowerCase();
  const category = (CATEGORIES as readonly string[]).includes(categoryText) ? (categoryText as Category) : hook.defaultCategory;

  const summary = cut(text(hook.summary), EVENT_LIMITS.summary);
  // The event refuses a store name with a line break or tab in it; here it is made one line instead.
  const store = cut(replaceControlCharacters(text(hook.store)).replace(/\s+/g, ' ').trim(), EVENT_LIMITS.store);
  const url = text(hook.url);
  if (url !== '' && !isHttpUrl(url)) notes.push({ code: 'urlNotHttp', detail: cut(url, 100) });

  const key = renderTemplate(hook.idempotencyKey, payload);
  const keyText = key.text.trim();
  if (keyText !== '' && key.missing.length) notes.push({ code: 'idempotencyKeyIncomplete', detail: key.missing.join(', ') });
  // A key longer than the limit is hashed, not cut: cutting could make different payloads collide.
  const idempotencyKey =
    keyText === '' || key.missing.length
      ? undefined
      : [...keyText].length <= EVENT_LIMITS.idempotencyKey
        ? keyText
        : 'sha256:' + createHash('sha256').update(keyText).digest('hex');

  const fields: Record<string, string | number> = {};
  for (const f of hook.fields) {
    const r = renderTemplate(f.template, payload);
    if (typeof r.single === 'number' && Number.isFinite(r.single)) fields[f.name] = r.single;
    else if (r.text.trim() !== '') fields[f.name] = cut(r.text.trim(), EVENT_LIMITS.fieldValue);
    else notes.push({ code: 'fieldEmpty', detail: f.name });
  }

  return {
    dropped: false,
    notes,
    body: {
      kind: 'alert',
      title: cut(text(hook.title), EVENT_LIMITS.title),
      severity,
      category,
      ...(summary !== '' && { summary }),
      ...(store !== '' && { store }),
      ...(url !== '' && isHttpUrl(url) && { url }),
      ...(idempotencyKey !== undefined && { idempotency_key: idempotencyKey }),
      fields,
    },
  };
}
