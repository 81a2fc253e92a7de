// Metric rules under load (issue 14): 100 rules judging every pushed point.
//  - evaluation cost per point, in process: the same points stored through the intake with and
//    without the rule engine, on real SQLite files (a small run of this is `measureEvaluation`);
//  - intake ratio: metric points/s through HTTP with 100 rules against a plain appliance
//    (target ≥ 0.8), with autocannon at full speed;
//  - latency at an offered 1,000 points/s arriving evenly (evenLoad.ts), and in bursts (autocannon).
import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeDatabase, openDatabase, type Db } from '../db/client.ts';
import { insertMetricRule } from '../db/queries/metricRules.ts';
import { DB_FILE } from '../server/appliance.ts';
import type { Clock } from '../server/clock.ts';
import { ingestEvents, type IntakeDeps } from '../server/delivery/intake.ts';
import type { MetricEvent } from '../server/events/schema.ts';
import type { Condition } from '../server/metricRules/definition.ts';
import { createMetricRuleEngine } from '../server/metricRules/engine.ts';
import { rowFromRule } from '../server/metricRules/ruleRows.ts';
import { createSettingsStore } from '../server/settings/settingsStore.ts';
import { median, percentile, type Row } from './lib.ts';
import { evenLoad } from './evenLoad.ts';

export const RULES = 100;
export const METRICS = 20;
/** Stores the HTTP runs spread their points over. */
export const FLEET = 1_000;

/** Five rules per metric: above, below, a drop against the previous value, against yesterday, and no data. */
const CONDITIONS: Condition[] = [
  { type: 'threshold', op: 'above', value: 900 },
  { type: 'threshold', op: 'below', value: 100 },
  { type: 'change', baseline: 'previous', direction: 'down', by: 'percent', amount: 50 },
  { type: 'change', baseline: '1d', direction: 'down', by: 'percent', amount: 30 },
  { type: 'no_data', minutes: 120 },
];

/** The 100 rules, written into a database before the appliance starts. */
export function seedRules(db: Db, now: number): void {
  for (let i = 0; i < RULES; i++) {
    const rule = {
      name: `bench rule ${i}`,
      metric: `metric_${i % METRICS}`,
      store: null,
      condition: CONDITIONS[Math.floor(i / METRICS) % CONDITIONS.length]!,
      hold: { kind: 'points' as const, count: 3 },
      severity: 'warning' as const,
      category: 'store' as const,
      mention: 'none' as const,
      title: '{{metric}} {{value}} ({{store}})',
      reminderHours: 4,
      enabled: true,
    };
    insertMetricRule(db, rowFromRule(rule), now);
  }
}

function point(i: number, at: number): MetricEvent {
  return { kind: 'metric', category: 'other', severity: 'info', title: '', fields: {}, mention: 'none', name: `metric_${i % METRICS}`, value: 100 + (i % 800), store: `store ${i % FLEET}`, occurred_at: new Date(at).toISOString() };
}

