// The report over many firing stores (issue 20): `node --import tsx bench/reportBuild.ts
// [--stores 8000] [--per-rule N] [--root DIR] [--max-s 900] [--compiled]`.
//
// Seeds a data dir straight in SQLite (N stores firing under rules of --per-rule stores each,
// default one rule like the probe, and one metric point per store today), starts the
// appliance of --root (default this tree; another checkout measures the code before) from its
// sources as a child process (--compiled: `node dist/server/main.js`, as the image runs it, after
// `npm run build`), presses Run now on a daily summary with its chart while probing
// /healthz every 20 ms, then sends SIGTERM during a second run and times the exit.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeDatabase, openDatabase } from '../db/client.ts';
import { insertReportJob } from '../db/queries/reports.ts';
import { DB_FILE } from '../server/appliance.ts';
import { startFakeWecom } from '../test/fakeWecom.ts';
import { CHILD_SECRET_KEY, freePort, seedDataDir } from '../test/helpers/childAppliance.ts';
import { ConsoleClient } from '../test/helpers/consoleClient.ts';
import { seedFiringStores } from '../test/helpers/firingStores.ts';
import { machine, percentile, sleep } from './lib.ts';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1]! : fallback;
};
const stores = Number(arg('--stores', '8000'));
const perRule = Number(arg('--per-rule', String(stores)));
const root = resolve(arg('--root', fileURLToPath(new URL('..', import.meta.url))));
const maxMs = Number(arg('--max-s', '900')) * 1000;
const KEY = '7d8e9f0a-1b2c-4d3e-8f4a-5b6c7d8e9f0a';
const PASSWORD = 'report-bench-password';

const fake = await startFakeWecom({ keys: [KEY] });
const dataDir = mkdtempSync(join(tmpdir(), 'notifier-bench-report-'));
seedDataDir(dataDir, { key: KEY });
const db = openDatabase(join(dataDir, DB_FILE));
const now = Date.now();
const seeded = seedFiringStores(db, { stores, perRule, now });
const jobId = insertReportJob(db, { name: 'Daily', cron: '0 9 * * *', timezone: 'Asia/Shanghai', type: 'daily_summary', template: null, enabled: false, attachChart: true }, now);
closeDatabase(db);

const port = await freePort();
// BENCH_CHILD_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") is passed to the child's node, as in run.ts.
const nodeArgs = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
const entry = argv.includes('--compiled') ? ['dist/server/main.js'] : ['--import', 'tsx', 'server/main.ts'];
const child = spawn(process.execPath, [...nodeArgs, ...entry], {
  cwd: root,
  env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, WECOM_API_ORIGIN: fake.origin, ADMIN_PASSWORD: PASSWORD, SECRET_KEY: CHILD_SECRET_KEY, LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
const url = `http://127.0.0.1:${port}`;
for (;;) {
  if ((await fetch(url + '/readyz').then((r) => r.ok, () => false))) break;
  await sleep(50);
}
const console_ = new ConsoleClient(url);
await console_.signIn(PASSWORD);

// A probe without an answer (undici gives up after 300 s) counts with the time it waited.
const probes: number[] = [];
let unanswered = 0;
let probing = true;
const loop = (async () => {
  while (probing) {
    const t = performance.now();
    await fetch(url + '/healthz').then(
      (r) => r.text(),
      () => void unanswered++,
    );
    probes.push(performance.now() - t);
    await sleep(20);
  }
})();
const t0 = performance.now();
const run = await Promise.race([
  console_.postForm(`/reports/${jobId}/run`, { period: 'today' }).catch((err: unknown) => String(err)),
  sleep(maxMs).then(() => undefined),
]);
const runMs = performance.now() - t0;
probing = false;
await Promise.race([loop, sleep(1_000)]);
const sent = fake.receivedFor(KEY).length;

let exitMs = NaN;
if (typeof run === 'object') {
  void console_.postForm(`/reports/${jobId}/run`, { period: 'today' }).catch(() => undefined);
  await sleep(500);
}
const t1 = performance.now();
child.kill('SIGTERM');
const code = await Promise.race([exited, sleep(20_000).then(() => 'timeout' as const)]);
exitMs = performance.now() - t1;
if (code === 'timeout') child.kill('SIGKILL');
await fake.close();
const reader = new Database(join(dataDir, DB_FILE), { readonly: true });
const runs = reader.prepare(`SELECT status, started_at AS startedAt, finished_at AS finishedAt, error FROM report_runs ORDER BY id`).all() as Array<{ status: string; startedAt: number; finishedAt: number | null; error: string | null }>;
reader.close();
rmSync(dataDir, { recursive: true, force: true });

const f = (ms: number) => `${ms.toFixed(0)} ms`;
process.stdout.write(
  JSON.stringify(
    {
      root,
      entry: entry.join(' '),
      stores,
      rules: seeded.rules,
      runNow: typeof run === 'object' ? { status: run.status, ms: Math.round(runMs) } : run === undefined ? `no answer within ${maxMs / 1000} s` : `${run} after ${Math.round(runMs)} ms`,
      runs: runs.map((r) => ({ status: r.status, buildMs: r.finishedAt === null ? null : r.finishedAt - r.startedAt, error: r.error })),
      messagesAtWecom: sent,
      healthz: { probes: probes.length, unanswered, p50: f(percentile(probes, 50)), p99: f(percentile(probes, 99)), max: f(Math.max(...probes)) },
      sigtermExit: code === 'timeout' ? 'no exit within 20 s (SIGKILL)' : { code, ms: Math.round(exitMs) },
      machine: machine(),
    },
    null,
    2,
  ) + '\n',
);
process.exit(0);
