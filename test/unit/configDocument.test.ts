// The configuration document's checks: whatever JSON arrives, the answer is "valid" or a list of
// problems each naming its path, never an exception (which would be a 500).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HOOK_EXAMPLES } from '../../server/hooks/examples.ts';
import { hookDocOf, metricRuleDoc, metricRuleOf, parseConfigDocument } from '../../server/configAsCode/document.ts';
import { issueTextZh } from '../../server/configAsCode/issueText.ts';
import { leaves, setAt } from '../helpers/jsonLeaves.ts';

/** The import's clock: silences end at most a year after it. */
const NOW = Date.parse('2026-06-01T00:00:00Z');
const VALID = {
  format: 'storeclaw-notifier-config',
  version: 1,
  quiet_hours: { enabled: true, start: '22:00', end: '08:00', time_zone: 'Asia/Shanghai', non_workdays: true },
  message_templates: [{ kind: 'alert', category: null, lang: 'zh', body: '**{{title}}**' }],
  hook_mappings: [hookDocOf('grafana', HOOK_EXAMPLES.grafana)],
  metric_rules: [
    {
      name: 'GMV drop',
      metric: 'gmv',
      store: null,
      condition: { type: 'change', baseline: '7d', direction: 'down', by: 'percent', amount: 30, skip_holidays: true },
      hold: { kind: 'points', count: 2 },
      severity: 'warning',
      category: 'orders',
      mention: 'none',
      title: '{{metric}} {{change}}',
      reminder_hours: 0,
      enabled: true,
    },
  ],
  report_jobs: [{ name: 'Daily', type: 'daily_summary', cron: '0 9 * * *', timezone: 'Asia/Shanghai', template: null, enabled: false, attach_chart: true, chart_metrics: ['gmv'], calendar: 'workdays_cn' }],
  silences: [{ category: 'inventory', title: 'SKU-1 low', store: '', until: '2026-12-31T18:00:00+08:00' }],
};

