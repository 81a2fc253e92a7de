import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// `npm run bench -- --quick` as CI runs it: the bench must work end to end and print its table.
// Times are not asserted (CI machines are shared and slow); correctness of the storm is.
const FIGURES = [
  'start to /readyz ready',
  'idle latency',
  'memory RSS idle',
  'intake POST /api/v1/events',
  'intake p99 latency',
  'no-database Hono 202',
  'storm 1,000 alerts',
  'storm: over-limit sends',
  'storm: last alert delivered after burst',
  'memory RSS during the storm',
  'repeat storm: 10,000 POSTs of one alert',
  'quiet-hours release of 5,000 held events',
  'memory RSS during the release',
  'send-log first page',
  'send-log page',
  'report chart render',
  '/healthz p99 during 8 /metrics loops',
  'metric rules: evaluation per point',
  'metric rules: intake with 100 rules',
  'metric rules: 1,000 points/s offered',
  'self-watch check, 2,000 queued',
  'copy before migrating',
  'storm fold of 5,000 queued alerts',
];

interface BenchJson {
  mode: string;
  machine: { cpu: string; cores: number; node: string };
  table: Array<{ figure: string; target: string; measured: string; met: boolean }>;
  results: { storm: { accepted: number; refused: number; lost: number; rateLimited45009: number; maxInAnyWindow: number; messages: number; sentRows: number } };
}

describe('npm run bench -- --quick', () => {
  it('runs every scenario, prints the table, and the storm loses nothing and never hits 45009', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-quick-'));
    const out = join(dir, 'quick.json');
    try {
      const started = Date.now();
      const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      const seconds = (Date.now() - started) / 1000;
      expect(code, stderr.slice(-3000)).toBe(0);

      expect(stdout).toMatch(/\| figure +\| target +\| measured +\| met\? \|/);
      expect(stdout).toMatch(/machine: .+, \d+ cores, .+ GiB RAM, node v\d+/);
      for (const figure of FIGURES) expect(stdout, figure).toContain(`| ${figure}`);

      const json = JSON.parse(readFileSync(out, 'utf8')) as BenchJson;
      expect(json.mode).toBe('quick');
      // The image's Node option this node lacks is left out and said so (else every child would refuse to start).
      const takesFrame = process.allowedNodeEnvironmentFlags.has('--experimental-async-context-frame');
      expect((json as unknown as { nodeOptionsLeftOut: string[] }).nodeOptionsLeftOut).toEqual(takesFrame ? [] : ['--experimental-async-context-frame']);
      if (!takesFrame) expect(stdout).toContain("the appliance ran without the image's --experimental-async-context-frame");
      expect(json.table.map((r) => r.figure)).toHaveLength(FIGURES.length);
      for (const figure of FIGURES) expect(json.table.some((r) => r.figure.startsWith(figure)), figure).toBe(true);
      const storm = json.results.storm;
      expect(storm.accepted).toBe(1000);
      expect(storm.refused).toBe(0);
      expect(storm.lost).toBe(0);
      expect(storm.rateLimited45009).toBe(0);
      expect(storm.maxInAnyWindow).toBeLessThanOrEqual(20);
      expect(storm.messages).toBe(storm.sentRows);
      console.log(`bench --quick finished in ${seconds.toFixed(0)} s\n${stdout}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
