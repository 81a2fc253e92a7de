import { describe, expect, it } from 'vitest';
import { backupFileName } from '../../server/backup.ts';
import { ConfigError, loadConfig } from '../../server/config.ts';
import { countWecomResult, createOpsCounters } from '../../server/opsCounters.ts';
import { renderFamilies } from '../../server/routes/metrics.ts';
import { isStorageUnavailable } from '../../server/storageErrors.ts';
import { parsePrometheus } from '../helpers/prometheus.ts';

describe('operations building blocks', () => {
  it('METRICS_TOKEN: optional, at least 16 printable characters, never echoed in the error line', () => {
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: 'a-long-scrape-token-123' }).metricsToken).toBe('a-long-scrape-token-123');
    for (const bad of ['short-token', 'has a space in the middle!!']) {
      expect(() => loadConfig({ METRICS_TOKEN: bad })).toThrow(ConfigError);
      try {
        loadConfig({ METRICS_TOKEN: bad });
      } catch (err) {
        expect(String(err)).toMatch(/Invalid configuration: METRICS_TOKEN must/);
        expect(String(err)).not.toContain(bad);
      }
    }
  });

  it('renders label values escaped the way the text format wants, and the parser reads them back', () => {
    const text = renderFamilies([
      { name: 'x_total', help: 'a help with \\ and\nnewline', type: 'counter', samples: [{ labels: { v: 'quote " backslash \\ newline \n' }, value: 3 }] },
      { name: 'y', help: 'gauge', type: 'gauge', samples: [{ value: Infinity }, { labels: { a: '1' }, value: 0.5 }] },
    ]);
    expect(text).toContain('x_total{v="quote \\" backslash \\\\ newline \\n"} 3');
    expect(text).toContain('# HELP x_total a help with \\\\ and\\nnewline');
    const parsed = parsePrometheus(text);
    expect(parsed.get('x_total')!.samples[0]!.labels.v).toBe('quote " backslash \\ newline \n');
    expect(parsed.get('y')!.samples.map((s) => s.value)).toEqual([Infinity, 0.5]);
    expect(() => parsePrometheus('y 1\n')).toThrow(/without HELP/);
    expect(() => parsePrometheus('# HELP c_total x\n# TYPE c_total counter\nc_total{a="1"} 1\nc_total{a="1"} 2\n')).toThrow(/duplicate/);
  });

  it('counts WeCom answers by errcode and failures by reason', () => {
    const c = createOpsCounters(0);
    const base = { latencyMs: 1, httpStatus: 200, explanation: { en: '', zh: '' }, errmsg: null };
    countWecomResult(c, { ok: true, errcode: 0, latencyMs: 1, httpStatus: 200 });
    countWecomResult(c, { ...base, ok: false, failure: 'rate_limited', reason: 'errcode', errcode: 45009 });
    countWecomResult(c, { ...base, ok: false, failure: 'transient', reason: 'timeout', errcode: null, httpStatus: null });
    expect([...c.errcodes]).toEqual([
      [0, 1],
      [45009, 1],
    ]);
    expect([...c.transportFailures]).toEqual([['timeout', 1]]);
  });

  it('knows which SQLite errors mean "cannot store right now"', () => {
    for (const code of ['SQLITE_FULL', 'SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_READONLY', 'SQLITE_LOCKED', 'SQLITE_IOERR_WRITE']) {
      expect(isStorageUnavailable(Object.assign(new Error(code), { code })), code).toBe(true);
    }
    for (const err of [new Error('x'), Object.assign(new Error('c'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }), null, 'SQLITE_FULL']) expect(isStorageUnavailable(err)).toBe(false);
  });

  it('names backups by their UTC time', () => {
    expect(backupFileName(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe('notifier-backup-20260102-030405.db');
  });
});