describe('the configuration document', () => {
  it('accepts a valid document', () => {
    expect(parseConfigDocument(VALID, NOW)).toMatchObject({ ok: true });
  });

  it('carries the workday calendar choices (issue 23): quiet non-workdays, a change rule skipping holidays, a report job on workdays', () => {
    const rule = metricRuleOf(VALID.metric_rules[0] as Parameters<typeof metricRuleOf>[0]);
    expect(rule.condition).toEqual({ type: 'change', baseline: '7d', direction: 'down', by: 'percent', amount: 30, skipHolidays: true });
    expect(metricRuleDoc(rule)).toEqual(VALID.metric_rules[0]);
    // Left out, as in documents from before the calendar: every day, no holidays skipped.
    const { skip_holidays: _, ...plain } = VALID.metric_rules[0]!.condition;
    expect(metricRuleDoc(metricRuleOf({ ...VALID.metric_rules[0]!, condition: plain } as Parameters<typeof metricRuleOf>[0])).condition).toEqual(plain);
    const bad = parseConfigDocument({ ...VALID, report_jobs: [{ ...VALID.report_jobs[0], calendar: 'weekends' }] }, NOW);
    expect(bad.ok).toBe(false);
    expect(JSON.stringify(bad)).toContain('report_jobs.0.calendar');
  });

  it('any JSON: valid, or problems that each name a path; never an exception', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (json) => {
        const r = parseConfigDocument(json, NOW);
        if (!r.ok) for (const issue of r.issues) expect(issue.path.length * issue.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('a valid document with one value replaced: still checked whole, the problem at that path or above it', () => {
    const paths = leaves(VALID);
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue({ maxDepth: 2 }), (path, leaf) => {
        const r = parseConfigDocument(setAt(VALID, path, leaf), NOW);
        if (r.ok) return;
        const dotted = path.join('.');
        // The problem is reported where the value is, or at an enclosing field (a variant's tag, a list, the template it breaks).
        expect(r.issues.some((i) => dotted.startsWith(i.path) || i.path.startsWith(dotted) || i.path === '(root)')).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('quiet hours get the Notifications form’s checks: on with start = end is refused at the end; the zone by its canonical name', () => {
    expect(parseConfigDocument({ ...VALID, quiet_hours: { ...VALID.quiet_hours, start: '22:00', end: '22:00' } }, NOW)).toEqual({
      ok: false,
      issues: [{ path: 'quiet_hours.end', message: 'must differ from start while quiet hours are on' }],
    });
    const off = parseConfigDocument({ ...VALID, quiet_hours: { ...VALID.quiet_hours, enabled: false, start: '22:00', end: '22:00', time_zone: 'america/new_york' } }, NOW);
    expect(off.ok && off.document.quiet_hours).toMatchObject({ enabled: false, time_zone: 'America/New_York' });
  });

  it('says what a limit is in words, not in valibot’s notation', () => {
    const r = parseConfigDocument({
      ...VALID,
      notification_rules: undefined,
      quiet_hours: { ...VALID.quiet_hours, start: '7:00' },
      hook_mappings: [{ ...VALID.hook_mappings[0], summary: 'x'.repeat(1001) }],
      metric_rules: [{ ...VALID.metric_rules[0], reminder_hours: 2.5, hold: { kind: 'points', count: 101 } }],
    }, NOW);
    expect(r).toEqual({
      ok: false,
      issues: expect.arrayContaining([
        { path: 'quiet_hours.start', message: 'must be a time like 22:00' },
        { path: 'hook_mappings.0.summary', message: 'must be at most 1000 characters long, not 1001' },
        { path: 'metric_rules.0.hold.count', message: 'must be at most 100' },
        { path: 'metric_rules.0.reminder_hours', message: 'must be a whole number' },
      ]),
    });
    if (!r.ok) for (const issue of r.issues) expect(issue.message).not.toMatch(/^Invalid |Expected/);
  });

  it('every refusal it can give reads in Chinese too (the console shows the reader’s language)', () => {
    const untranslated = new Set<string>();
    const check = (json: unknown) => {
      const r = parseConfigDocument(json, NOW);
      if (!r.ok) for (const i of r.issues) if (issueTextZh(i.message) === undefined) untranslated.add(i.message);
    };
    fc.assert(fc.property(fc.jsonValue(), (json) => check({ format: 'storeclaw-notifier-config', version: 1, ...(typeof json === 'object' && json !== null ? json : { json }) })), { numRuns: 200 });
    const paths = leaves(VALID);
    const values = fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom('', ' x', 'a\nb', '{{nope}}', '{{title', '{{metric gmv}}', 'x'.repeat(5000), 1e13, -1, 2.5, 'Mars/Base', '61 * * * *', '7:00', 'BAD NAME', 'not a date'));
    fc.assert(fc.property(fc.constantFrom(...paths), values, (path, value) => check(setAt(VALID, path, value))), { numRuns: 1500 });
    check({ ...VALID, quiet_hours: { ...VALID.quiet_hours, end: VALID.quiet_hours.start } });
    check({ ...VALID, hook_mappings: [...VALID.hook_mappings, VALID.hook_mappings[0]] });
    check({ ...VALID, silences: [{ ...VALID.silences[0], until: '2099-01-01T00:00:00Z' }] });
    check({ ...VALID, message_templates: [...VALID.message_templates, VALID.message_templates[0]] });
    check({ ...VALID, report_jobs: [{ ...VALID.report_jobs[0], type: 'custom', template: null }, { ...VALID.report_jobs[0], template: 'x' }] });
    check({ ...VALID, hook_mappings: [{ ...VALID.hook_mappings[0], title: '', severity_map: 'oops', drop_when: 'a ~ b', fields: '__proto__ = x' }] });
    expect([...untranslated]).toEqual([]);
    expect(issueTextZh('hook_mappings.1 is nonsense')).toBeUndefined();
    expect(issueTextZh('must be at most 1000 characters long, not 1001')).toBe('最多 1000 个字符，现在是 1001');
    expect(issueTextZh('line 2: write "name = value"')).toBe('第 2 行：请写成“名称 = 值”');
  });

  it('names duplicates with both places', () => {
    const r = parseConfigDocument({ ...VALID, hook_mappings: [...VALID.hook_mappings, VALID.hook_mappings[0]] }, NOW);
    expect(r).toEqual({ ok: false, issues: [{ path: 'hook_mappings.1', message: 'a mapping with this name is already in hook_mappings.0' }] });
  });
});
