// The body of POST /api/v1/events. Senders get every problem at once, each as a dotted field path
// plus an English reason, so a 400 answer tells them exactly what to fix.
import * as v from 'valibot';

export const KINDS = ['alert', 'task_result', 'report', 'metric'] as const;
export const CATEGORIES = ['orders', 'inventory', 'ads', 'products', 'store', 'task', 'other'] as const;
export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export const TASK_STATUSES = ['succeeded', 'failed', 'partial'] as const;

export type EventKind = (typeof KINDS)[number];
export type Category = (typeof CATEGORIES)[number];
export type Severity = (typeof SEVERITIES)[number];
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, critical: 2 };

/** An event that names no severity: a failed or partial task needs a look (warning); a success is news (info). */
export function defaultSeverity(kind: EventKind, taskStatus?: TaskStatus): Severity {
  if (kind === 'task_result' && (taskStatus === 'failed' || taskStatus === 'partial')) return 'warning';
  return 'info';
}

/** Limits in characters (code points, as most senders count them) unless named otherwise. */
export const EVENT_LIMITS = {
  title: 200,
  summary: 2000,
  fields: 20,
  fieldKey: 64,
  fieldValue: 500,
  url: 2048,
  store: 100,
  idempotencyKey: 128,
  mentions: 20,
  mentionTarget: 64,
  taskName: 200,
  metricName: 100,
  unit: 20,
} as const;

/** `none`, `all`, or WeCom user ids and mobile numbers (see isMobile). */
export type Mention = 'none' | 'all' | string[];

type EventBase = {
  category: Category;
  severity: Severity;
  title: string;
  summary?: string;
  fields: Record<string, string | number>;
  url?: string;
  /**
   * Set by the appliance, never by senders (the API refuses the field): the text of the link to `url`
   * when it does not lead into StoreClaw (a hook's or Alertmanager's source); "View in StoreClaw" otherwise.
   */
  link_label?: string;
  store?: string;
  occurred_at?: string;
  idempotency_key?: string;
  mention: Mention;
};
export type AlertEvent = EventBase & {
  kind: 'alert';
  /**
   * Set by the appliance, never by senders (the API refuses the field): an Alertmanager alert that
   * resolved, or a metric rule's resolution. Its message uses the "resolved" template.
   */
  resolved?: true;
  /**
   * Set by the appliance, never by senders: how many of an Alertmanager alert's labels `fields` leaves
   * out (it holds at most EVENT_LIMITS.fields); the message says "and N more labels".
   */
  more_labels?: number;
  /**
   * Set by the appliance, never by senders: a heartbeat check's down alert, reminder or recovery
   * (server/heartbeats/alerts.ts); its message uses the "heartbeat" template.
   */
  heartbeat?: HeartbeatFacts;
  /**
   * Set by the appliance, never by senders: the outage or firing this alert belongs to (a heartbeat
   * check's, a metric rule's for one store, an Alertmanager alert's). Part of its dedupe key: those
   * watchers already say each thing once, so only a later outage's alert shares a title with an
   * earlier one's, and it is news.
   */
  episode?: string;
};
/** What a heartbeat check's message is about, for message templates (`heartbeat.*` placeholders). */
export interface HeartbeatFacts {
  key: string;
  name: string;
  state: 'down' | 'reminder' | 'recovered';
  reason: 'missed' | 'failed' | 'unfinished';
  lastSeen: number | null;
  expectedAt: number | null;
  downSince: number;
  /** Milliseconds down (at the reminder or recovery; 0 at the alert). */
  downForMs: number;
  exitCode?: number;
  output?: string;
}
export type ReportEvent = EventBase & { kind: 'report' };
export type TaskResultEvent = EventBase & {
  kind: 'task_result';
  status: TaskStatus;
  task_name: string;
  duration_ms?: number;
};
export type MetricEvent = EventBase & { kind: 'metric'; name: string; value: number; unit?: string };
/** A parsed event with every default applied. */
export type InboundEvent = AlertEvent | TaskResultEvent | ReportEvent | MetricEvent;

export type EventIssue = { path: string; message: string };
export type ParseEventResult = { ok: true; event: InboundEvent } | { ok: false; issues: EventIssue[] };

const MOBILE = /^\+?\d{6,20}$/;
// WeCom's rule for a UserID: letters, digits and _-@. , starting with a letter or digit.
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9_\-@.]*$/;

