// Which earlier event, if any, an alert or task result repeats. Pure: intake looks the candidates up.
import { SEVERITY_RANK, type Severity } from '../../events/schema.ts';

export interface DedupeSubject {
  kind: string;
  category: string;
  title: string;
  store?: string | null;
  severity: Severity;
}

/** An earlier event with the same dedupe key inside the window that is still live (not suppressed, not dead). */
export interface DedupeCandidate {
  id: number;
  severity: Severity;
}

/** Event statuses an original may have: a suppressed or dead event is nobody's original. */
export const LIVE_ORIGINAL_STATUSES = ['queued', 'held', 'sent', 'digested'] as const;

export function dedupeKeyOf(e: DedupeSubject): string | null {
  if (e.kind !== 'alert' && e.kind !== 'task_result') return null;
  return JSON.stringify([e.category, e.title, e.store ?? '']);
}

/**
 * The original an event repeats: the oldest live candidate of at least the same severity. A higher
 * severity is never a repeat of a lower one (an escalation gets its own message, mentions and
 * priority).
 */
export function repeatOf(severity: Severity, candidates: readonly DedupeCandidate[]): number | undefined {
  let best: number | undefined;
  for (const c of candidates) {
    if (SEVERITY_RANK[c.severity] >= SEVERITY_RANK[severity] && (best === undefined || c.id < best)) best = c.id;
  }
  return best;
}
