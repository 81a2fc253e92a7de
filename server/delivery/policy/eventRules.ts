// What happens to one inbound event, and why: an ordered list of pure rules over plain data. The
// first rule with a verdict decides; an event no rule stops is queued. A new rule is one more
// function in EVENT_RULES.
import type { WorkdayCalendar } from '../../calendar/workdays.ts';
import { isQuiet, type QuietHours } from '../../rules/quietHours.ts';
import { severityRuleVerdict } from '../../rules/severity.ts';
import { matchSilence, type Silence } from '../../rules/silences.ts';
import type { Category, EventKind, Severity } from '../../events/schema.ts';
import { repeatOf, type DedupeCandidate } from './dedupe.ts';

export interface EventFacts {
  kind: EventKind;
  category: Category;
  severity: Severity;
  title: string;
  store?: string;
  /** A resolution (Alertmanager's, a metric rule's, a heartbeat's recovery). */
  resolved?: true;
}

export interface RulesInput {
  categories: Record<Category, boolean>;
  minSeverity: Severity;
  quietHours: QuietHours;
  dedupeWindowMinutes: number;
}

export interface RuleContext {
  rules: RulesInput;
  now: number;
  /** Silences in force (muted alerts: category + title + store). */
  silences: readonly Silence[];
  /** Live earlier events with the same dedupe key inside the window (empty when dedupe is off). */
  dedupeCandidates: readonly DedupeCandidate[];
  /** China's workday calendar, for quiet hours on non-workdays. */
  calendar?: WorkdayCalendar;
}

export type EventDecision =
  | { status: 'stored' | 'queued' }
  | { status: 'held'; reason: 'quiet_hours' }
  | { status: 'suppressed'; reason: string; duplicateOf?: number };

export type EventRule = (e: EventFacts, ctx: RuleContext) => EventDecision | undefined;

const metricsAreStored: EventRule = (e) => (e.kind === 'metric' ? { status: 'stored' } : undefined);

/** Category switches apply to every kind; the minimum severity never holds back a report. */
const categoryOrSeverity: EventRule = (e, { rules }) => {
  const reason = severityRuleVerdict(e, rules);
  return reason ? { status: 'suppressed', reason } : undefined;
};

const silenced: EventRule = (e, { silences, now }) => (matchSilence(e, silences, now) ? { status: 'suppressed', reason: 'silenced' } : undefined);

const repeat: EventRule = (e, { dedupeCandidates }) => {
  const original = repeatOf(e.severity, dedupeCandidates);
  return original === undefined ? undefined : { status: 'suppressed', reason: 'duplicate', duplicateOf: original };
};

const quietHours: EventRule = (e, { rules, now, calendar }) =>
  e.severity !== 'critical' && e.kind !== 'report' && isQuiet(now, rules.quietHours, calendar) ? { status: 'held', reason: 'quiet_hours' } : undefined;

/** In the order the spec lists them. */
export const EVENT_RULES: readonly EventRule[] = [metricsAreStored, categoryOrSeverity, silenced, repeat, quietHours];

export function decideEvent(e: EventFacts, ctx: RuleContext, rules: readonly EventRule[] = EVENT_RULES): EventDecision {
  for (const rule of rules) {
    const verdict = rule(e, ctx);
    if (verdict) return verdict;
  }
  return { status: 'queued' };
}
