// Prometheus Alertmanager's webhook body (version "4") mapped to alert events, so teams can point
// their own monitoring at the appliance. Unknown fields are allowed: Alertmanager adds some over time.
import { createHash } from 'node:crypto';
import * as v from 'valibot';
import {
  CATEGORIES,
  EVENT_LIMITS,
  linkedElsewhere,
  parseEvent,
  parseIsoDateTime,
  replaceControlCharacters,
  toEventIssues,
  type Category,
  type EventIssue,
  type InboundEvent,
  type Severity,
} from './schema.ts';

export const MAX_ALERTS = 1000;

/** Labels as a map without a prototype: every name is data, `constructor` and `__proto__` included. */
export type LabelSet = Record<string, string>;

// valibot's record skips `__proto__`, `prototype` and `constructor`; Alertmanager labels are the
// alert's identity, so two alerts differing only there must stay two alerts. Copied by hand into a
// null-prototype object, where no name reaches Object.prototype.
export const labelObject = v.custom<Record<string, unknown>>((input) => typeof input === 'object' && input !== null && !Array.isArray(input), 'must be an object of name → string');

const labelSet = v.pipe(
  labelObject,
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const out: LabelSet = Object.create(null) as LabelSet;
    let bad = false;
    for (const [key, value] of Object.entries(dataset.value)) {
      if (typeof value === 'string') {
        out[key] = value;
        continue;
      }
      bad = true;
      addIssue({
        message: `label and annotation values must be strings, not ${value === null ? 'null' : Array.isArray(value) ? 'Array' : typeof value}`,
        path: [{ type: 'object', origin: 'value', input: dataset.value, key, value }],
      });
    }
    return bad ? NEVER : out;
  }),
);

const timestamp = v.pipe(
  v.string('must be an RFC 3339 timestamp string'),
  v.check((s) => parseIsoDateTime(s) !== undefined, 'must be an RFC 3339 timestamp such as "2024-05-01T09:30:00.000Z"'),
);

const alertStatus = v.picklist(['firing', 'resolved'], (issue) => `must be "firing" or "resolved", not ${issue.received}`);

const alertSchema = v.looseObject(
  {
    status: alertStatus,
    labels: labelSet,
    annotations: v.optional(labelSet, {}),
    startsAt: timestamp,
    endsAt: v.optional(v.string('must be a string')),
    generatorURL: v.optional(v.string('must be a string')),
    fingerprint: v.optional(v.string('must be a string')),
  },
  // valibot reports a missing key with the object's message: it is the field that is missing.
  (issue) => (issue.expected === 'Object' ? 'each alert must be an object' : 'is required'),
);

export const alertmanagerSchema = v.looseObject(
  {
    version: v.optional(v.string('must be a string')),
    receiver: v.optional(v.string('must be a string')),
    status: alertStatus,
    alerts: v.pipe(
      v.array(alertSchema, 'must be an array of alerts'),
      v.maxLength(MAX_ALERTS, `must hold at most ${MAX_ALERTS} alerts per request`),
    ),
    groupLabels: v.optional(labelSet),
    commonLabels: v.optional(labelSet),
    commonAnnotations: v.optional(labelSet),
    externalURL: v.optional(v.string('must be a string')),
    groupKey: v.optional(v.string('must be a string')),
    truncatedAlerts: v.optional(v.pipe(v.number('must be a number'), v.safeInteger('must be a whole number'), v.minValue(0, 'must not be negative'))),
  },
  (issue) => (issue.expected === 'Object' ? 'must be an Alertmanager webhook JSON object' : 'is required'),
);

type Payload = v.InferOutput<typeof alertmanagerSchema>;
type Alert = Payload['alerts'][number];

export type AlertmanagerResult = { ok: true; events: InboundEvent[] } | { ok: false; issues: EventIssue[] };

const CRITICAL = new Set(['critical', 'page', 'error', 'high']);
const WARNING = new Set(['warning', 'warn']);
// Labels that became the event's own fields rather than entries of `fields`.
const CONSUMED = ['alertname', 'severity', 'category'];
const RESERVED_KEYS = ['__proto__', 'prototype', 'constructor'];
const MAX_FIELD_KEY = 64;
const MAX_FIELD_VALUE = 500;

function cut(s: string, maxChars: number): string {
  return [...s].slice(0, maxChars).join('');
}

/** A resolution's title: its firing's with "[RESOLVED] " before it, cut as the firing's is (a silence of the firing matches it). */
export function resolvedTitle(title: string): string {
  return cut(`[RESOLVED] ${title}`, 200);
}

