// A scheduled report run cut off by a graceful stop (SIGTERM, `docker compose restart`, an upgrade)
// is run again at the next start within the grace period, as the same run cut off by a crash is.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { insertReportJob, listReportRuns } from '../../db/queries/reports.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const HOUR = 3_600_000;
// Thu 13 Mar 2025, 08:00 in Shanghai; the job fires at 09:00.
const T0 = Date.parse('2025-03-13T00:00:00Z');
const FIRE = T0 + HOUR;

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('a scheduled report run cut off by a graceful stop', () => {
  it('runs again at the next start within the grace period (as a run cut off by a crash does)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'report-sigterm-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const fake: FakeWecom = await startFakeWecom({ keys: [] });
    cleanup.push(() => fake.close());
    let time = T0;
    const clock = { now: () => time };

    const first: TestAppliance = await startTestAppliance({ wecomOrigin: fake.origin, clock, dataDir, reportTimers: false });
    const db1 = first.deps.db;
    const jobId = insertReportJob(
      db1,
      { name: 'Daily summary', cron: '0 9 * * *', timezone: 'Asia/Shanghai', type: 'daily_summary', template: null, enabled: true, attachChart: false, chartMetrics: '' },
      time,
    );
    first.reports.reschedule();

    // 09:00: the run starts building on the report thread, and the appliance is told to stop (SIGTERM).
    time = FIRE;
    const due = first.reports.runDue(time);
    expect(listReportRuns(db1, jobId, { limit: 10 }).map((r) => r.status)).toEqual(['running']);
    await first.close();
    await due;

    // 20 s later the appliance is back, well inside the 60-minute grace period.
    time = FIRE + 20_000;
    const second = await startTestAppliance({ wecomOrigin: fake.origin, clock, dataDir, reportTimers: false });
    cleanup.push(() => second.close());
    const runs = listReportRuns(second.deps.db, jobId, { limit: 10 })
      .reverse()
      .map((r) => ({ trigger: r.trigger, status: r.status, scheduledFor: r.scheduledFor, error: r.error }));
    // What the stop left: the 09:00 run failed because the appliance was stopping.
    expect(runs[0]).toMatchObject({ trigger: 'schedule', status: 'failed', scheduledFor: FIRE });
    // The 09:00 report must still reach the group: a run for 09:00 that succeeded after the restart.
    expect(runs.filter((r) => r.scheduledFor === FIRE && r.status === 'succeeded'), JSON.stringify(runs)).toHaveLength(1);
    const reports = second.deps.db.$client.prepare(`SELECT count(*) AS n FROM deliveries WHERE kind = 'report'`).get() as { n: number };
    expect(reports.n).toBeGreaterThan(0);
  }, 60_000);

  it('a stop while the chart is drawn is a run cut off too: nothing queued without its chart, and the run is due again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'report-sigterm-chart-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const fake: FakeWecom = await startFakeWecom({ keys: [] });
    cleanup.push(() => fake.close());
    let time = T0;
    const clock = { now: () => time };

    const first: TestAppliance = await startTestAppliance({ wecomOrigin: fake.origin, clock, dataDir, reportTimers: false });
    const db1 = first.deps.db;
    const jobId = insertReportJob(
      db1,
      { name: 'Daily summary', cron: '0 9 * * *', timezone: 'Asia/Shanghai', type: 'daily_summary', template: null, enabled: true, attachChart: true, chartMetrics: '' },
      time,
    );
    first.reports.reschedule();
    // The stop comes once the text is built and the chart is on the report thread.
    const thread = first.deps.reportThread!;
    const draw = thread.chart.bind(thread);
    let drawing!: () => void;
    const chartAsked = new Promise<void>((resolve) => (drawing = resolve));
    thread.chart = (...args) => {
      const chart = draw(...args);
      drawing();
      return chart;
    };

    time = FIRE;
    const due = first.reports.runDue(time);
    await chartAsked;
    await first.close();
    await due;
    const queued = (db: typeof db1) => (db.$client.prepare(`SELECT count(*) AS n FROM deliveries WHERE kind = 'report'`).get() as { n: number }).n;

    time = FIRE + 20_000;
    const second = await startTestAppliance({ wecomOrigin: fake.origin, clock, dataDir, reportTimers: false });
    cleanup.push(() => second.close());
    const runs = listReportRuns(second.deps.db, jobId, { limit: 10 })
      .reverse()
      .map((r) => ({ trigger: r.trigger, status: r.status, scheduledFor: r.scheduledFor, error: r.error }));
    expect(runs[0]).toMatchObject({ trigger: 'schedule', status: 'failed', scheduledFor: FIRE, error: expect.stringContaining('stopping') });
    expect(runs.filter((r) => r.scheduledFor === FIRE && r.status === 'succeeded'), JSON.stringify(runs)).toHaveLength(1);
    // One report, with its chart: the cut-off run queued nothing.
    const rows = second.deps.db.$client.prepare(`SELECT msgtype, status FROM deliveries WHERE kind = 'report' AND msgtype = 'image'`).all();
    expect(rows).toEqual([{ msgtype: 'image', status: 'queued' }]);
    expect(queued(second.deps.db)).toBeGreaterThan(1);
  }, 60_000);
});
