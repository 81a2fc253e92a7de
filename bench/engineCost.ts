// The delivery engine's CPU per event, in process (no HTTP, no autocannon): what an intake batch,
// the storm fold and metric rules cost, as CPU time of this process, so the figure moves little
// with the load of a shared machine. Given two checkouts, runs them alternately in one process and
// reports the median of the paired ratios (B / A) — how a change is measured against its base:
//
//   git archive e6fc36d | tar -x -C /tmp/base && ln -s "$PWD/node_modules" /tmp/base/node_modules
//   node --import tsx bench/engineCost.ts /tmp/base .            # intake + fold, then rules
//   node --import tsx bench/engineCost.ts .                      # this checkout alone
//
// Intake: 5,000 unique alerts per run as the group commit stores them (100 requests of one event
// per transaction), with a storm fold (capacity 20) every 1,000 events. Rules: 3,000 points of a
// metric 5 of the 100 bench rules judge, 100 requests per transaction, with a new store per point
// (as `npm run bench` sends them) and with 20 stores in rotation (a fleet).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const roots = process.argv.slice(2).map((r) => resolve(r));
if (!roots.length) roots.push(resolve('.'));
const PAIRS = Number(process.env.ENGINE_COST_PAIRS ?? 7);

async function load(root: string) {
  const pick = (...candidates: string[]) => join(root, candidates.find((p) => existsSync(join(root, p)))!);
  return {
    root,
    client: await import(join(root, 'db/client.ts')),
    settingsStore: await import(join(root, 'server/settings/settingsStore.ts')),
    schema: await import(join(root, 'server/events/schema.ts')),
    intake: await import(pick('server/delivery/intake.ts', 'server/events/intake.ts')),
    folds: await import(pick('server/delivery/folds.ts', 'server/delivery/digest.ts')),
    render: await import(join(root, 'server/render/eventMessages.ts')),
    engine: await import(join(root, 'server/metricRules/engine.ts')),
    rules: await import(join(root, 'bench/metricRules.ts')),
  };
}
type Checkout = Awaited<ReturnType<typeof load>>;
const META = { source: 'api', tokenId: null };

/** One transaction of requests of one event each, as the group commit stores them (before it could batch, one storeEvents each). */
function commitRequests(m: Checkout, deps: object, db: { $client: { transaction(f: () => void): () => void } }, events: unknown[]): number {
  const c0 = process.cpuUsage();
  db.$client.transaction(() => {
    if (m.intake.storeRequests) m.intake.storeRequests(deps, events.map((e) => ({ events: [e], meta: META })));
    else for (const e of events) m.intake.storeEvents(deps, [e], META);
  })();
  const c = process.cpuUsage(c0);
  return c.user + c.system;
}

function withDatabase<T>(m: Checkout, fn: (db: any, clock: { now(): number; advance(ms: number): void }, settings: any) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'engine-cost-'));
  const db = m.client.openDatabase(join(dir, 'notifier.db'));
  let t = Date.UTC(2026, 11, 6, 8);
  const clock = { now: () => t, advance: (ms: number) => void (t += ms) };
  try {
    return fn(db, clock, m.settingsStore.createSettingsStore(db, clock, { timeZone: 'Asia/Shanghai' }));
  } finally {
    m.client.closeDatabase(db);
    rmSync(dir, { recursive: true, force: true });
  }
}

function intakeAndFold(m: Checkout, tag: string): { intakeUs: number; foldUs: number } {
  const N = 5_000;
  return withDatabase(m, (db, clock, settings) => {
    const deps = { db, clock, settings };
    const alert = (i: number) =>
      m.schema.parseEvent({ kind: 'alert', category: 'inventory', severity: 'warning', title: `SKU-${tag}-${i} low stock`, store: 'Tmall Flagship', fields: { sku: 'A-1024', qty: 3 } }).event;
    let intake = 0;
    let fold = 0;
    for (let i = 0; i < N; i += 100) {
      intake += commitRequests(m, deps, db, Array.from({ length: 100 }, (_, j) => alert(i + j)));
      clock.advance(10);
      if (i % 1_000 !== 900) continue;
      const c0 = process.cpuUsage();
      while (m.folds.digestBacklog(db, m.render.currentRenderSettings(settings, undefined), 20, clock.now()).more);
      const c = process.cpuUsage(c0);
      fold += c.user + c.system;
    }
    return { intakeUs: intake / N, foldUs: fold / N };
  });
}

function rulePoints(m: Checkout, tag: string, stores: number): number {
  const N = 3_000;
  return withDatabase(m, (db, clock, settings) => {
    m.rules.seedRules(db, clock.now());
    const deps = { db, clock, settings, metricRules: m.engine.createMetricRuleEngine({ db, clock, settings, wakeWorker: () => {} }) };
    let cpu = 0;
    for (let i = 0; i < N; i += 100) {
      clock.advance(50);
      const at = new Date(clock.now()).toISOString();
      const points = Array.from({ length: 100 }, (_, j) => ({
        kind: 'metric', category: 'other', severity: 'info', title: '', fields: {}, mention: 'none', name: 'metric_7', value: 500,
        store: stores ? `store ${(i + j) % stores}` : `store ${tag}-${i + j}`, occurred_at: at,
      }));
      cpu += commitRequests(m, deps, db, points);
    }
    return cpu / N;
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const checkouts = await Promise.all(roots.map(load));
const phases: Array<(m: Checkout, tag: string) => Record<string, number>> = [
  (m, tag) => {
    const r = intakeAndFold(m, tag);
    return { 'intake µs/event': r.intakeUs, 'storm fold µs/event': r.foldUs };
  },
  (m, tag) => ({ 'metric rules µs/point, a new store each': rulePoints(m, tag, 0) }),
  (m, tag) => ({ 'metric rules µs/point, 20 stores': rulePoints(m, tag, 20) }),
];
for (const measure of phases) {
  for (const m of checkouts) measure(m, 'warm');
  const runs = checkouts.map(() => [] as Array<Record<string, number>>);
  for (let p = 0; p < PAIRS; p++) checkouts.forEach((m, i) => runs[i]!.push(measure(m, `${i}-${p}`)));
  for (const name of Object.keys(runs[0]![0]!)) {
    const of = (i: number) => runs[i]!.map((r) => r[name]!);
    const line = checkouts.map((m, i) => `${m.root} ${median(of(i)).toFixed(1)}`).join(', ');
    const ratio = checkouts.length === 2 ? `; paired ratio B/A ${median(of(0).map((a, p) => of(1)[p]! / a)).toFixed(2)}` : '';
    console.log(`${name}: ${line}${ratio}`);
  }
}
