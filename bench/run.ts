// `npm run bench` (full, several minutes) and `npm run bench -- --quick` (smoke, well under 2 min).
//
// Builds the appliance (`npm run build`) and runs the compiled entry as the image does
// (`node dist/server/main.js`) as a child process on temp data dirs,
// sending to the fake WeCom (test/fakeWecom.ts, in this process), and measures the figures of issue 7.
// Prints one table plus the machine, and writes the JSON results (bench/results/latest.json, or
// quick.json for --quick; --out FILE overrides). `--only startup,latency,intake,storm,repeat,release,sendlog,chart,metrics,rules,selfwatch,fold` runs
// some phases only. For profiling: BENCH_CHILD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" is
// given to the children's node, BENCH_CHILD_STDERR=1 shows their logs.
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { closeDatabase, openDatabase } from '../db/client.ts';
import { putSetting } from '../db/queries/settings.ts';
import { DB_FILE } from '../server/appliance.ts';
import { DEFAULT_RULES } from '../server/settings/settingsStore.ts';
import { CATEGORIES } from '../server/events/schema.ts';
import { startFakeWecom, type FakeWecom } from '../test/fakeWecom.ts';
import { maxInAnyWindow } from '../test/helpers/accounting.ts';
import { seedDataDir } from '../test/helpers/childAppliance.ts';
import { metricsScrape } from './metricsScrape.ts';
import { metricRulesBench } from './metricRules.ts';
import { selfWatchBench } from './selfWatch.ts';
import { foldBacklogBench } from './foldBacklog.ts';
import { imageCommand, machine, median, percentile, procCpuMs, procMiB, signIn, sleep, startProc, table, type Proc, type Row } from './lib.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const argValue = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const PHASES = ['startup', 'latency', 'intake', 'storm', 'repeat', 'release', 'sendlog', 'chart', 'metrics', 'rules', 'selfwatch', 'fold'] as const;
type Phase = (typeof PHASES)[number];
const only = new Set((argValue('--only') ?? PHASES.join(',')).split(',') as Phase[]);
const outFile = argValue('--out') ?? join(root, 'bench', 'results', quick ? 'quick.json' : 'latest.json');

/** The appliance as the image runs it: the Dockerfile's CMD (without `node`) and its ENV, minus what each run sets. */
const IMAGE = imageCommand(readFileSync(join(root, 'Dockerfile'), 'utf8'));
const APPLIANCE = IMAGE.args;
const IMAGE_ENV = IMAGE.env;
/** The no-database baseline is a single small file; tsx only costs it start time, not throughput. */
const BASELINE = ['--import', 'tsx', 'bench/baseline.ts'];

const P = quick
  ? {
      startupRuns: 2,
      latencySamples: 5,
      latencyGapMs: 300,
      idleSettleMs: 3_000,
      intakeWarmupS: 1,
      intakeRuns: 3,
      intakeRunS: 3,
      stormAlerts: 1_000,
      stormBurstMs: 5_000,
      stormRateWindowMs: 5_000,
      stormDigestWindowS: 10,
      sendLogRows: 20_000,
      sendLogSamples: 10,
      repeatPosts: 10_000,
      releaseHeld: 5_000,
    }
  : {
      startupRuns: 5,
      latencySamples: 15,
      latencyGapMs: 400,
      idleSettleMs: 30_000,
      intakeWarmupS: 3,
      intakeRuns: 5,
      intakeRunS: 5,
      stormAlerts: 10_000,
      stormBurstMs: 60_000,
      stormRateWindowMs: 60_000,
      stormDigestWindowS: 60,
      sendLogRows: 1_000_000,
      sendLogSamples: 20,
      repeatPosts: 100_000,
      releaseHeld: 50_000,
    };
const CONNECTIONS = 100;
const LIMIT = 20;
const KEY = 'b3c4d5e6-f7a8-4b9c-8d0e-1f2a3b4c5d6e';
const PASSWORD = 'bench-admin-pass';
const STORM_DEADLINE_MS = Math.max(P.stormRateWindowMs, P.stormDigestWindowS * 1000);

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const tmpDirs: string[] = [];
function dataDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `notifier-bench-${name}-`));
  tmpDirs.push(dir);
  return dir;
}

