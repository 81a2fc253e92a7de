// What an import would change: the current configuration against the document, section by section.
// Pure: the dry run shows this list, and the apply step carries out exactly it.
import type { CurrentConfig } from './currentConfig.ts';
import { SECTIONS, type ConfigDocument, type Section } from './document.ts';

export type ChangeAction = 'create' | 'update' | 'delete';

export interface ConfigChange {
  section: Section;
  action: ChangeAction;
  /** What the item is called: a name, "alert/inventory/zh" for a template, "category/title/store" for a silence. */
  item: string;
  /** For updates: the fields that change. */
  fields?: string[];
  /** Index into the current document's list (update, delete). */
  from?: number;
  /** Index into the imported document's list (create, update). */
  to?: number;
}

export interface ConfigPlan {
  changes: ConfigChange[];
  /** Silences in the document that have already ended: not imported. */
  ended: string[];
  /** Sections the document leaves out, which stay as they are. */
  untouched: Section[];
  /**
   * Seeded report jobs that would switch on by themselves once a bot is connected, which the document
   * names as they are (off): its `enabled` is the admin's decision, so the import keeps them off.
   * `from` indexes the current document's list.
   */
  keptOff: Array<{ item: string; from: number }>;
}

type ListSection = Exclude<Section, 'notification_rules' | 'quiet_hours'>;

const KEYS: { [S in ListSection]: (item: NonNullable<ConfigDocument[S]>[number]) => string } = {
  message_templates: (t) => `${t.kind}/${t.category ?? '*'}/${t.lang}`,
  hook_mappings: (h) => h.name,
  metric_rules: (r) => r.name,
  report_jobs: (j) => j.name,
  silences: (s) => `${s.category}/${s.title}/${s.store}`,
};

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function changedFields(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !same(a[k], b[k]));
}

/**
 * Items are matched by their key; names that occur more than once (metric rules and report jobs may
 * share a name) are matched in order of appearance.
 */
function planList<S extends ListSection>(section: S, current: readonly NonNullable<ConfigDocument[S]>[number][], desired: readonly NonNullable<ConfigDocument[S]>[number][]): ConfigChange[] {
  const keyOf = KEYS[section] as (item: unknown) => string;
  const waiting = new Map<string, number[]>();
  current.forEach((item, i) => waiting.set(keyOf(item), [...(waiting.get(keyOf(item)) ?? []), i]));
  const changes: ConfigChange[] = [];
  desired.forEach((item, to) => {
    const key = keyOf(item);
    const from = waiting.get(key)?.shift();
    if (from === undefined) changes.push({ section, action: 'create', item: key, to });
    else {
      const fields = changedFields(current[from] as Record<string, unknown>, item as Record<string, unknown>);
      if (fields.length) changes.push({ section, action: 'update', item: key, fields, from, to });
    }
  });
  for (const [key, left] of waiting) for (const from of left) changes.push({ section, action: 'delete', item: key, from });
  return changes;
}

export function planImport(current: CurrentConfig, document: ConfigDocument, now: number): { plan: ConfigPlan; document: ConfigDocument } {
  const ended = (document.silences ?? []).filter((s) => Date.parse(s.until) <= now);
  const desired: ConfigDocument = document.silences ? { ...document, silences: document.silences.filter((s) => !ended.includes(s)) } : document;
  const cur = current.document;
  const changes: ConfigChange[] = [];
  for (const section of ['notification_rules', 'quiet_hours'] as const) {
    const next = desired[section];
    if (!next) continue;
    const fields = changedFields(cur[section] as Record<string, unknown>, next as Record<string, unknown>);
    if (fields.length) changes.push({ section, action: 'update', item: section, fields });
  }
  for (const section of ['message_templates', 'hook_mappings', 'metric_rules', 'report_jobs', 'silences'] as const) {
    const next = desired[section];
    if (next) changes.push(...planList(section, cur[section] as never[], next as never[]));
  }
  // A waiting job the document updates or deletes ends waiting through that change.
  const changed = new Set(changes.flatMap((c) => (c.section === 'report_jobs' && c.from !== undefined ? [c.from] : [])));
  const keptOff = desired.report_jobs ? current.autoEnable.flatMap((waiting, from) => (waiting && !changed.has(from) ? [{ item: KEYS.report_jobs(cur.report_jobs[from]!), from }] : [])) : [];
  return {
    plan: { changes, ended: ended.map((s) => KEYS.silences(s)), untouched: SECTIONS.filter((s) => desired[s] === undefined), keptOff },
    document: desired,
  };
}

/** How many of each action per section: what the audit log and a summary line say. */
export function changeCounts(changes: readonly ConfigChange[]): Partial<Record<Section, Partial<Record<ChangeAction, number>>>> {
  const out: Partial<Record<Section, Partial<Record<ChangeAction, number>>>> = {};
  for (const c of changes) {
    const s = (out[c.section] ??= {});
    s[c.action] = (s[c.action] ?? 0) + 1;
  }
  return out;
}
