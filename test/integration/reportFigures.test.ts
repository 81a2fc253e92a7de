// What a report's figures say is what was received: a task's retry that succeeded counts; a metric
// point is measured when it says, but never after it arrived; a change reads as the figures shown do.
import { describe, expect, it } from 'vitest';
import { renderJobReport } from '../../server/reports/runReport.ts';
import { buildReport, emptyFigures } from '../../server/reports/builders.ts';
import { dailyPeriods } from '../../server/time/periods.ts';
import { fakeClock, rigsClosedAfterEach } from '../helpers/engineRig.ts';

const TZ = 'Asia/Shanghai';
const at = (s: string) => Date.parse(s);
const rigs = rigsClosedAfterEach();

describe('task results in the daily summary (real intake)', () => {
  it('a task that failed and then succeeded on retry 5 minutes later is counted twice, its success not a repeat of the failure', () => {
    // Thursday 13 March 2025, 10:00 and 10:05 in Shanghai.
    const rig = rigs.engine({ clock: fakeClock(at('2025-03-13T02:00:00Z')) });
    rig.post({ kind: 'task_result', task_name: 'Nightly price sync', status: 'failed', category: undefined, severity: undefined, title: undefined, store: undefined });
    rig.clock.advance(5 * 60_000);
    rig.post({ kind: 'task_result', task_name: 'Nightly price sync', status: 'succeeded', category: undefined, severity: undefined, title: undefined, store: undefined });
    // A second failure within the window is still a repeat of the first.
    rig.post({ kind: 'task_result', task_name: 'Nightly price sync', status: 'failed', category: undefined, severity: undefined, title: undefined, store: undefined });
    rig.clock.set(at('2025-03-14T01:00:00Z')); // Friday 09:00, the daily job's fire time
    const r = renderJobReport({ db: rig.db, settings: rig.settings }, { name: 'Daily summary', type: 'daily_summary', timezone: TZ, template: null }, rig.clock.now());
    expect(r.content).toContain('**Task results: 2** · Succeeded 1');
  });
});

describe('metric change wording', () => {
  const spec = {
    type: 'daily_summary' as const,
    name: 'Daily summary',
    timeZone: TZ,
    lang: 'en' as const,
    format: 'text' as const,
    periods: dailyPeriods(at('2025-03-14T01:00:00Z'), TZ),
    ref: at('2025-03-14T01:00:00Z'),
  };
  const line = (value: number, previous: number) => {
    const f = emptyFigures();
    f.metrics = [{ name: 'gmv', store: null, unit: null, value, previous, at: at('2025-03-13T02:00:00Z') }];
    return buildReport(spec, f).content.split('\n').find((l) => l.startsWith('• gmv'))!;
  };

  it('a change too small to show reads as unchanged, not as a signed zero ("-0, -0%")', () => {
    // 100.004 → 100: both show as "100".
    expect(line(100, 100.004)).not.toMatch(/[+-]0(?![.,\d])/);
    expect(line(100, 100.004)).toBe(line(100, 100));
  });

  it('a change whose percentage rounds to zero shows the difference alone, never "+0%"', () => {
    expect(line(10_004, 10_000)).toBe('• gmv: 10,004 (+4)');
    expect(line(10_500, 10_000)).toBe('• gmv: 10,500 (+500, +5%)');
  });
});

describe('metric points stamped ahead of their arrival', () => {
  it('a snapshot shows the latest value received before the run, also one its sender stamped ahead (local time sent as Z)', () => {
    const rig = rigs.engine({ clock: fakeClock(at('2025-03-14T00:00:00Z')) }); // 08:00 Shanghai
    rig.post({ kind: 'metric', name: 'gmv', value: 100, category: undefined, severity: undefined, title: undefined, store: 'Tmall Flagship' });
    rig.clock.set(at('2025-03-14T00:30:00Z')); // 08:30 Shanghai; the sender wrote its local 08:30 as "Z"
    rig.post({ kind: 'metric', name: 'gmv', value: 120, occurred_at: '2025-03-14T08:30:00Z', category: undefined, severity: undefined, title: undefined, store: 'Tmall Flagship' });
    rig.clock.set(at('2025-03-14T01:00:00Z')); // 09:00: both points arrived before the run
    const r = renderJobReport({ db: rig.db, settings: rig.settings }, { name: 'Key metrics', type: 'metrics_snapshot', timezone: TZ, template: null }, rig.clock.now());
    // The metric rules judge such a point as arriving then (intake.ts); the report does the same.
    expect(r.content).toContain('gmv · Tmall Flagship: 120');
  });
});
