// What happens to one inbound event, and why: an ordered list of pure rules over plain data. The
// first rule with a verdict decides; an event no rule stops is queued. A new rule (e.g. a silence)
// is one more function in EVENT_RULES.
import { isQuiet, type QuietHours } from '../../rules/quietHours.ts';
import { SEVERITY_RANK, type Category, type Severity } from '../../events/schema.ts';
import { repeatOf, type DedupeCandidate } from './dedupe.ts';

export interface EventFacts {
  kind: string;
  category: Category;
  severity: Severity;
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
  /** Live earlier events with the same dedupe key inside the window (empty when dedupe is off). */
  dedupeCandidates: readonly DedupeCandidate[];
}

export type EventDecision =
  | { status: 'stored' | 'queued' }
  | { status: 'held'; reason: 'quiet_hours' }
  | { status: 'suppressed'; reason: string; duplicateOf?: number };

export type EventRule = (e: EventFacts, ctx: RuleContext) => EventDecision | undefined;

const metricsAreStored: EventRule = (e) => (e.kind === 'metric' ? { status: 'stored' } : undefined);

const categoryOff: EventRule = (e, { rules }) => (rules.categories[e.category] ? undefined : { status: 'suppressed', reason: 'category_off' });

const belowMinSeverity: EventRule = (e, { rules }) =>
  SEVERITY_RANK[e.severity] < SEVERITY_RANK[rules.minSeverity] ? { status: 'suppressed', reason: 'below_min_severity' } : undefined;

const repeat: EventRule = (e, { dedupeCandidates }) => {
  const original = repeatOf(e.severity, dedupeCandidates);
  return original === undefined ? undefined : { status: 'suppressed', reason: 'duplicate', duplicateOf: original };
};

const quietHours: EventRule = (e, { rules, now }) =>
  e.severity !== 'critical' && e.kind !== 'report' && isQuiet(now, rules.quietHours) ? { status: 'held', reason: 'quiet_hours' } : undefined;

/** In the order the spec lists them. */
export const EVENT_RULES: readonly EventRule[] = [metricsAreStored, categoryOff, belowMinSeverity, repeat, quietHours];

export function decideEvent(e: EventFacts, ctx: RuleContext, rules: readonly EventRule[] = EVENT_RULES): EventDecision {
  for (const rule of rules) {
    const verdict = rule(e, ctx);
    if (verdict) return verdict;
  }
  return { status: 'queued' };
}