/** Bot connected, one API token, English messages, the product's default rules (dedupe on). */
function seed(dir: string, digestWindowS = 60): string {
  const { token } = seedDataDir(dir, { key: KEY, windowSeconds: digestWindowS });
  const db = openDatabase(join(dir, DB_FILE));
  try {
    putSetting(db, 'rules', DEFAULT_RULES, Date.now());
  } finally {
    closeDatabase(db);
  }
  return token;
}

/** A fresh appliance child on a seeded data dir, sending to the fake WeCom. */
async function appliance(name: string, fake: FakeWecom, opts: { rateWindowMs?: number; digestWindowS?: number; dir?: string; token?: string } = {}) {
  const dir = opts.dir ?? dataDir(name);
  const token = opts.token ?? seed(dir, opts.digestWindowS);
  const proc = await startProc(APPLIANCE, {
    ...IMAGE_ENV,
    DATA_DIR: dir,
    WECOM_API_ORIGIN: fake.origin,
    WECOM_RATE_WINDOW_MS: String(opts.rateWindowMs ?? 60_000),
    ADMIN_PASSWORD: PASSWORD,
  });
  // The appliance answers /readyz before its ADMIN_PASSWORD check (one scrypt: 128 MiB for about
  // half a second) has ended; a console page waits for it. The phases measure intake, not the start:
  // they begin once a console page answers.
  await (await fetch(proc.url + '/login')).arrayBuffer();
  return { proc, dir, token };
}

async function postJson(url: string, token: string, body: unknown): Promise<{ status: number; json: { id?: number } }> {
  const res = await fetch(url + '/api/v1/events', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let json = {};
  try {
    json = JSON.parse(text) as object;
  } catch {
    // not JSON
  }
  return { status: res.status, json };
}

const results: Record<string, unknown> = {};
const rows: Row[] = [];
const MIB = 1024 * 1024;
/** Memory targets are in MB (10^6 bytes); MiB are shown beside them. */
const mb = (mib: number) => `${fmt((mib * MIB) / 1e6, 1)} MB (${fmt(mib, 1)} MiB)`;
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');

// ---- start to /readyz, idle RSS, idle latency ------------------------------------------------------

async function startupAndIdle(): Promise<void> {
  const fake = await startFakeWecom({ keys: [KEY] });
  try {
    const dir = dataDir('idle');
    const token = seed(dir);
    const readyMs: number[] = [];
    let last: Proc | undefined;
    for (let i = 0; i < P.startupRuns + 1; i++) {
      last = (await appliance('idle', fake, { dir, token })).proc;
      // The first start warms the OS file cache (as any second boot of the image would find it).
      if (i > 0) readyMs.push(last.readyMs);
      if (i < P.startupRuns) await last.stop();
    }
    const proc = last!;
    log(`start → ready: ${readyMs.map((m) => m.toFixed(0)).join(', ')} ms`);
    results.startup = { readyMs, medianMs: median(readyMs) };
    if (only.has('startup')) rows.push({ figure: 'start to /readyz ready', target: '< 1 s', measured: `${fmt(median(readyMs))} ms`, met: median(readyMs) < 1000 });

    await sleep(2_000);
    const startedRss = procMiB(proc.pid, 'VmRSS');

    if (only.has('latency')) {
      const arrived = new Map<string, number>();
      const offMessage = fake.received.length;
      const latencies: number[] = [];
      for (let i = 0; i < P.latencySamples; i++) {
        const title = `latency probe ${i}`;
        const t0 = Date.now();
        const res = await postJson(proc.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title });
        if (res.status !== 202) throw new Error(`latency probe answered ${res.status}`);
        const deadline = Date.now() + 10_000;
        for (;;) {
          for (const m of fake.received.slice(offMessage)) {
            const t = /latency probe \d+/.exec(JSON.stringify(m.body))?.[0];
            if (t && !arrived.has(t)) arrived.set(t, m.at);
          }
          if (arrived.has(title) || Date.now() > deadline) break;
          await sleep(1);
        }
        latencies.push(arrived.has(title) ? arrived.get(title)! - t0 : Infinity);
        await sleep(P.latencyGapMs);
      }
      log(`idle latency: ${latencies.join(', ')} ms`);
      results.idleLatency = { samplesMs: latencies, p50Ms: median(latencies), p90Ms: percentile(latencies, 90) };
      rows.push({ figure: 'idle latency, POST → message at fake WeCom (p50)', target: '< 300 ms', measured: `${fmt(median(latencies))} ms (p90 ${fmt(percentile(latencies, 90))})`, met: median(latencies) < 300 });
    }
    // Idle: no traffic for a while after the probes (an appliance's usual state). V8's memory reducer
    // returns the young generation grown during start-up after ~10-20 quiet seconds.
    await sleep(P.idleSettleMs);
    const idleRss = procMiB(proc.pid, 'VmRSS');
    // What of it is the appliance's own memory, and what the node binary's pages mapped from disk
    // (shared and clean; Node 22's binary keeps about 7 MB more of them than Node 20's).
    const anon = procMiB(proc.pid, 'RssAnon');
    const file = procMiB(proc.pid, 'RssFile');
    results.idleRss = { startedMiB: startedRss, idleMiB: idleRss, anonMiB: anon, fileMiB: file, idleAfterMs: P.idleSettleMs };
    rows.push({
      figure: `memory RSS idle (${P.idleSettleMs / 1000} s quiet)`,
      target: '< 80 MB',
      measured: `${mb(idleRss)} (anonymous ${fmt(anon * MIB / 1e6, 1)}, file-backed ${fmt(file * MIB / 1e6, 1)}; 2 s after start: ${mb(startedRss)})`,
      met: idleRss * MIB < 80e6,
    });
    await proc.stop();
  } finally {
    await fake.close();
  }
}