export function isMobile(target: string): boolean {
  return MOBILE.test(target);
}

/** A WeCom user id or a mobile number, as accepted in `mention` lists and the mention rule. */
export function isMentionTarget(target: string): boolean {
  return target.length <= EVENT_LIMITS.mentionTarget && (isMobile(target) || USER_ID.test(target));
}

export function charCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

// "2024-05-01T09:30:00+08:00": date, T, hours:minutes[:seconds[.fraction]], then Z or an offset.
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))$/i;

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

/** Epoch milliseconds of an ISO 8601 date-time with Z or an offset; undefined if it is not one. */
export function parseIsoDateTime(s: string): number | undefined {
  const m = ISO_DATE_TIME.exec(s);
  if (!m) return undefined;
  const n = (group: number): number => Number(m[group] ?? 0);
  const [year, month, day, hour, minute, second, offHours, offMinutes] = [n(1), n(2), n(3), n(4), n(5), n(6), n(10), n(11)];
  const valid =
    month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) &&
    hour <= 23 && minute <= 59 && second <= 59 && offHours <= 23 && offMinutes <= 59;
  if (!valid) return undefined;
  const millis = Math.floor(Number(`0.${m[7] ?? '0'}`) * 1000);
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, millis));
  date.setUTCFullYear(year); // Date.UTC would read years 0–99 as 1900–1999
  const offset = (m[9] === '-' ? -1 : 1) * (offHours * 60 + offMinutes) * 60_000;
  return date.getTime() - offset;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return Number.isFinite(value) ? 'a number' : String(value);
  return `a ${typeof value}`;
}

const quoteList = (values: readonly string[]): string => values.map((x) => `"${x}"`).join(', ');

/** C0 and C1 control characters and the Unicode line/paragraph separators. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Whether a name holds a character the API, the forms and configuration documents refuse in names. */
export const hasControlCharacter = (s: string): boolean => CONTROL_CHARACTER.test(s);

const CONTROL_CHARACTERS = new RegExp(`${CONTROL_CHARACTER.source}+`, 'g');

/** Each run of control characters a space: a name from a sender that cannot be asked to change it (an Alertmanager label). */
export const replaceControlCharacters = (s: string): string => s.replace(CONTROL_CHARACTERS, ' ');

