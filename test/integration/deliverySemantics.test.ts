// Named regression tests for the defects of issue 11, one per defect, against the real engine
// (SQLite file, fake clock; the fake WeCom where messages are sent).
import { afterEach, describe, expect, it } from 'vitest';
import { getEvent, setEventStatus } from '../../db/queries/events.ts';
import { listDeliveries } from '../../db/queries/deliveries.ts';
import { startEngineRig, type EngineRig } from '../helpers/engineRig.ts';

const rigs: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
});
function engine(): EngineRig {
  const rig = startEngineRig();
  rigs.push(rig);
  return rig;
}

describe('dedupe and escalation (issue 11)', () => {
  it('escalation swallowed by dedupe: a critical repeat of a warning is its own critical message', () => {
    const rig = engine();
    const warning = rig.post({ severity: 'warning' });
    rig.clock.advance(1_000);
    const critical = rig.post({ severity: 'critical', mention: 'all' });
    expect(critical.status).toBe('queued');
    expect(getEvent(rig.db, critical.id)).toMatchObject({ duplicateOf: null, reason: null });
    expect(getEvent(rig.db, warning.id)?.repeatCount).toBe(1);
    const rows = listDeliveries(rig.db, { eventId: critical.id }, { limit: 10 });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.priority === 0 && r.severity === 'critical')).toBe(true);
  });

  it('escalation swallowed by dedupe: in quiet hours the critical escalation is queued, not held with the warning', () => {
    const rig = engine();
    rig.settings.setRules({ ...rig.settings.rules(), quietHours: { enabled: true, start: '00:00', end: '23:59', timeZone: 'UTC' } });
    expect(rig.post({ severity: 'warning' }).status).toBe('held');
    expect(rig.post({ severity: 'critical' }).status).toBe('queued');
  });

  it('a lower or equal severity is still a repeat, counted on the original', () => {
    const rig = engine();
    const critical = rig.post({ severity: 'critical' });
    const warning = rig.post({ severity: 'warning' });
    expect(getEvent(rig.db, warning.id)).toMatchObject({ status: 'suppressed', reason: 'duplicate', duplicateOf: critical.id });
  });

  it('dedupe matching dead originals: a repeat of a dead original is sent again', () => {
    const rig = engine();
    const first = rig.post({});
    setEventStatus(rig.db, [first.id], { status: 'dead', finishedAt: rig.clock.now() });
    rig.clock.advance(1_000);
    const again = rig.post({});
    expect(again.status).toBe('queued');
    expect(getEvent(rig.db, again.id)?.duplicateOf).toBeNull();
  });

  it('dedupe cost growing with repeats: the lookup walks the partial index of originals only', () => {
    const rig = engine();
    for (let i = 0; i < 50; i++) rig.post({});
    const plan = rig.db.$client
      .prepare(
        `EXPLAIN QUERY PLAN SELECT id, severity FROM events WHERE dedupe_key = ? AND received_at > ? AND duplicate_of IS NULL AND status IN ('queued', 'held', 'sent', 'digested') ORDER BY received_at LIMIT 8`,
      )
      .all('k', 0) as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toContain('events_dedupe_original_idx');
    // Repeats are not in it: the index holds the one original.
    const indexed = rig.db.$client
      .prepare(`SELECT count(*) AS n FROM events INDEXED BY events_dedupe_original_idx WHERE dedupe_key IS NOT NULL AND duplicate_of IS NULL AND status IN ('queued', 'held', 'sent', 'digested')`)
      .get() as { n: number };
    expect(indexed.n).toBe(1);
  });
});