// ---- intake vs. a no-database Hono endpoint ------------------------------------------------------------

async function intake(): Promise<void> {
  const fake = await startFakeWecom({ keys: [KEY] });
  const { proc, token } = await appliance('intake', fake);
  const baseline = await startProc(BASELINE, {});
  try {
    const body = JSON.stringify({ kind: 'alert', category: 'inventory', severity: 'warning', title: 'SKU-[<id>] low stock', store: 'Tmall Flagship', fields: { sku: 'A-1024', qty: 3 } });
    const run = (url: string, duration: number) =>
      autocannon({
        url: url + '/api/v1/events',
        method: 'POST',
        connections: CONNECTIONS,
        duration,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
        idReplacement: true,
      });
    await run(baseline.url, P.intakeWarmupS);
    await run(proc.url, P.intakeWarmupS);
    const base: Array<{ rps: number; p99: number; cpuUs: number }> = [];
    const mine: Array<{ rps: number; p99: number; non2xx: number; errors: number; cpuUs: number }> = [];
    // CPU time per request beside the rates: on a machine shared with other work, the rates move with
    // its load; what each request costs the process moves much less.
    const cpuPerRequest = async (p: Proc, url: string) => {
      const before = procCpuMs(p.pid);
      const r = await run(url, P.intakeRunS);
      return { r, cpuUs: ((procCpuMs(p.pid) - before) * 1000) / Math.max(1, r['2xx']) };
    };
    for (let i = 0; i < P.intakeRuns; i++) {
      const b = await cpuPerRequest(baseline, baseline.url);
      base.push({ rps: b.r['2xx'] / b.r.duration, p99: b.r.latency.p99, cpuUs: b.cpuUs });
      const { r, cpuUs } = await cpuPerRequest(proc, proc.url);
      mine.push({ rps: r['2xx'] / r.duration, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts, cpuUs });
      log(
        `intake run ${i + 1}: ${mine.at(-1)!.rps.toFixed(0)} events/s p99 ${r.latency.p99} ms ${cpuUs.toFixed(0)} µs CPU each (non-2xx ${r.non2xx}, errors ${r.errors}); ` +
          `baseline ${base.at(-1)!.rps.toFixed(0)} req/s p99 ${b.r.latency.p99} ms ${b.cpuUs.toFixed(0)} µs CPU each`,
      );
    }
    const rps = median(mine.map((m) => m.rps));
    const p99 = median(mine.map((m) => m.p99));
    const baseRps = median(base.map((m) => m.rps));
    // Each intake run follows its own baseline run: the ratio is taken per pair, then the median.
    const ratio = median(mine.map((m, i) => m.rps / base[i]!.rps));
    const failed = mine.reduce((n, m) => n + m.non2xx + m.errors, 0);
    const cpuUs = median(mine.map((m) => m.cpuUs));
    const baseCpuUs = median(base.map((m) => m.cpuUs));
    results.intake = { connections: CONNECTIONS, runS: P.intakeRunS, runs: mine, baseline: base, medianEventsPerS: rps, medianP99Ms: p99, medianBaselineRps: baseRps, ratio, failed, cpuUs, baseCpuUs };
    rows.push({ figure: `intake POST /api/v1/events, ${CONNECTIONS} conns`, target: '≥ 10,000 events/s', measured: `${fmt(rps)} events/s${failed ? ` (${failed} failed)` : ''}`, met: rps >= 10_000 && failed === 0 });
    rows.push({ figure: 'intake p99 latency', target: '< 20 ms', measured: `${fmt(p99)} ms`, met: p99 < 20 });
    rows.push({ figure: 'no-database Hono 202, same load', target: 'intake ≥ 0.5 of it', measured: `${fmt(baseRps)} req/s (intake ${fmt(ratio, 2)}×)`, met: ratio >= 0.5 });
    log(`intake CPU per request (medians): ${fmt(cpuUs)} µs, baseline ${fmt(baseCpuUs)} µs (${fmt(baseCpuUs / cpuUs, 2)}×)`);
  } finally {
    await baseline.stop();
    await proc.stop();
    await fake.close();
  }
}