/** "U+0001": the first control character in a text, named as a sender can search for it. */
function firstControl(s: string): string {
  const c = CONTROL_CHARACTER.exec(s)![0];
  return `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * `name` options: names (a metric's, a store's) become chart labels, rule keys and report lines, where
 * a control character breaks the drawing or the layout, so they are refused (400 with the field).
 */
function str(options: { max: number; nonEmpty?: boolean; nonBlank?: boolean; name?: boolean }) {
  const { max, nonEmpty = false, nonBlank = false, name = false } = options;
  return v.pipe(
    v.string((issue) => `must be a string, not ${describe(issue.input)}`),
    v.check((s) => !nonEmpty || s !== '', 'must not be empty'),
    v.check((s) => !nonBlank || s === '' || s.trim() !== '', 'must not be blank'),
    v.check((s) => charCount(s) <= max, `must be at most ${max} characters`),
    v.check((s) => !name || !CONTROL_CHARACTER.test(s), (issue) => `must not contain control characters (found ${firstControl(issue.input as string)})`),
  );
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return v.picklist(values, (issue) => `must be one of ${quoteList(values)}, not ${issue.received}`);
}

const finiteNumber = v.pipe(
  v.number((issue) => `must be a number, not ${describe(issue.input)}`),
  v.finite('must be a finite number'),
);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// valibot's record silently skips these keys; refusing them beats dropping data unannounced.
const RESERVED_KEYS = ['__proto__', 'prototype', 'constructor'];

const fieldsSchema = v.pipe(
  v.custom<Record<string, unknown>>(isPlainObject, (issue) => `must be an object of name → value, not ${describe(issue.input)}`),
  v.check((o) => Object.keys(o).length <= EVENT_LIMITS.fields, `must have at most ${EVENT_LIMITS.fields} entries`),
  v.check((o) => !RESERVED_KEYS.some((k) => Object.hasOwn(o, k)), `must not use the names ${quoteList(RESERVED_KEYS)}`),
  v.record(
    v.pipe(
      v.string(),
      v.check((k) => k !== '', 'field names must not be empty'),
      v.check((k) => charCount(k) <= EVENT_LIMITS.fieldKey, `field names must be at most ${EVENT_LIMITS.fieldKey} characters`),
    ),
    v.union(
      [str({ max: EVENT_LIMITS.fieldValue }), finiteNumber],
      (issue) => `must be a string or a number, not ${describe(issue.input)}`,
    ),
  ),
);

const urlSchema = v.pipe(
  str({ nonEmpty: true, max: EVENT_LIMITS.url }),
  v.check((s) => {
    const protocol = URL.canParse(s) ? new URL(s).protocol : '';
    return protocol === 'http:' || protocol === 'https:';
  }, 'must be an absolute http:// or https:// URL'),
);

const occurredAtSchema = v.pipe(
  v.string((issue) => `must be an ISO 8601 date-time string, not ${describe(issue.input)}`),
  v.check(
    (s) => parseIsoDateTime(s) !== undefined,
    'must be an ISO 8601 date-time with a timezone, e.g. "2024-05-01T09:30:00+08:00" or "2024-05-01T01:30:00Z"',
  ),
);

const mentionTarget = v.pipe(
  str({ nonEmpty: true, max: EVENT_LIMITS.mentionTarget }),
  v.check((s) => s !== '@all', 'use "mention": "all" to mention everyone'),
  v.check(
    (s) => s === '' || s === '@all' || isMobile(s) || USER_ID.test(s),
    'must be a WeCom user id (letters, digits and _-@.) or a mobile number',
  ),
);

const mentionList = v.pipe(
  v.array(mentionTarget),
  v.minLength(1, 'must list at least one user id or mobile number (or be "none")'),
  v.maxLength(EVENT_LIMITS.mentions, `must list at most ${EVENT_LIMITS.mentions} user ids or mobile numbers`),
);

const mentionWord = v.picklist(
  ['none', 'all'],
  (issue) =>
    `must be "none", "all" or a list of WeCom user ids / mobile numbers, not ${typeof issue.input === 'string' ? `"${issue.input}"` : describe(issue.input)}`,
);

// Chosen by shape, so a bad list entry is reported at its own path ("mention.2").
const mentionSchema = v.lazy((input) => (Array.isArray(input) ? mentionList : mentionWord));

const optional = v.nullish; // JSON senders often write null for "not given"

const commonEntries = {
  category: optional(oneOf(CATEGORIES)),
  severity: optional(oneOf(SEVERITIES)),
  summary: optional(str({ max: EVENT_LIMITS.summary })),
  fields: optional(fieldsSchema),
  url: optional(urlSchema),
  store: optional(str({ max: EVENT_LIMITS.store, name: true })),
  occurred_at: optional(occurredAtSchema),
  idempotency_key: optional(str({ nonEmpty: true, max: EVENT_LIMITS.idempotencyKey })),
  mention: optional(mentionSchema),
};

const title = str({ nonEmpty: true, max: EVENT_LIMITS.title, nonBlank: true });

const entriesByKind = {
  alert: { kind: v.literal('alert'), title, ...commonEntries },
  report: { kind: v.literal('report'), title, ...commonEntries },
  task_result: {
    kind: v.literal('task_result'),
    title: optional(title),
    ...commonEntries,
    status: oneOf(TASK_STATUSES),
    task_name: str({ nonEmpty: true, max: EVENT_LIMITS.taskName, nonBlank: true }),
    duration_ms: optional(
      v.pipe(
        v.number((issue) => `must be a number of milliseconds, not ${describe(issue.input)}`),
        v.safeInteger('must be a whole number of milliseconds'),
        v.minValue(0, 'must not be negative'),
      ),
    ),
  },
  metric: {
    kind: v.literal('metric'),
    title: optional(title),
    ...commonEntries,
    name: str({ nonEmpty: true, max: EVENT_LIMITS.metricName, nonBlank: true, name: true }),
    value: finiteNumber,
    unit: optional(str({ max: EVENT_LIMITS.unit, name: true })),
  },
} satisfies Record<EventKind, v.ObjectEntries>;

/**
 * An item of POST /api/v1/metrics: a metric event whose `kind` may be left out. The batch parser checks
 * items with parseEvent; this schema describes them in the API document.
 */
export const metricPointSchema = v.strictObject({ ...entriesByKind.metric, kind: v.optional(entriesByKind.metric.kind) });

// One message function covers the object's three failures: not an object, a missing key, an extra key.
function objectMessage(kind: EventKind) {
  return (issue: v.StrictObjectIssue): string => {
    if (issue.expected === 'never') return `unknown field "${String(issue.input)}" (fields of kind "${kind}": ${Object.keys(entriesByKind[kind]).join(', ')})`;
    if (issue.expected === 'Object') return `must be a JSON object, not ${describe(issue.input)}`;
    return `is required for kind "${kind}"`;
  };
}

const eventVariants = v.variant(
  'kind',
  [
    v.strictObject(entriesByKind.alert, objectMessage('alert')),
    v.strictObject(entriesByKind.task_result, objectMessage('task_result')),
    v.strictObject(entriesByKind.report, objectMessage('report')),
    v.strictObject(entriesByKind.metric, objectMessage('metric')),
  ],
  (issue) =>
    issue.input === undefined
      ? `is required; one of ${quoteList(KINDS)}`
      : `must be one of ${quoteList(KINDS)}, not ${typeof issue.input === 'string' ? `"${issue.input}"` : describe(issue.input)}`,
);

type Parsed = v.InferOutput<typeof eventVariants>;

/** An event from another tool links to that tool, labelled with the link's host ("status.example.com"), not "View in StoreClaw". */
export function linkedElsewhere<E extends InboundEvent>(event: E): E {
  return event.url === undefined ? event : { ...event, link_label: new URL(event.url).host };
}

/** Applies the defaults and drops the nulls that meant "not given". */
function withDefaults(parsed: Parsed): InboundEvent {
  const base: EventBase = {
    category: parsed.category ?? (parsed.kind === 'task_result' ? 'task' : 'other'),
    severity: parsed.severity ?? defaultSeverity(parsed.kind, parsed.kind === 'task_result' ? parsed.status : undefined),
    title: '',
    fields: (parsed.fields ?? {}) as Record<string, string | number>,
    mention: parsed.mention ?? 'none',
    ...(parsed.summary != null && { summary: parsed.summary }),
    ...(parsed.url != null && { url: parsed.url }),
    ...(parsed.store != null && { store: parsed.store }),
    ...(parsed.occurred_at != null && { occurred_at: parsed.occurred_at }),
    ...(parsed.idempotency_key != null && { idempotency_key: parsed.idempotency_key }),
  };
  switch (parsed.kind) {
    case 'alert':
    case 'report':
      return { kind: parsed.kind, ...base, title: parsed.title };
    case 'task_result':
      return {
        kind: 'task_result',
        ...base,
        title: parsed.title ?? parsed.task_name,
        status: parsed.status,
        task_name: parsed.task_name,
        ...(parsed.duration_ms != null && { duration_ms: parsed.duration_ms }),
      };
    case 'metric':
      return {
        kind: 'metric',
        ...base,
        title: parsed.title ?? parsed.name,
        name: parsed.name,
        value: parsed.value,
        ...(parsed.unit != null && { unit: parsed.unit }),
      };
  }
}

export const eventSchema = v.pipe(eventVariants, v.transform(withDefaults));

/** "fields.sku", "mention.2", or "(root)" for the body itself. */
function issuePath(issue: v.BaseIssue<unknown>): string {
  const keys = (issue.path ?? []).map((item) => String(item.key as string | number));
  return keys.length === 0 ? '(root)' : keys.map((k) => (k === '' ? '""' : k)).join('.');
}

/**
 * Flattens valibot issues to a path and a reason; `${path}: ${message}` reads as one sentence
 * ("title: must be at most 200 characters"), and an unknown field's message names the field itself.
 */
export function toEventIssues(issues: readonly v.BaseIssue<unknown>[]): EventIssue[] {
  return issues.map((issue) => ({ path: issuePath(issue), message: issue.message }));
}

export function parseEvent(json: unknown): ParseEventResult {
  if (!isPlainObject(json)) {
    return { ok: false, issues: [{ path: '(root)', message: `must be a JSON object with a "kind" field, not ${describe(json)}` }] };
  }
  const result = v.safeParse(eventSchema, json);
  return result.success ? { ok: true, event: result.output } : { ok: false, issues: toEventIssues(result.issues) };
}
