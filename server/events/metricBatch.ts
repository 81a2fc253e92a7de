// The body of POST /api/v1/metrics: a JSON array of up to 500 metric points, each the fields of a
// `kind: "metric"` event (kind may be left out). Every problem is named by the item's index and
// field ("3.value: must be a number, not a string"), so a sender fixes them all in one go.
import { parseEvent, type EventIssue, type MetricEvent } from './schema.ts';

export const METRIC_BATCH_MAX = 500;

export type ParseMetricBatchResult = { ok: true; events: MetricEvent[] } | { ok: false; issues: EventIssue[] };

export function parseMetricBatch(json: unknown): ParseMetricBatchResult {
  if (!Array.isArray(json)) return { ok: false, issues: [{ path: '(root)', message: 'must be a JSON array of metric points' }] };
  if (json.length === 0) return { ok: false, issues: [{ path: '(root)', message: 'must hold at least one metric point' }] };
  if (json.length > METRIC_BATCH_MAX) return { ok: false, issues: [{ path: '(root)', message: `must hold at most ${METRIC_BATCH_MAX} metric points, not ${json.length}` }] };
  const events: MetricEvent[] = [];
  const issues: EventIssue[] = [];
  json.forEach((item: unknown, i) => {
    const isObject = typeof item === 'object' && item !== null && !Array.isArray(item);
    if (isObject && 'kind' in item && item.kind !== 'metric') {
      issues.push({ path: `${i}.kind`, message: 'must be "metric" (or left out) in a metrics batch' });
      return;
    }
    const r = parseEvent(isObject ? { kind: 'metric', ...item } : item);
    if (!r.ok) issues.push(...r.issues.map((issue) => ({ path: issue.path === '(root)' ? String(i) : `${i}.${issue.path}`, message: issue.message })));
    else if (r.event.kind === 'metric') events.push(r.event);
  });
  return issues.length ? { ok: false, issues } : { ok: true, events };
}
