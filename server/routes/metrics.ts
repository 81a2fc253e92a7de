import { Hono } from 'hono';
import { queueDepth } from '../delivery/store.ts';
import { channelState, oldestQueuedSince, type StoredCountRows } from '../../db/queries/metrics.ts';
import { DELIVERY_STATUSES, EVENT_STATUSES } from '../../db/schema.ts';
import type { AppDeps } from '../deps.ts';
import { KINDS } from '../events/schema.ts';
import { metricRuleFamilies } from '../metricRules/prometheusFamilies.ts';
import { heartbeatFamilies } from '../heartbeats/prometheusFamilies.ts';
import { createOpsCounters } from '../opsCounters.ts';
import { DROP_REASONS } from '../security/connectionLimits.ts';
import { safeEqual } from '../security/tokens.ts';
import { PROBLEM_CODES, PROBLEM_SEVERITY } from '../selfWatch/reasons.ts';
import type { SelfWatch } from '../selfWatch/watcher.ts';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string | number>;
type Sample = { labels?: Labels; value: number };
interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: Sample[];
}

/** Label values escaped as the text format wants: backslash, double quote and line feed. */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

/** Prometheus text exposition format 0.0.4: HELP and TYPE, then one `name{labels} value` line per sample. */
export function renderFamilies(families: Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    lines.push(`# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = s.labels ? Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(String(v))}"`) : [];
      lines.push(`${f.name}${labels.length ? `{${labels.join(',')}}` : ''} ${formatValue(s.value)}`);
    }
  }
  return lines.join('\n') + '\n';
}

type MetricsDeps = Pick<AppDeps, 'db' | 'clock' | 'limiter' | 'counters' | 'build' | 'selfWatch'> & { config: Pick<AppDeps['config'], 'metricsDetail'> };

/**
 * What /metrics shows that grows with the tables: the `stored` counts (read off the main thread and
 * cached a few seconds), the metric rules' and heartbeat checks' states. Rendered once per snapshot
 * of the stored counts; everything else is read on each scrape (liveFamilies).
 */
export function storedFamilies(deps: Pick<MetricsDeps, 'db' | 'config'>, stored: StoredCountRows): Family[] {
  const byKind = stored.events;
  const eventSamples: Sample[] = [];
  const kinds = [...new Set<string>([...KINDS, ...byKind.map((r) => r.kind)])];
  for (const kind of kinds) {
    const statuses = [...new Set<string>([...EVENT_STATUSES, ...byKind.filter((r) => r.kind === kind).map((r) => r.status)])];
    for (const status of statuses) {
      eventSamples.push({ labels: { kind, status }, value: byKind.find((r) => r.kind === kind && r.status === status)?.n ?? 0 });
    }
  }
  const deliveries = Object.fromEntries(stored.deliveries.map((r) => [r.status, r.n]));
  const deliveryStatuses = [...new Set<string>([...DELIVERY_STATUSES, ...Object.keys(deliveries)])];
  return [
    { name: 'notifier_events', help: 'Inbound events kept in the database, by kind and outcome (an alert folded into a digest not sent yet is queued).', type: 'gauge', samples: eventSamples },
    {
      name: 'notifier_deliveries',
      help: 'Outbox rows (messages to WeCom) kept in the database, by status.',
      type: 'gauge',
      samples: deliveryStatuses.map((status) => ({ labels: { status }, value: deliveries[status] ?? 0 })),
    },
    {
      name: 'notifier_deliveries_by_errcode',
      help: "Outbox rows whose last WeCom answer was this non-zero errcode.",
      type: 'gauge',
      samples: stored.errcodes.map((r) => ({ labels: { errcode: r.errcode }, value: r.n })),
    },
    {
      name: 'notifier_report_runs',
      help: 'Report job runs kept in the database, by status.',
      type: 'gauge',
      samples: stored.reportRuns.map((r) => ({ labels: { status: r.status }, value: r.n })),
    },
    ...metricRuleFamilies(deps.db, { names: deps.config.metricsDetail }),
    ...heartbeatFamilies(deps.db, { names: deps.config.metricsDetail }),
  ];
}

/**
 * What /metrics reads on every scrape, each cheap: the queue from its indexes, the limiter, the
 * channel, this process's `_total` counters and connections, the build and the self-watch.
 */
