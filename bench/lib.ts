// Helpers for bench/run.ts: child processes, /proc readings, statistics, the table.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { allOf, expandVars, lastOf, parseDockerfile } from '../test/dockerfile/parseDockerfile.ts';
import { CHILD_SECRET_KEY, freePort } from '../test/helpers/childAppliance.ts';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  loadavg: string;
}

export function machine(): Machine {
  const list = cpus();
  let loadavg = '';
  try {
    loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    // not Linux
  }
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadavg,
  };
}

export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** A /proc/<pid>/status field in MiB (VmRSS: resident now, VmHWM: resident peak). */
export function procMiB(pid: number, field: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
  if (!kb) throw new Error(`${field} not in /proc/${pid}/status`);
  return Number(kb) / 1024;
}

/** CPU time (user + system, every thread) the process has used, in ms, from /proc (clock ticks of 10 ms). */
export function procCpuMs(pid: number): number {
  // The fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Proc {
  process: ChildProcess;
  pid: number;
  url: string;
  output: string[];
  /** Milliseconds from spawn to the first 200 from GET /readyz. */
  readyMs: number;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/** Spawns `node <args>` (e.g. the compiled entry) with PORT set and waits (polling every 5 ms) for /readyz. */
export async function startProc(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<Proc> {
  const script = args.join(' ');
  const port = await freePort();
  const t0 = performance.now();
  // BENCH_CHILD_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") is passed to the children's node only.
  const nodeArgs = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, ...args], {
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn', SECRET_KEY: CHILD_SECRET_KEY, ...env },
    // BENCH_CHILD_STDERR=1 shows the children's stderr (logs) instead of keeping it.
    stdio: ['ignore', 'pipe', process.env.BENCH_CHILD_STDERR ? 'inherit' : 'pipe'],
  });
  live.add(child);
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    try {
      const res = await fetch(url + '/readyz');
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`${script} exited: ${output.join('')}`);
    if (performance.now() - t0 > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`${script} not ready after ${timeoutMs} ms: ${output.join('')}`);
    }
    await sleep(5);
  }
  const readyMs = performance.now() - t0;
  return {
    process: child,
    pid: child.pid!,
    url,
    output,
    readyMs,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(force);
      }
      live.delete(child);
    },
  };
}

/** Signs in to the console with the admin password (GET /login, then the form with Origin) and returns the cookie. */
export async function signIn(baseUrl: string, password: string): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const set of res.headers.getSetCookie()) {
      const pair = set.split(';')[0]!;
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const page = await fetch(baseUrl + '/login', { redirect: 'manual' });
  keep(page);
  await page.text();
  const res = await fetch(baseUrl + '/login', {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: baseUrl, cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ password }).toString(),
  });
  keep(res);
  await res.text();
  if (res.status !== 303) throw new Error(`sign-in failed: HTTP ${res.status}`);
  return cookie();
}

export interface Row {
  figure: string;
  target: string;
  measured: string;
  met: boolean;
}

export function table(rows: Row[]): string {
  const head = { figure: 'figure', target: 'target', measured: 'measured', met: 'met?' };
  const cells = rows.map((r) => ({ figure: r.figure, target: r.target, measured: r.measured, met: r.met ? 'yes' : 'NO' }));
  const width = (k: keyof typeof head) => Math.max(head[k].length, ...cells.map((c) => c[k].length));
  const w = { figure: width('figure'), target: width('target'), measured: width('measured'), met: width('met') };
  const line = (c: typeof head) => `| ${c.figure.padEnd(w.figure)} | ${c.target.padEnd(w.target)} | ${c.measured.padEnd(w.measured)} | ${c.met.padEnd(w.met)} |`;
  const sep = `|${'-'.repeat(w.figure + 2)}|${'-'.repeat(w.target + 2)}|${'-'.repeat(w.measured + 2)}|${'-'.repeat(w.met + 2)}|`;
  return [line(head), sep, ...cells.map(line)].join('\n');
}

/** Whether the node running the bench takes this option (`--name` or `--name=value`). */
const nodeTakes = (option: string) => process.allowedNodeEnvironmentFlags.has(option.split('=')[0]!);

/**
 * The final stage's exec-form CMD (the arguments after `node`) and its ENV, from the Dockerfile
 * text, so the bench starts the appliance exactly as the image does. PORT and DATA_DIR are left
 * out: each run sets its own. Node options the running node lacks (the image's Node is newer than
 * some machines') are left out and named in `leftOut`, for the bench to report.
 */
export function imageCommand(dockerfileText: string, takes: (option: string) => boolean = nodeTakes): { args: string[]; env: Record<string, string>; leftOut: string[] } {
  const stage = parseDockerfile(dockerfileText).stages.at(-1)!;
  const cmd = lastOf(stage, 'CMD')?.cmd;
  if (cmd?.form !== 'exec' || cmd.argv[0] !== 'node') throw new Error('the Dockerfile has no exec-form CMD starting with node');
  const env: Record<string, string> = {};
  for (const e of allOf(stage, 'ENV')) for (const [k, v] of e.vars) env[k] = expandVars(v, env);
  delete env.PORT;
  delete env.DATA_DIR;
  const argv = cmd.argv.slice(1);
  const entry = argv.findIndex((a) => !a.startsWith('-'));
  const options = entry < 0 ? argv : argv.slice(0, entry);
  const leftOut = options.filter((o) => !takes(o));
  return { args: [...options.filter(takes), ...(entry < 0 ? [] : argv.slice(entry))], env, leftOut };
}
