import { describe, expect, it } from 'vitest';
import { matchSilence, MAX_SILENCES, planMute, silenceEndAfter, silenceEndOnDate, type Silence } from '../../server/rules/silences.ts';

const NOW = Date.parse('2026-11-30T01:00:00Z'); // 09:00 in Shanghai
const s = (over: Partial<Silence> = {}): Silence => ({ id: 1, category: 'inventory', title: 'Low stock', store: 'Lakeside', until: NOW + 3600_000, ...over });

describe('silences', () => {
  it('match category, title and store while in force', () => {
    const alert = { kind: 'alert' as const, category: 'inventory' as const, title: 'Low stock', store: 'Lakeside' };
    expect(matchSilence(alert, [s()], NOW)?.id).toBe(1);
    expect(matchSilence(alert, [s({ until: NOW })], NOW)).toBeUndefined();
    expect(matchSilence({ ...alert, store: 'Other' }, [s()], NOW)).toBeUndefined();
    expect(matchSilence({ ...alert, title: 'Low stock!' }, [s()], NOW)).toBeUndefined();
    expect(matchSilence({ ...alert, category: 'orders' }, [s()], NOW)).toBeUndefined();
    expect(matchSilence({ kind: 'alert', category: 'inventory', title: 'Low stock' }, [s({ store: '' })], NOW)?.id).toBe(1);
  });

  it('an Alertmanager resolution falls under its firing\'s silence; an alert merely titled so does not', () => {
    const resolution = { kind: 'alert' as const, category: 'inventory' as const, title: '[RESOLVED] Low stock', store: 'Lakeside' };
    expect(matchSilence({ ...resolution, resolved: true }, [s()], NOW)?.id).toBe(1);
    expect(matchSilence(resolution, [s()], NOW)).toBeUndefined();
    // A title at the limit: the resolution's is cut as Alertmanager's adapter cuts it.
    const long = 'L'.repeat(200);
    expect(matchSilence({ ...resolution, title: `[RESOLVED] ${long}`.slice(0, 200), resolved: true }, [s({ title: long })], NOW)?.id).toBe(1);
  });

  it('muting an alert already muted keeps its one silence, ending at the later end; a new one only below the cap', () => {
    const wanted = { category: 'inventory', title: 'Low stock', store: 'Lakeside' };
    expect(planMute({ ...wanted, until: NOW + 7200_000 }, [s()])).toEqual({ action: 'extend', silence: s(), until: NOW + 7200_000 });
    expect(planMute({ ...wanted, until: NOW + 60_000 }, [s()])).toEqual({ action: 'extend', silence: s(), until: NOW + 3600_000 });
    const full = Array.from({ length: MAX_SILENCES }, (_, i) => s({ id: i + 1, title: `Alert ${i}` }));
    expect(planMute({ ...wanted, until: NOW + 60_000 }, full.slice(1))).toEqual({ action: 'create' });
    expect(planMute({ ...wanted, until: NOW + 60_000 }, full)).toEqual({ action: 'full' });
    expect(planMute({ ...wanted, title: 'Alert 7', until: NOW + 60_000 }, full).action).toBe('extend');
  });

  it('never silence a report', () => {
    expect(matchSilence({ kind: 'report', category: 'inventory', title: 'Low stock', store: 'Lakeside' }, [s()], NOW)).toBeUndefined();
  });

  it('durations and "until a date" (through that whole day in the zone)', () => {
    expect(silenceEndAfter('4h', NOW)).toBe(NOW + 4 * 3600_000);
    expect(silenceEndOnDate('2026-12-01', 'Asia/Shanghai', NOW)).toBe(Date.parse('2026-12-01T16:00:00Z'));
    expect(silenceEndOnDate('2026-11-29', 'Asia/Shanghai', NOW)).toBeUndefined();
    expect(silenceEndOnDate('2028-01-01', 'Asia/Shanghai', NOW)).toBeUndefined();
  });
});
