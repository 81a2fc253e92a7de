import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseBefore } from '../helpers/migrationsBefore.ts';

/** An install from before chart images: its seeded jobs (and one of the admin's) get the new columns. */
describe('the report-chart migration on an existing database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chart-migration-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('switches the chart on for the seeded daily and weekly jobs only', () => {
    const { sqlite, migrateAll } = databaseBefore('_report_chart', dir);
    const insert = sqlite.prepare(
      `INSERT INTO report_jobs (name, cron, timezone, type, enabled, auto_enable, schedule_from, created_at, updated_at)
       VALUES (?, '0 9 * * *', 'Asia/Shanghai', ?, 1, 0, ?, ?, ?)`,
    );
    const seededAt = 1_700_000_000_000;
    insert.run('每日汇总', 'daily_summary', seededAt, seededAt, seededAt);
    insert.run('每周汇总', 'weekly_summary', seededAt, seededAt, seededAt);
    insert.run('Store daily', 'daily_summary', seededAt + 1, seededAt + 1, seededAt + 1);
    insert.run('Daily summary', 'daily_summary', seededAt + 2, seededAt + 2, seededAt + 2);

    migrateAll();
    const rows = sqlite.prepare('SELECT name, attach_chart AS chart, chart_metrics AS metrics FROM report_jobs ORDER BY id').all();
    sqlite.close();
    expect(rows).toEqual([
      { name: '每日汇总', chart: 1, metrics: '' },
      { name: '每周汇总', chart: 1, metrics: '' },
      { name: 'Store daily', chart: 0, metrics: '' },
      // Named like a seeded job, but created later by the admin.
      { name: 'Daily summary', chart: 0, metrics: '' },
    ]);
  });
});