// ---- storm ---------------------------------------------------------------------------------------------

async function storm(): Promise<void> {
  const windowMs = P.stormRateWindowMs;
  const fake = await startFakeWecom({ keys: [KEY], windowMs, limit: LIMIT });
  const { proc, dir, token } = await appliance('storm', fake, { rateWindowMs: windowMs, digestWindowS: P.stormDigestWindowS });
  const db = new Database(join(dir, DB_FILE), { readonly: true, fileMustExist: true });
  let peakRss = procMiB(proc.pid, 'VmRSS');
  const rssSeries: number[] = [];
  let ticks = 0;
  const sampler = setInterval(() => {
    try {
      const rss = procMiB(proc.pid, 'VmRSS');
      peakRss = Math.max(peakRss, rss);
      if (ticks++ % 10 === 0) rssSeries.push(Math.round(rss));
    } catch {
      // exited
    }
  }, 100);
  try {
    const accepted = new Set<number>();
    let refused = 0;
    let inFlight = 0;
    let sent = 0;
    const started = Date.now();
    const one = async (i: number) => {
      inFlight++;
      try {
        const res = await postJson(proc.url, token, {
          kind: 'alert',
          category: CATEGORIES[i % CATEGORIES.length],
          severity: i % 100 === 0 ? 'critical' : i % 3 === 0 ? 'warning' : 'info',
          title: `storm alert #${i}`,
          store: `store-${i % 5}`,
        });
        if (res.status === 202 && typeof res.json.id === 'number') accepted.add(res.json.id);
        else refused++;
      } catch {
        refused++;
      } finally {
        inFlight--;
      }
    };
    const pending: Promise<void>[] = [];
    // Paced evenly over the burst, at most 64 requests in flight.
    while (sent < P.stormAlerts) {
      const due = Math.min(P.stormAlerts, Math.ceil(((Date.now() - started + 10) / P.stormBurstMs) * P.stormAlerts));
      while (sent < due && inFlight < 64) pending.push(one(sent++));
      await sleep(10);
    }
    await Promise.all(pending);
    const burstEnd = Date.now();
    log(`storm: ${accepted.size} accepted, ${refused} refused in ${burstEnd - started} ms; waiting for delivery`);

    const pendingCount = () =>
      (db.prepare(`SELECT count(*) AS n FROM events WHERE status IN ('queued','held')`).get() as { n: number }).n +
      (db.prepare(`SELECT count(*) AS n FROM deliveries WHERE status IN ('queued','sending')`).get() as { n: number }).n;
    const giveUp = burstEnd + STORM_DEADLINE_MS + Math.max(30_000, windowMs);
    while (pendingCount() > 0 && Date.now() < giveUp) await sleep(100);
    clearInterval(sampler);

    const events = db
      .prepare(
        `SELECT e.id, e.status, e.finished_at AS finishedAt, d.status AS digestStatus, d.sent_at AS digestSentAt
         FROM events e LEFT JOIN deliveries d ON d.id = e.digest_delivery_id`,
      )
      .all() as Array<{ id: number; status: string; finishedAt: number | null; digestStatus: string | null; digestSentAt: number | null }>;
    const byId = new Map(events.map((e) => [e.id, e]));
    let lost = 0;
    let lastDelivered = 0;
    const byStatus: Record<string, number> = {};
    for (const id of accepted) {
      const e = byId.get(id);
      const status = e?.status ?? 'missing';
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      const at = status === 'sent' ? e!.finishedAt : status === 'digested' && e!.digestStatus === 'sent' ? e!.digestSentAt : null;
      if (at === null || at === undefined) lost++;
      else lastDelivered = Math.max(lastDelivered, at);
    }
    const sentRows = (db.prepare(`SELECT count(*) AS n FROM deliveries WHERE status = 'sent'`).get() as { n: number }).n;
    const received = fake.receivedFor(KEY);
    const maxWindow = maxInAnyWindow(received, windowMs);
    const rateLimited = fake.rateLimitedCount();
    const afterBurstMs = lastDelivered ? lastDelivered - burstEnd : NaN;
    results.storm = {
      alerts: P.stormAlerts,
      burstMs: burstEnd - started,
      rateWindowMs: windowMs,
      digestWindowS: P.stormDigestWindowS,
      accepted: accepted.size,
      refused,
      lost,
      byStatus,
      messages: received.length,
      sentRows,
      maxInAnyWindow: maxWindow,
      rateLimited45009: rateLimited,
      lastDeliveredAfterBurstMs: afterBurstMs,
      peakRssMiB: peakRss,
      rssEverySecondMiB: rssSeries,
    };
    log(`storm result: ${JSON.stringify(results.storm)}`);
    const scale = `${fmt(P.stormAlerts)} alerts in ${fmt(P.stormBurstMs / 1000)} s`;
    const win = `${fmt(windowMs / 1000)} s`;
    rows.push({ figure: `storm ${scale}: lost`, target: '0 lost', measured: `${lost} lost (${accepted.size} accepted, ${refused} refused)`, met: lost === 0 && refused === 0 && received.length === sentRows });
    rows.push({ figure: 'storm: over-limit sends', target: `0 × 45009, ≤ ${LIMIT}/${win}`, measured: `${rateLimited} × 45009, max ${maxWindow}/${win}, ${received.length} msgs`, met: rateLimited === 0 && maxWindow <= LIMIT });
    rows.push({ figure: 'storm: last alert delivered after burst', target: `≤ ${fmt(STORM_DEADLINE_MS / 1000)} s`, measured: `${fmt(afterBurstMs / 1000, 1)} s`, met: lost === 0 && afterBurstMs <= STORM_DEADLINE_MS });
    rows.push({ figure: 'memory RSS during the storm (peak)', target: '< 150 MB', measured: mb(peakRss), met: peakRss * MIB < 150e6 });
  } finally {
    clearInterval(sampler);
    db.close();
    await proc.stop();
    await fake.close();
  }
}

