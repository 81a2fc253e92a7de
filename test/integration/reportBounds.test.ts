import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../db/client.ts';
import { insertReportJob } from '../../db/queries/reports.ts';
import { DB_FILE } from '../../server/appliance.ts';
import { MAX_FIRING_LISTED } from '../../server/metricRules/reportSection.ts';
import { MAX_STORES_PER_RULE } from '../../server/metricRules/storeLimit.ts';
import { startFakeWecom } from '../fakeWecom.ts';
import { waitFor } from '../helpers/api.ts';
import { seedDataDir, startChild } from '../helpers/childAppliance.ts';
import { ConsoleClient } from '../helpers/consoleClient.ts';
import { seedFiringStores } from '../helpers/firingStores.ts';

const KEY = '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f';
const PASSWORD = 'report-bounds-pass';
const STORES = 30_000;

/** /healthz round trips (ms), one every 20 ms, while `work` runs. */
async function probeWhile<T>(url: string, work: Promise<T>): Promise<{ result: T; probes: number[] }> {
  const probes: number[] = [];
  let done = false;
  const loop = (async () => {
    while (!done) {
      const t = performance.now();
      const res = await fetch(url + '/healthz');
      await res.text();
      probes.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    return { result: await work, probes };
  } finally {
    done = true;
    await loop;
  }
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

describe('a report over 30,000 firing stores (child process)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'notifier-report-bounds-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is built off the main thread: /healthz answers throughout, the report lists the first 30 and counts the rest, and SIGTERM ends the process in seconds', async () => {
    const fake = await startFakeWecom({ keys: [KEY] });
    try {
      seedDataDir(dataDir, { key: KEY });
      const db = openDatabase(join(dataDir, DB_FILE));
      const now = Date.now();
      let jobId: number;
      try {
        seedFiringStores(db, { stores: STORES, perRule: MAX_STORES_PER_RULE, now });
        jobId = insertReportJob(db, { name: 'Daily', cron: '0 9 * * *', timezone: 'Asia/Shanghai', type: 'daily_summary', template: null, enabled: false, attachChart: true }, now);
      } finally {
        closeDatabase(db);
      }
      const child = await startChild({ DATA_DIR: dataDir, WECOM_API_ORIGIN: fake.origin, ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: 'info' });
      const console = new ConsoleClient(child.url);
      await console.signIn(PASSWORD);

      const idle = (await probeWhile(child.url, new Promise((r) => setTimeout(r, 2_000)))).probes;
      // Run now: the real build path (gather, compose, split, chart), then the parts queued and sent.
      const { result: run, probes } = await probeWhile(child.url, console.postForm(`/reports/${jobId}/run`, { period: 'today' }));
      expect(run.status, child.output.join('')).toBe(303);
      const p99 = percentile(probes, 99);
      // Before, the build held the only thread for over 20 minutes at this size; no probe was answered.
      expect(probes.length).toBeGreaterThan(5);
      expect(p99, `probes: ${probes.map((p) => p.toFixed(0)).join(' ')}`).toBeLessThan(500);

      expect(await waitFor(() => fake.receivedFor(KEY).some((m) => JSON.stringify(m.body).includes('Anomalies in the period')), 20_000)).toBe(true);
      const text = fake
        .receivedFor(KEY)
        .map((m) => JSON.stringify(m.body))
        .join('\n');
      expect(text).toContain('Firing now: 30,000');
      expect(text).toContain(`…and ${(STORES - MAX_FIRING_LISTED).toLocaleString('en-US')} more`);
      // Most severe first: the critical rule's oldest stores lead the list.
      expect(text).toMatch(/Low stock 1 · store 0 · since/);
      expect(text).not.toContain('store 29999');

      // SIGTERM while the next build is under way: the process ends in seconds, the run says why.
      const again = console.postForm(`/reports/${jobId}/run`, { period: 'today' }).catch(() => undefined);
      const reader = new Database(join(dataDir, DB_FILE), { readonly: true });
      const running = () => (reader.prepare(`SELECT count(*) AS n FROM report_runs WHERE status = 'running'`).get() as { n: number }).n > 0;
      expect(await waitFor(running, 10_000, 5)).toBe(true);
      reader.close();
      const t0 = Date.now();
      child.process.kill('SIGTERM');
      const code = await child.exited;
      const exitMs = Date.now() - t0;
      await again;
      expect(code, child.output.join('')).toBe(0);
      expect(exitMs).toBeLessThan(5_000);
      const after = new Database(join(dataDir, DB_FILE), { readonly: true });
      try {
        const last = after.prepare(`SELECT status, error FROM report_runs ORDER BY id DESC LIMIT 1`).get() as { status: string; error: string };
        expect(last).toEqual({ status: 'failed', error: expect.stringContaining('the appliance is stopping') });
      } finally {
        after.close();
      }
      process.stdout.write(`idle: ${idle.length} probes, p99 ${percentile(idle, 99).toFixed(0)} ms; report over ${STORES} firing stores: ${probes.length} probes, p50 ${percentile(probes, 50).toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${Math.max(...probes).toFixed(0)} ms; SIGTERM exit ${exitMs} ms\n`);
    } finally {
      await fake.close();
    }
  }, 120_000);
});