function timeIntake(withRules: boolean, points: number, batch: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'notifier-bench-rules-'));
  const db = openDatabase(join(dir, DB_FILE));
  try {
    let t = Date.now();
    const clock: Clock = { now: () => t };
    const settings = createSettingsStore(db, clock, { timeZone: 'Asia/Shanghai' });
    if (withRules) seedRules(db, t);
    const deps: IntakeDeps = { db, clock, settings, ...(withRules ? { metricRules: createMetricRuleEngine({ db, clock, settings, wakeWorker: () => {} }) } : {}) };
    const push = (from: number, count: number) => {
      for (let i = from; i < from + count; i += batch) {
        t += 1000; // a batch a second, as a sender pushing 1,000 points/s in batches would
        ingestEvents(deps, Array.from({ length: Math.min(batch, from + count - i) }, (_, j) => point(i + j, t)), { source: 'api', tokenId: null });
      }
    };
    // Every store of the fleet has sent once: each rule has its states, as in a running appliance.
    push(0, FLEET);
    const started = performance.now();
    push(FLEET, points);
    return (performance.now() - started) / points;
  } finally {
    closeDatabase(db);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Milliseconds per point stored through the intake, plain and with the 100 rules (medians of `runs`). */
export function measureEvaluation(opts: { points: number; batch: number; runs: number }) {
  const plain: number[] = [];
  const rules: number[] = [];
  for (let r = 0; r < opts.runs; r++) {
    plain.push(timeIntake(false, opts.points, opts.batch));
    rules.push(timeIntake(true, opts.points, opts.batch));
  }
  const plainMs = median(plain);
  const rulesMs = median(rules);
  return { plainUsPerPoint: plainMs * 1000, rulesUsPerPoint: rulesMs * 1000, evaluationUsPerPoint: (rulesMs - plainMs) * 1000, ratio: plainMs / rulesMs };
}

/** Responses of the burst run before this are left out of its latency (autocannon opens its 50 connections at once). */
const BURST_STEADY_AFTER_MS = 1_000;

export interface RulesBenchEnv {
  /** Starts the appliance as the image runs it on `dir` (already seeded with the bot and `token`). */
  start(dir: string, token: string): Promise<{ url: string; stop(): Promise<void> }>;
  /** A seeded data dir and its API token (bot connected). */
  seed(name: string): { dir: string; token: string };
  runS: number;
  runs: number;
  /** Points per in-process run (three runs each way). */
  inProcessPoints: number;
  log(msg: string): void;
}

/** The bench phase: fills `rows` and returns the figures for the JSON results. */
export async function metricRulesBench(env: RulesBenchEnv, rows: Row[]): Promise<Record<string, unknown>> {
  const inProcess = measureEvaluation({ points: env.inProcessPoints, batch: 1_000, runs: 3 });
  env.log(`metric rules in process: ${inProcess.evaluationUsPerPoint.toFixed(1)} µs evaluation per point (plain ${inProcess.plainUsPerPoint.toFixed(1)} µs, with rules ${inProcess.rulesUsPerPoint.toFixed(1)} µs)`);

  const plain = env.seed('rules-plain');
  const ruled = env.seed('rules-100');
  const db = openDatabase(join(ruled.dir, DB_FILE));
  try {
    seedRules(db, Date.now());
  } finally {
    closeDatabase(db);
  }
  const a = await env.start(plain.dir, plain.token);
  const b = await env.start(ruled.dir, ruled.token);
  try {
    let sent = 0;
    const run = (url: string, token: string, rate?: number) =>
      autocannon({
        url: url + '/api/v1/events',
        method: 'POST',
        connections: 50,
        duration: env.runS,
        ...(rate ? { overallRate: rate } : {}),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        // The points go round a fleet of FLEET stores (states), as a chain of shops would: within a
        // rule's store limit (MAX_STORES_PER_RULE), past which new stores are refused.
        requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ kind: 'metric', name: 'metric_7', value: 500, store: `store ${sent++ % FLEET}` }) }) }],
      });
    const ratios: number[] = [];
    for (let i = 0; i < env.runs; i++) {
      const p = await run(a.url, plain.token);
      const r = await run(b.url, ruled.token);
      ratios.push(r['2xx'] / r.duration / (p['2xx'] / p.duration));
      env.log(`metric intake run ${i + 1}: plain ${(p['2xx'] / p.duration).toFixed(0)}/s, 100 rules ${(r['2xx'] / r.duration).toFixed(0)}/s`);
    }
    // The offered rate arrives evenly (see evenLoad.ts), latency counted from each point's due time.
    // autocannon's rate sends each second's 1,000 at once; what that burst costs is shown beside it.
    const offered = await evenLoad({
      url: b.url + '/api/v1/events',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ruled.token}` },
      body: () => JSON.stringify({ kind: 'metric', name: 'metric_7', value: 500, store: `store ${sent++ % FLEET}` }),
      ratePerSecond: 1_000,
      durationMs: env.runS * 1000,
      connections: 50,
    });
    const steady: number[] = [];
    const burstRun = run(b.url, ruled.token, 1_000);
    const t0 = performance.now();
    burstRun.on('response', (_client, _status, _bytes, ms) => {
      if (performance.now() - t0 >= BURST_STEADY_AFTER_MS) steady.push(ms);
    });
    const burst = await burstRun;
    const burstP99 = percentile(steady, 99);
    const ratio = median(ratios);
    rows.push({ figure: 'metric rules: evaluation per point (100 rules, 5 per metric, 1,000 stores)', target: 'reported', measured: `${inProcess.evaluationUsPerPoint.toFixed(1)} µs`, met: true });
    rows.push({ figure: 'metric rules: intake with 100 rules vs plain metric intake', target: '≥ 0.8', measured: `${ratio.toFixed(2)}×`, met: ratio >= 0.8 });
    rows.push({
      figure: 'metric rules: 1,000 points/s offered, 100 rules',
      target: '≥ 990 points/s, p99 < 20 ms',
      measured: `${offered.rate.toFixed(0)} points/s, p99 ${offered.p99.toFixed(1)} ms, ${offered.failed} failed (each second's 1,000 sent at once: p99 ${burstP99.toFixed(0)} ms)`,
      met: offered.rate >= 990 && offered.failed === 0 && offered.p99 < 20,
    });
    return { inProcess, ratios, ratio, offered, burst: { rate: burst['2xx'] / burst.duration, p99: burstP99, wholeRunP99: burst.latency.p99 } };
  } finally {
    await a.stop();
    await b.stop();
  }
}