// ---- repeat storm: one alert over and over (dedupe must cost the same at the last repeat) ---------------

const REPEAT_CONNECTIONS = 16;

async function repeatStorm(): Promise<void> {
  const fake = await startFakeWecom({ keys: [KEY] });
  const { proc, token } = await appliance('repeat', fake);
  try {
    const body = { kind: 'alert', category: 'inventory', severity: 'warning', title: 'SKU-7 库存告急', store: '杭州旗舰店' };
    const doneAt: number[] = [];
    let next = 0;
    let failed = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: REPEAT_CONNECTIONS }, async () => {
        while (next < P.repeatPosts) {
          next++;
          const res = await postJson(proc.url, token, body).catch(() => ({ status: 0 }));
          if (res.status !== 202) failed++;
          doneAt.push(Date.now());
        }
      }),
    );
    // Events/s over the first and the last tenth of the requests, by completion time.
    const tenth = Math.floor(doneAt.length / 10);
    const rate = (from: number, to: number) => (to - from) / Math.max(1, (doneAt[to - 1]! - (from === 0 ? started : doneAt[from - 1]!)) / 1000);
    const first = rate(0, tenth);
    const last = rate(doneAt.length - tenth, doneAt.length);
    const ratio = last / first;
    results.repeat = { posts: P.repeatPosts, connections: REPEAT_CONNECTIONS, seconds: (Date.now() - started) / 1000, firstTenthEventsPerS: first, lastTenthEventsPerS: last, ratio, failed };
    log(`repeat storm: ${JSON.stringify(results.repeat)}`);
    rows.push({
      figure: `repeat storm: ${fmt(P.repeatPosts)} POSTs of one alert, ${REPEAT_CONNECTIONS} conns`,
      target: 'last 10% ≥ 0.8 × first 10%',
      measured: `${fmt(first)} → ${fmt(last)} events/s (${fmt(ratio, 2)}×)${failed ? `, ${failed} failed` : ''}`,
      met: ratio >= 0.8 && failed === 0,
    });
  } finally {
    await proc.stop();
    await fake.close();
  }
}

