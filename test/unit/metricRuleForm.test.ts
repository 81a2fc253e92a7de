// The metric rule form reads numbers as people and JSON write them, and says which field is wrong.
import { describe, expect, it } from 'vitest';
import { decidesDifferently } from '../../server/metricRules/definition.ts';
import { emptyRuleForm, formFromRule, parseRuleForm } from '../../server/metricRules/ruleForm.ts';

const threshold = { ...emptyRuleForm(), name: 'error rate high', metric: 'error_rate', conditionType: 'threshold', thresholdOp: 'above' };

describe('metric rule form: numbers', () => {
  it.each([
    ['0.0000005', 5e-7],
    ['1e-7', 1e-7],
    ['.5', 0.5],
    ['+5', 5],
    ['-2.5E3', -2500],
    ['1000000000000', 1e12],
  ])('the threshold %s is %d', (written, value) => {
    const parsed = parseRuleForm({ ...threshold, thresholdValue: written });
    expect(parsed.ok && parsed.rule.condition).toEqual({ type: 'threshold', op: 'above', value });
  });

  it.each(['lots', '1e13', '1.2.3', '--5', '0x10', 'Infinity', '1'.repeat(40)])('the threshold %s is refused with the range message on its field', (written) => {
    const parsed = parseRuleForm({ ...threshold, thresholdValue: written });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors.thresholdValue?.key).toBe('form.error.numberRange');
  });

  it('a rule with a threshold of 1e-7 (made through the API or a config import) saves again from its own edit form', () => {
    const parsed = parseRuleForm({ ...threshold, thresholdValue: '1' });
    if (!parsed.ok) throw new Error('the base rule');
    const rule = { ...parsed.rule, condition: { type: 'threshold' as const, op: 'above' as const, value: 1e-7 }, id: 1, createdAt: 0 };
    const again = parseRuleForm(formFromRule(rule));
    expect(again.ok && again.rule.condition).toEqual({ type: 'threshold', op: 'above', value: 1e-7 });
  });
});

describe('metric rule form: what an edit decides', () => {
  it("a no-data rule's hold decides nothing: one stored with another hold (an import of before) saved from its form keeps its states", () => {
    const rule = { metric: '订单数', store: '旗舰店', condition: { type: 'no_data', minutes: 60 }, hold: { kind: 'points', count: 3 } } as const;
    const parsed = parseRuleForm({ ...formFromRule({ ...rule, id: 1, name: 'Orders stopped', severity: 'warning', category: 'orders', mention: 'none', title: 'no {{metric}}', reminderHours: 4, enabled: true, createdAt: 0 }), name: 'renamed' });
    expect(parsed.ok && parsed.rule.hold).toEqual({ kind: 'points', count: 1 });
    expect(parsed.ok && decidesDifferently(rule, parsed.rule)).toBe(false);
    // A threshold rule's hold does decide.
    const threshold = { ...rule, condition: { type: 'threshold', op: 'below', value: 1 } } as const;
    expect(decidesDifferently(threshold, { ...threshold, hold: { kind: 'points', count: 1 } })).toBe(true);
  });
});
