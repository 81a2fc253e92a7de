// Which template renders a message: the custom one for its kind, category and language, else the
// custom one for every category, else the built-in. A custom template that cannot be used falls
// back to the built-in, and the note saying so is stored with the message for the send log.
import type { Lang } from '../strings/translate.ts';
import type { InboundEvent } from '../events/schema.ts';
import { TemplateRenderError, type TemplateFailure } from './messageTemplateRender.ts';
import { isTemplateCategory, isTemplateKind, type TemplateCategory, type TemplateKind } from './messageTemplate.ts';

export interface StoredTemplate {
  kind: string;
  category: string;
  lang: string;
  body: string;
  updatedAt: number;
}

export interface MessageTemplateSet {
  /** The category's own template, else the one for every category. */
  find(kind: TemplateKind, category: string, lang: Lang): { category: TemplateCategory; body: string } | undefined;
  /** Every custom template, for the editor's list. */
  list(): readonly StoredTemplate[];
}

export function templateSet(rows: readonly StoredTemplate[]): MessageTemplateSet {
  const byKey = new Map(rows.map((r) => [`${r.kind}\n${r.category}\n${r.lang}`, r]));
  return {
    find(kind, category, lang) {
      for (const c of [category, '']) {
        const row = byKey.get(`${kind}\n${c}\n${lang}`);
        if (row && isTemplateCategory(c)) return { category: c, body: row.body };
      }
      return undefined;
    },
    list: () => rows,
  };
}

export const NO_TEMPLATES: MessageTemplateSet = templateSet([]);

/** The template kind of an event's message; reports and metrics have none (reports keep the built-in). */
export function templateKindOf(e: InboundEvent): TemplateKind | undefined {
  if (e.kind === 'alert') return e.heartbeat ? 'heartbeat' : e.resolved ? 'resolved' : 'alert';
  if (e.kind === 'task_result') return 'task_result';
  return undefined;
}

/** Stored with a message (deliveries.template) as JSON. */
export type TemplateNote = {
  kind: TemplateKind;
  category: TemplateCategory;
  lang: Lang;
  /**
   * Set when the custom template failed and the built-in one was sent instead; a problem noted by
   * an earlier version is its English text (`detail`), shown as it is.
   */
  failed?: TemplateFailure | { code: 'problem'; detail: string };
};

export function renderWithTemplate<T>(
  templates: MessageTemplateSet,
  key: { kind: TemplateKind | undefined; category: string; lang: Lang },
  custom: (kind: TemplateKind, body: string) => T,
  builtIn: () => T,
): { value: T; note?: TemplateNote } {
  if (key.kind === undefined) return { value: builtIn() };
  const found = templates.find(key.kind, key.category, key.lang);
  if (!found) return { value: builtIn() };
  const note: TemplateNote = { kind: key.kind, category: found.category, lang: key.lang };
  try {
    return { value: custom(key.kind, found.body), note };
  } catch (err) {
    const failed: TemplateFailure = err instanceof TemplateRenderError ? err.failure : { code: 'error', detail: err instanceof Error ? err.message : String(err) };
    return { value: builtIn(), note: { ...note, failed } };
  }
}

export function noteJson(note: TemplateNote | undefined): string | null {
  return note ? JSON.stringify(note) : null;
}

/** The stored note, or undefined when there is none or it is not one (an older or damaged row). */
export function parseNote(json: string | null): TemplateNote | undefined {
  if (!json) return undefined;
  try {
    const n = JSON.parse(json) as Partial<TemplateNote>;
    if (!isTemplateKind(n.kind) || !isTemplateCategory(n.category) || (n.lang !== 'en' && n.lang !== 'zh')) return undefined;
    return n as TemplateNote;
  } catch {
    return undefined;
  }
}
