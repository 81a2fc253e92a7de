// Which earlier event, if any, an alert or task result repeats. Pure: intake looks the candidates up.
import { SEVERITIES, SEVERITY_RANK, type Severity } from '../../events/schema.ts';

export interface DedupeSubject {
  kind: string;
  category: string;
  title: string;
  store?: string | null;
  severity: Severity;
  /** A task result's outcome. */
  status?: string;
  /** An appliance alert's outage or firing (AlertEvent.episode). */
  episode?: string;
}

/** An earlier event with the same dedupe key inside the window that is still live (not suppressed, not dead). */
export interface DedupeCandidate {
  id: number;
  severity: Severity;
}

/** Event statuses an original may have: a suppressed or dead event is nobody's original. */
export const LIVE_ORIGINAL_STATUSES = ['queued', 'held', 'sent', 'digested'] as const;

/**
 * Category, title and store; for a task result its outcome too: a run that succeeded after one that
 * failed (a retry) is news, not a repeat, though its title is the task's name either way. An
 * appliance alert's outage or firing too: a check down again after its recovery is a new outage.
 */
export function dedupeKeyOf(e: DedupeSubject): string | null {
  if (e.kind === 'alert') return JSON.stringify(e.episode === undefined ? [e.category, e.title, e.store ?? ''] : [e.category, e.title, e.store ?? '', e.episode]);
  if (e.kind === 'task_result') return JSON.stringify([e.category, e.title, e.store ?? '', e.status ?? '']);
  return null;
}

const atLeast = (severity: Severity): readonly Severity[] => SEVERITIES.filter((s) => SEVERITY_RANK[s] >= SEVERITY_RANK[severity]);
const ORIGINAL_SEVERITIES: Readonly<Record<Severity, readonly Severity[]>> = { info: atLeast('info'), warning: atLeast('warning'), critical: atLeast('critical') };

/** The severities an original may have for an event of this severity to repeat it: its own or higher. */
export function originalSeverities(severity: Severity): readonly Severity[] {
  return ORIGINAL_SEVERITIES[severity];
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