// ---- quiet-hours release: many held events go out when quiet hours end -----------------------------------

async function quietRelease(): Promise<void> {
  const fake = await startFakeWecom({ keys: [KEY] });
  const dir = dataDir('release');
  const token = seed(dir);
  // Held events written straight into the file (intake's rows, as quiet hours would have held them);
  // quiet hours are off when the appliance starts, so the worker releases them at once.
  const db = openDatabase(join(dir, DB_FILE));
  try {
    const insert = db.$client.prepare(
      `INSERT INTO events (received_at, source, kind, category, severity, title, store, payload, dedupe_key, status, reason) VALUES (?, 'api', 'alert', ?, 'warning', ?, ?, ?, ?, 'held', 'quiet_hours')`,
    );
    const now = Date.now();
    db.$client.transaction(() => {
      for (let i = 0; i < P.releaseHeld; i++) {
        const category = CATEGORIES[i % CATEGORIES.length]!;
        const e = { kind: 'alert', category, severity: 'warning', title: `night alert #${i}`, store: `store-${i % 5}` };
        insert.run(now - 3600_000 + i, category, e.title, e.store, JSON.stringify(e), JSON.stringify([category, e.title, e.store]));
      }
    })();
  } finally {
    closeDatabase(db);
  }
  const { proc } = await appliance('release', fake, { dir, token });
  const readonly = new Database(join(dir, DB_FILE), { readonly: true, fileMustExist: true });
  let peakRss = procMiB(proc.pid, 'VmRSS');
  const sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, procMiB(proc.pid, 'VmRSS'));
    } catch {
      // exited
    }
  }, 50);
  try {
    const started = Date.now();
    const held = () => (readonly.prepare(`SELECT count(*) AS n FROM events WHERE status = 'held'`).get() as { n: number }).n;
    const latencies: number[] = [];
    while (held() > 0 && Date.now() - started < 120_000) {
      const t = performance.now();
      await fetch(proc.url + '/healthz').then((r) => r.arrayBuffer());
      latencies.push(performance.now() - t);
      await sleep(20);
    }
    const releaseMs = Date.now() - started;
    clearInterval(sampler);
    const left = held();
    const p99 = percentile(latencies, 99);
    results.release = { held: P.releaseHeld, releaseMs, left, healthzSamples: latencies.length, healthzP99Ms: p99, healthzMaxMs: Math.max(...latencies), peakRssMiB: peakRss };
    log(`quiet-hours release: ${JSON.stringify(results.release)}`);
    rows.push({ figure: `quiet-hours release of ${fmt(P.releaseHeld)} held events: /healthz p99`, target: '< 100 ms', measured: `${fmt(p99, 1)} ms (${latencies.length} probes, ${fmt(releaseMs / 1000, 1)} s)`, met: left === 0 && p99 < 100 });
    rows.push({ figure: 'memory RSS during the release (peak)', target: '< 150 MB', measured: mb(peakRss), met: peakRss * MIB < 150e6 });
  } finally {
    clearInterval(sampler);
    readonly.close();
    await proc.stop();
    await fake.close();
  }
}

// ---- send log with many deliveries ---------------------------------------------------------------------

const PAGE = 50;