export function liveFamilies(deps: MetricsDeps): Family[] {
  const { db } = deps;
  const now = deps.clock.now();
  const counters = deps.counters ?? createOpsCounters(now);
  const oldest = oldestQueuedSince(db);
  const state = channelState(db);

  const families: Family[] = [
    { name: 'notifier_queue_depth', help: 'Messages waiting to be sent (queued or sending).', type: 'gauge', samples: [{ value: queueDepth(db) }] },
    {
      name: 'notifier_queue_oldest_age_seconds',
      help: 'Age of the oldest message waiting to be sent; 0 when the queue is empty.',
      type: 'gauge',
      samples: [{ value: oldest === undefined ? 0 : Math.max(0, Math.round((now - oldest) / 1000)) }],
    },
    {
      name: 'notifier_rate_limit_waits_total',
      help: 'Times the delivery worker had to wait for the rate limiter before sending.',
      type: 'counter',
      samples: [{ value: counters.rateLimitWaits }],
    },
    { name: 'notifier_rate_limit_used', help: 'Calls to WeCom in the current rate window.', type: 'gauge', samples: [{ value: deps.limiter.used(now) }] },
    { name: 'notifier_rate_limit_limit', help: 'Calls allowed per rate window.', type: 'gauge', samples: [{ value: deps.limiter.limit() }] },
    { name: 'notifier_rate_limit_window_seconds', help: 'Length of the rate window.', type: 'gauge', samples: [{ value: deps.limiter.windowMs / 1000 }] },
    {
      name: 'notifier_wecom_responses_total',
      help: "WeCom's answers by errcode (0 is success), since the process started.",
      type: 'counter',
      samples: [...counters.errcodes].sort(([a], [b]) => a - b).map(([errcode, n]) => ({ labels: { errcode }, value: n })),
    },
    {
      name: 'notifier_wecom_transport_failures_total',
      help: 'Calls to WeCom without an answer (HTTP status, timeout, network, malformed answer), since the process started.',
      type: 'counter',
      samples: [...counters.transportFailures].sort(([a], [b]) => a.localeCompare(b)).map(([reason, n]) => ({ labels: { reason }, value: n })),
    },
    {
      name: 'notifier_channel_state',
      help: 'The WeCom bot: 1 for the current state (none, connected, or invalid: sending paused until the URL is replaced).',
      type: 'gauge',
      samples: (['none', 'connected', 'invalid'] as const).map((s) => ({ labels: { state: s }, value: s === state ? 1 : 0 })),
    },
    { name: 'notifier_http_open_connections', help: 'HTTP connections open now (accepted, under the caps).', type: 'gauge', samples: [{ value: counters.connections.open }] },
    {
      name: 'notifier_http_dropped_requests_total',
      help: 'Requests dropped before the app saw them, since the process started: connections refused past a cap (503), requests timed out, aborted, malformed.',
      type: 'counter',
      samples: DROP_REASONS.map((reason) => ({ labels: { reason }, value: counters.connections.dropped.get(reason) ?? 0 })),
    },
    { name: 'storeclaw_build_info', help: 'The running build: always 1, its version and commit as labels.', type: 'gauge', samples: [{ labels: { version: deps.build.version, commit: deps.build.commit }, value: 1 }] },
  ];
  if (deps.selfWatch) families.push(...selfWatchFamilies(deps.selfWatch, now));
  families.push({ name: 'notifier_process_start_time_seconds', help: 'When the process started (Unix time).', type: 'gauge', samples: [{ value: Math.floor(counters.startedAt / 1000) }] });
  return families;
}

/** `Authorization: Bearer <token>` with exactly this token (constant-time). */
export function hasBearer(header: string | undefined, wanted: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match !== null && safeEqual(match[1]!, wanted);
}

/** The self-watch's problems as gauges (one sample per reason, 0 or 1), and what the fallback URL was sent. */
function selfWatchFamilies(watch: SelfWatch, now: number): Family[] {
  const { problems, checkedAt } = watch.status();
  const held = new Map(problems.map((p) => [p.code, p]));
  const c = watch.counters;
  return [
    {
      name: 'storeclaw_self_watch_problem',
      help: "The appliance's self-watch: 1 while the problem holds, else 0 (docs/prometheus/storeclaw-alerts.yml).",
      type: 'gauge',
      samples: PROBLEM_CODES.map((code) => ({ labels: { reason: code, severity: PROBLEM_SEVERITY[code] }, value: held.has(code) ? 1 : 0 })),
    },
    {
      name: 'storeclaw_self_watch_problem_seconds',
      help: 'How long each problem has held; 0 while it does not.',
      type: 'gauge',
      samples: PROBLEM_CODES.map((code) => {
        const p = held.get(code);
        return { labels: { reason: code }, value: p ? Math.max(0, Math.round((now - p.since) / 1000)) : 0 };
      }),
    },
    { name: 'storeclaw_self_watch_last_check_timestamp_seconds', help: 'When the self-watch last checked (Unix time); 0 before its first check.', type: 'gauge', samples: [{ value: checkedAt === undefined ? 0 : Math.floor(checkedAt / 1000) }] },
    {
      name: 'storeclaw_fallback_notifications_total',
      help: 'Health alerts and recoveries the fallback URL accepted, since the process started.',
      type: 'counter',
      samples: (['alert', 'recovery'] as const).map((type) => ({ labels: { type }, value: c.fallbackSent[type] })),
    },
    { name: 'storeclaw_fallback_failures_total', help: 'Attempts to reach the fallback URL that failed (retried at the next check).', type: 'counter', samples: [{ value: c.fallbackFailures }] },
    { name: 'storeclaw_fallback_dropped_total', help: 'Health notifications dropped by the hourly limit of the fallback URL.', type: 'counter', samples: [{ value: c.fallbackDropped }] },
  ];
}

/**
 * GET /metrics: public like /healthz (it holds counts, never the key or any message), or behind
 * `Authorization: Bearer <METRICS_TOKEN>` when that is set.
 */
export function metricsRoutes(deps: Pick<AppDeps, 'db' | 'clock' | 'limiter' | 'counters' | 'config' | 'storedCounts' | 'build' | 'selfWatch'>) {
  const app = new Hono();
  // The table-sized part is rendered once per snapshot of the stored counts (cached a few seconds);
  // the live part, a few indexed reads, on every scrape.
  let last: { stored: StoredCountRows; text: string } | undefined;
  app.get('/metrics', async (c) => {
    const wanted = deps.config.metricsToken;
    if (wanted) {
      if (!hasBearer(c.req.header('authorization'), wanted)) {
        return c.text('Send "Authorization: Bearer <METRICS_TOKEN>" to read the metrics.\n', 401, { 'www-authenticate': 'Bearer realm="metrics"' });
      }
    }
    const stored = await deps.storedCounts.get();
    if (last?.stored !== stored) last = { stored, text: renderFamilies(storedFamilies(deps, stored)) };
    return c.body(last.text + renderFamilies(liveFamilies(deps)), 200, { 'content-type': METRICS_CONTENT_TYPE, 'cache-control': 'no-store' });
  });
  return app;
}
