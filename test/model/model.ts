// What the test knows independently of the engine: every event it had accepted and what was asked
// of it, the rules it set, the bots it connected, the crashes it caused. Invariants compare the
// engine's database, /metrics and the fake WeCom's record against this.

export type Severity = 'info' | 'warning' | 'critical';
export type Mention = 'none' | 'all' | string[];

export interface EventSpec {
  kind: 'alert' | 'task_result' | 'report' | 'metric';
  category: string;
  severity: Severity;
  title: string;
  store?: string;
  mention: Mention;
  idempotencyKey?: string;
  long: boolean;
  /** A task result's outcome (default failed; other kinds ignore it). */
  taskStatus?: 'succeeded' | 'failed' | 'partial';
}

/** How an event looked after the last command, for checks that compare before and after. */
export interface Seen {
  status: string;
  /** For a digested event: its digest was sent or died (so the event is final). */
  final: boolean;
}

export interface AcceptedEvent {
  id: number;
  severity: Severity;
  /** The event's own mention, as WeCom targets ('@all', user ids, mobiles). */
  own: string[];
  /**
   * What the critical-mention rule asked for at intake. It stands when the rule changes later: the
   * event's own message and a digest it is folded into carry the mention intake decided (only
   * critical events are asked for, and they are never held for a release to decide again).
   */
  ruleAsked: string[];
  trueAt: number;
  seen?: Seen;
}

export interface Rules {
  minSeverity: 'info' | 'warning';
  categoryOff: string | null;
  criticalMention: 'none' | 'all' | 'list';
  dedupeMinutes: 0 | 10;
  format: 'markdown' | 'text';
}

export const RULE_LIST_TARGET = 'wangwu';
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
export const IDEMPOTENCY_WINDOW_MS = 7 * 24 * 3600_000;

export interface Model {
  rateLimit: number;
  accepted: Map<number, AcceptedEvent>;
  /** idempotency_key → the first event accepted with it. */
  idempotency: Map<string, { id: number; trueAt: number }>;
  rules: Rules;
  /** Quiet hours as minutes of the day in Asia/Shanghai (the appliance's zone), or off. */
  quiet: { start: number; end: number } | null;
  /** Bots created in WeCom so far (the fake knows their keys); `current` is the connected one. */
  bots: number;
  current: number | null;
  /** Index into the fake's calls where the current bot was connected. */
  connectedAtCall: number;
  /** True times of crashes. */
  crashes: number[];
  /** True times the wall clock stepped back. */
  stepBacks: number[];
  /** True times the wall clock stepped forward. */
  stepForwards: number[];
  /**
   * How far the wall clock was stepped forward in all: the most the appliance's clock can have run
   * ahead of true time since any event arrived. A window the appliance measures on the wall clock
   * (idempotency, retention) can end that much sooner in true time.
   */
  aheadMs: number;
  /** Delivery rows the admin retried by hand (dead, queued again after what followed them went). */
  retriedByHand: Set<number>;
  /** Payloads of every delivery row ever seen `sent`, by row id (kept after pruning). */
  sentRows: Map<number, string>;
  /** Set by commands that moved the model clock forward before settling (the backlog check needs it). */
  clockMoved: boolean;
  /** The retention in days the test last set (the appliance's default is 90). */
  retentionDays: number;
  /**
   * True time before which housekeeping may have pruned final messages: the latest run's true now
   * less the retention then. A wall clock stepped back only makes the appliance prune later.
   */
  rowsPrunableBefore: number;
  commands: number;
}

export function newModel(rateLimit: number): Model {
  return {
    rateLimit,
    accepted: new Map(),
    idempotency: new Map(),
    rules: { minSeverity: 'info', categoryOff: null, criticalMention: 'none', dedupeMinutes: 10, format: 'markdown' },
    quiet: null,
    bots: 1,
    current: 0,
    connectedAtCall: 0,
    crashes: [],
    stepBacks: [],
    stepForwards: [],
    aheadMs: 0,
    retriedByHand: new Set(),
    sentRows: new Map(),
    clockMoved: false,
    retentionDays: 90,
    rowsPrunableBefore: Number.NEGATIVE_INFINITY,
    commands: 0,
  };
}

/** Minute of the day in Asia/Shanghai (UTC+8, no daylight saving). */
export function shanghaiMinute(ms: number): number {
  return Math.floor(ms / 60_000 + 8 * 60) % 1440;
}

export function isQuietAt(m: Model, applianceMs: number): boolean {
  if (!m.quiet) return false;
  const t = shanghaiMinute(applianceMs);
  const { start, end } = m.quiet;
  return start < end ? t >= start && t < end : t >= start || t < end;
}

export function ownMentions(mention: Mention): string[] {
  return mention === 'all' ? ['@all'] : mention === 'none' ? [] : [...new Set(mention)];
}

export function ruleMentions(severity: Severity, rules: Rules): string[] {
  if (severity !== 'critical') return [];
  return rules.criticalMention === 'all' ? ['@all'] : rules.criticalMention === 'list' ? [RULE_LIST_TARGET] : [];
}

/** The mentions WeCom must see for an event: its own and the rule's; @all stands for every other. */
export function requiredMentions(e: AcceptedEvent): string[] {
  const wanted = new Set([...e.own, ...e.ruleAsked]);
  return wanted.has('@all') ? ['@all'] : [...wanted];
}