async function sendLog(): Promise<void> {
  const fake = await startFakeWecom({ keys: [KEY] });
  const dir = dataDir('sendlog');
  const token = seed(dir);
  const t0 = Date.now();
  const db = new Database(join(dir, DB_FILE));
  db.pragma('journal_mode = WAL');
  const insert = db.prepare(
    `INSERT INTO deliveries (created_at, kind, category, severity, priority, status, title, msgtype, payload, bytes, attempts, queued_at, next_attempt_at, last_attempt_at, sent_at, errcode, http_status, latency_ms)
     VALUES (?, 'alert', ?, ?, 1, ?, ?, 'markdown', ?, ?, 1, ?, ?, ?, ?, ?, 200, ?)`,
  );
  const now = Date.now();
  const span = 6 * 24 * 3600_000; // inside any retention setting
  db.transaction(() => {
    for (let i = 0; i < P.sendLogRows; i++) {
      const at = now - span + Math.floor((i / P.sendLogRows) * span);
      const title = `seeded alert #${i}`;
      const payload = `{"msgtype":"markdown","markdown":{"content":"**${title}**\\nstore-${i % 5}"}}`;
      const dead = i % 97 === 0;
      insert.run(at, CATEGORIES[i % CATEGORIES.length], i % 3 ? 'info' : 'warning', dead ? 'dead' : 'sent', title, payload, payload.length, at, at, at + 50, dead ? null : at + 50, dead ? 40008 : 0, 40 + (i % 50));
    }
  })();
  db.close();
  const seedMs = Date.now() - t0;
  log(`seeded ${P.sendLogRows} deliveries in ${seedMs} ms`);

  const { proc } = await appliance('sendlog', fake, { dir, token });
  try {
    const cookie = await signIn(proc.url, PASSWORD);
    const maxId = P.sendLogRows; // fresh table: ids 1..N
    const pageNo = Math.min(1000, Math.floor(P.sendLogRows / PAGE));
    // Page k follows k-1 "older" links: before = the last id shown on page k-1.
    const before = maxId - PAGE * (pageNo - 1) + 1;
    const get = async (path: string, expectTop: number) => {
      const t = performance.now();
      const res = await fetch(proc.url + path, { headers: { cookie }, redirect: 'manual' });
      const html = await res.text();
      const ms = performance.now() - t;
      if (res.status !== 200 || !html.includes(`/send-log/${expectTop}`)) throw new Error(`GET ${path}: HTTP ${res.status}, row ${expectTop} not shown`);
      return ms;
    };
    const first: number[] = [];
    const deep: number[] = [];
    for (let i = 0; i < 5; i++) {
      await get('/send-log', maxId);
      await get(`/send-log?before=${before}`, before - 1);
    }
    for (let i = 0; i < P.sendLogSamples; i++) {
      first.push(await get('/send-log', maxId));
      deep.push(await get(`/send-log?before=${before}`, before - 1));
    }
    results.sendLog = { rows: P.sendLogRows, seedMs, page: pageNo, before, firstMs: first, deepMs: deep, firstMedianMs: median(first), deepMedianMs: median(deep) };
    log(`send-log: first ${median(first).toFixed(1)} ms, page ${pageNo} ${median(deep).toFixed(1)} ms`);
    const scale = P.sendLogRows >= 1_000_000 ? `${P.sendLogRows / 1_000_000}M` : `${P.sendLogRows / 1000}k`;
    rows.push({ figure: `send-log first page (${scale} deliveries)`, target: '< 50 ms', measured: `${fmt(median(first), 1)} ms (p90 ${fmt(percentile(first, 90), 1)})`, met: median(first) < 50 });
    rows.push({ figure: `send-log page ${fmt(pageNo)} (${scale} deliveries)`, target: '< 50 ms', measured: `${fmt(median(deep), 1)} ms (p90 ${fmt(percentile(deep, 90), 1)})`, met: median(deep) < 50 });
  } finally {
    await proc.stop();
    await fake.close();
  }
}

// ---- one report chart (SVG → PNG) -------------------------------------------------------------------------

