import { describe, expect, it } from 'vitest';
import { CATEGORIES, parseEvent, type Category } from '../../server/events/schema.ts';
import { defaultSeverity } from '../../server/events/schema.ts';
import { ruleEffects, severityRuleVerdict } from '../../server/rules/severity.ts';

const allOn = Object.fromEntries(CATEGORIES.map((c) => [c, true])) as Record<Category, boolean>;

function parsed(body: Record<string, unknown>) {
  const r = parseEvent(body);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.event;
}

describe('severity that matches meaning', () => {
  it('a failed or partial task result defaults to warning, a success to info', () => {
    expect(parsed({ kind: 'task_result', task_name: 'sync', status: 'failed' }).severity).toBe('warning');
    expect(parsed({ kind: 'task_result', task_name: 'sync', status: 'partial' }).severity).toBe('warning');
    expect(parsed({ kind: 'task_result', task_name: 'sync', status: 'succeeded' }).severity).toBe('info');
    expect(parsed({ kind: 'alert', title: 'x' }).severity).toBe('info');
    expect(defaultSeverity('report')).toBe('info');
  });

  it("the sender's own severity wins", () => {
    expect(parsed({ kind: 'task_result', task_name: 'sync', status: 'failed', severity: 'info' }).severity).toBe('info');
    expect(parsed({ kind: 'task_result', task_name: 'sync', status: 'succeeded', severity: 'critical' }).severity).toBe('critical');
  });

  it('minimum severity never suppresses a report; the category switch still does', () => {
    const rules = { categories: allOn, minSeverity: 'critical' as const };
    expect(severityRuleVerdict({ kind: 'report', category: 'orders', severity: 'info' }, rules)).toBeUndefined();
    expect(severityRuleVerdict({ kind: 'alert', category: 'orders', severity: 'warning' }, rules)).toBe('below_min_severity');
    expect(severityRuleVerdict({ kind: 'report', category: 'orders', severity: 'info' }, { ...rules, categories: { ...allOn, orders: false } })).toBe('category_off');
  });

  it('at minimum warning, a failed task with no severity of its own is sent, a succeeded one suppressed', () => {
    const rules = { categories: allOn, minSeverity: 'warning' as const };
    const failed = parsed({ kind: 'task_result', task_name: 'sync', status: 'failed' });
    const ok = parsed({ kind: 'task_result', task_name: 'sync', status: 'succeeded' });
    expect(severityRuleVerdict(failed, rules)).toBeUndefined();
    expect(severityRuleVerdict(ok, rules)).toBe('below_min_severity');
  });

  it('ruleEffects lists what the rules suppress', () => {
    expect(ruleEffects({ categories: allOn, minSeverity: 'info' })).toEqual({ offCategories: [], belowMinimum: [], taskStatusesSuppressed: [] });
    expect(ruleEffects({ categories: { ...allOn, ads: false }, minSeverity: 'warning' })).toEqual({
      offCategories: ['ads'],
      belowMinimum: ['info'],
      taskStatusesSuppressed: ['succeeded'],
    });
    expect(ruleEffects({ categories: allOn, minSeverity: 'critical' }).taskStatusesSuppressed).toEqual(['succeeded', 'partial', 'failed']);
  });
});