function isHttpUrl(s: string | undefined): s is string {
  return s !== undefined && s.length <= 2048 && URL.canParse(s) && ['http:', 'https:'].includes(new URL(s).protocol);
}

export function mapSeverity(label: string | undefined): Severity {
  const s = (label ?? '').trim().toLowerCase();
  return CRITICAL.has(s) ? 'critical' : WARNING.has(s) ? 'warning' : 'info';
}

function labelsHash(labels: LabelSet): string {
  const sorted = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

/**
 * The alert as the body StoreClaw would have POSTed (parseEvent then applies the usual rules), and
 * how many labels its fields leave out.
 */
function toEventBody(alert: Alert, externalURL: string | undefined): { body: Record<string, unknown>; moreLabels: number } {
  const { labels, annotations, status, startsAt } = alert;
  const resolved = status === 'resolved';
  const storeLabel = ['store', 'instance'].find((key) => (labels[key] ?? '').trim() !== '');
  // A store refuses control characters; a label cannot be changed by a 400, and it would refuse the group's other alerts.
  const store = storeLabel !== undefined ? replaceControlCharacters(labels[storeLabel] ?? '').trim() : '';
  const category = (labels['category'] ?? '').toLowerCase();
  const name = (labels['alertname'] ?? '').trim() || 'Alertmanager alert';
  const summary = annotations['summary'] ?? annotations['description'];
  const endsAtMs = alert.endsAt !== undefined ? parseIsoDateTime(alert.endsAt) : undefined;
  // A firing alert's endsAt is Go's zero time or a guess; only a resolved one's is when it ended.
  const occurredAt = resolved && endsAtMs !== undefined && endsAtMs >= (parseIsoDateTime(startsAt) ?? 0) ? alert.endsAt : startsAt;
  // Event fields refuse the reserved names; those labels still count in the alert's identity (labelsHash).
  const listed = Object.entries(labels).filter(([key]) => key !== '' && !CONSUMED.includes(key) && key !== storeLabel && !RESERVED_KEYS.includes(key));
  const fields = listed.slice(0, EVENT_LIMITS.fields).map(([key, value]) => [cut(key, MAX_FIELD_KEY), cut(value, MAX_FIELD_VALUE)]);
  const url = isHttpUrl(alert.generatorURL) ? alert.generatorURL : isHttpUrl(externalURL) ? externalURL : undefined;
  const body = {
    kind: 'alert',
    category: (CATEGORIES as readonly string[]).includes(category) ? (category as Category) : 'other',
    // A resolution keeps its firing's severity (the minimum severity that let the firing through lets it
    // through too); `resolved` gives it the resolved look. Its title keeps it apart from its firing in dedupe.
    severity: mapSeverity(labels['severity']),
    title: resolved ? resolvedTitle(name) : cut(name, 200),
    ...(summary !== undefined && { summary: cut(summary, 2000) }),
    fields: Object.fromEntries(fields),
    ...(url !== undefined && { url }),
    ...(store !== '' && { store: cut(store, 100) }),
    occurred_at: occurredAt,
    idempotency_key: cut(`am:${alert.fingerprint || labelsHash(labels)}:${status}:${startsAt}`, 128),
  };
  return { body, moreLabels: listed.length - fields.length };
}

/** One alert event per Alertmanager alert, or the issues that stop the whole payload. */
export function mapAlertmanager(payload: unknown): AlertmanagerResult {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { ok: false, issues: [{ path: '(root)', message: 'must be an Alertmanager webhook JSON object' }] };
  }
  const parsed = v.safeParse(alertmanagerSchema, payload);
  if (!parsed.success) return { ok: false, issues: toEventIssues(parsed.issues) };
  const events: InboundEvent[] = [];
  const issues: EventIssue[] = [];
  parsed.output.alerts.forEach((alert, i) => {
    const { body, moreLabels } = toEventBody(alert, parsed.output.externalURL);
    const result = parseEvent(body);
    // Resolved, the episode and the labels left out are not part of the public event body: they are set after the usual checks.
    // One firing of one alert (a firing again after its resolution has a new startsAt): a later firing
    // and its resolution are news, not repeats of an earlier firing's within the dedupe window.
    const episode = `alertmanager:${alert.fingerprint || labelsHash(alert.labels)}:${alert.startsAt}`;
    if (result.ok) {
      const { event } = result;
      events.push(linkedElsewhere(event.kind === 'alert' ? { ...event, ...(alert.status === 'resolved' && { resolved: true as const }), episode, ...(moreLabels > 0 && { more_labels: moreLabels }) } : event));
    } else issues.push(...result.issues.map((issue) => ({ ...issue, path: `alerts.${i}.${issue.path}` })));
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, events };
}