async function chart(): Promise<void> {
  // Its own process with the image's malloc settings, so the RSS it adds is the chart's alone.
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/chartRender.ts', '3'], { cwd: root, env: { ...process.env, ...IMAGE_ENV }, encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').at(-1)!) as { firstMs: number; medianMs: number; cpuMedianMs: number; extraRssMiB: number; peakExtraRssMiB: number; pngBytes: number };
  results.chart = r;
  rows.push({
    figure: 'report chart render (one PNG)',
    target: '< 300 ms, < 30 MB extra RSS',
    measured: `${fmt(r.cpuMedianMs)} ms CPU (${fmt(r.medianMs)} ms wall), +${fmt(r.extraRssMiB)} MB RSS, ${fmt(r.pngBytes / 1024)} KB`,
    met: r.cpuMedianMs < 300 && r.extraRssMiB < 30,
  });
}

// ---- main ------------------------------------------------------------------------------------------------

async function rulesPhase(): Promise<void> {
  const fake = await startFakeWecom({ keys: [KEY] });
  const seeded = (name: string) => {
    const dir = dataDir(name);
    return { dir, token: seed(dir) };
  };
  const start = async (dir: string, token: string) => (await appliance('rules', fake, { dir, token })).proc;
  try {
    results.metricRules = await metricRulesBench({ seed: seeded, start, runS: P.intakeRunS, runs: P.intakeRuns, inProcessPoints: quick ? 2_000 : 20_000, log }, rows);
  } finally {
    await fake.close();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const m = machine();
  log(`${quick ? 'quick' : 'full'} bench on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, node ${m.node}, load ${m.loadavg}`);
  if (IMAGE.leftOut.length) log(`the image's node options ${IMAGE.leftOut.join(' ')} are left out: node ${m.node} does not take them`);
  // Always from the current sources: a stale dist/ would measure other code.
  const built = Date.now();
  execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  log(`npm run build: ${((Date.now() - built) / 1000).toFixed(1)} s`);
  try {
    if (only.has('startup') || only.has('latency')) await startupAndIdle();
    if (only.has('intake')) await intake();
    if (only.has('storm')) await storm();
    if (only.has('repeat')) await repeatStorm();
    if (only.has('release')) await quietRelease();
    if (only.has('sendlog')) await sendLog();
    if (only.has('chart')) await chart();
    if (only.has('metrics')) {
      const fake = await startFakeWecom({ keys: [KEY] });
      const start = async (dir: string) => (await appliance('metrics', fake, { dir })).proc;
      const m = await metricsScrape({ dir: dataDir('metrics'), start, events: quick ? 100_000 : 1_000_000, loops: 8, seconds: quick ? 5 : 30, log }).finally(() => fake.close());
      rows.push(...m.rows);
      results.metricsScrape = m.result;
    }
    if (only.has('rules')) await rulesPhase();
    if (only.has('selfwatch')) {
      const w = selfWatchBench({ dir: dataDir('selfwatch'), events: quick ? 20_000 : 200_000, queued: quick ? 2_000 : 20_000, jobs: 10, checks: 30, log });
      rows.push(...w.rows);
      results.selfWatch = w.result;
    }
    if (only.has('fold')) {
      const f = foldBacklogBench({ dir: dataDir('fold'), queued: quick ? 5_000 : 50_000, log });
      rows.push(...f.rows);
      results.foldBacklog = f.result;
    }
  } finally {
    for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
  }
  const seconds = (Date.now() - started) / 1000;
  const out = { mode: quick ? 'quick' : 'full', at: new Date().toISOString(), machine: m, loadAfter: machine().loadavg, nodeOptionsLeftOut: IMAGE.leftOut, seconds, params: P, table: rows, results };
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify(out, null, 2) + '\n');
  const title = quick ? 'npm run bench -- --quick (smoke sizes; storm window shortened)' : 'npm run bench';
  process.stdout.write(
    `\n${title}\nmachine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, node ${m.node} (${m.platform}); load avg before ${m.loadavg}, after ${out.loadAfter}\n` +
      (IMAGE.leftOut.length ? `the appliance ran without the image's ${IMAGE.leftOut.join(' ')} (not taken by node ${m.node})\n` : '') +
      `medians of several runs; the machine may be shared, so numbers are noisy\n\n${table(rows)}\n\n` +
      `${rows.filter((r) => r.met).length}/${rows.length} targets met in ${seconds.toFixed(0)} s; results: ${outFile}\n`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
