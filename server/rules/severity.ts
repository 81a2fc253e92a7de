// What severity means, and which events the category switches and the minimum severity suppress.
// Pure, so the delivery policy core and the console's preview share them with intake.
import { CATEGORIES, defaultSeverity, SEVERITIES, SEVERITY_RANK, type Category, type EventKind, type Severity, type TaskStatus } from '../events/schema.ts';

/** A report is asked for, not raised: the minimum severity never holds one back. */
export function minSeverityApplies(kind: EventKind): boolean {
  return kind === 'alert' || kind === 'task_result';
}

export type SuppressionReason = 'category_off' | 'below_min_severity';

export interface RuleInput {
  categories: Readonly<Record<Category, boolean>>;
  minSeverity: Severity;
}

/** Why the category switch or the minimum severity suppresses this event, if they do. */
export function severityRuleVerdict(e: { kind: EventKind; category: Category; severity: Severity }, rules: RuleInput): SuppressionReason | undefined {
  if (!rules.categories[e.category]) return 'category_off';
  if (minSeverityApplies(e.kind) && SEVERITY_RANK[e.severity] < SEVERITY_RANK[rules.minSeverity]) return 'below_min_severity';
  return undefined;
}

export interface RuleEffects {
  /** Categories switched off: every event in them is suppressed. */
  offCategories: Category[];
  /** Severities below the minimum: alerts and task results at these are suppressed (reports never). */
  belowMinimum: Severity[];
  /** Task statuses whose default severity is below the minimum (when the sender sets none). */
  taskStatusesSuppressed: TaskStatus[];
}

/** What a set of rules suppresses, for the notice after saving them. */
export function ruleEffects(rules: RuleInput): RuleEffects {
  const belowMinimum = SEVERITIES.filter((s) => SEVERITY_RANK[s] < SEVERITY_RANK[rules.minSeverity]);
  return {
    offCategories: CATEGORIES.filter((c) => !rules.categories[c]),
    belowMinimum,
    taskStatusesSuppressed: (['succeeded', 'partial', 'failed'] as const).filter((st) => belowMinimum.includes(defaultSeverity('task_result', st))),
  };
}
