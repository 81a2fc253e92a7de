import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase, type Db } from '../../db/client.ts';
import { buildReport, emptyFigures, splitIntoParts } from '../../server/reports/builders.ts';
import { dailyPeriods, periodsFor } from '../../server/time/periods.ts';
import { renderJobReport } from '../../server/reports/runReport.ts';
import { parseTemplate } from '../../server/reports/reportTemplate.ts';
import { createSettingsStore, type SettingsStore } from '../../server/settings/settingsStore.ts';
import { BYTE_LIMITS, utf8Bytes, type WecomMessage } from '../../server/wecom/messages.ts';
import { seedEvent } from '../helpers/reportData.ts';

const TZ = 'Asia/Shanghai';
// Shanghai is UTC+8: "13 Mar 10:00 local" is 2025-03-13T02:00Z.
const at = (s: string) => Date.parse(s);
const DAILY_REF = at('2025-03-14T01:00:00Z'); // Fri 14 Mar 09:00, the daily job's fire time
const WEEKLY_REF = at('2025-03-17T01:00:00Z'); // Mon 17 Mar 09:00

let dir: string;
let db: Db;
let settings: SettingsStore;

function contentOf(m: WecomMessage): string {
  if (m.msgtype === 'markdown') return m.markdown.content;
  if (m.msgtype === 'markdown_v2') return m.markdown_v2.content;
  if (m.msgtype === 'text') return m.text.content;
  throw new Error(m.msgtype);
}

function report(type: 'daily_summary' | 'weekly_summary' | 'metrics_snapshot' | 'custom', ref: number, template?: string, name = 'Daily summary') {
  return renderJobReport({ db, settings }, { name, type, timezone: TZ, template: template ?? null }, ref);
}

function setDelivery(language: 'en' | 'zh', format: 'markdown' | 'markdown_v2' | 'text') {
  settings.setDelivery({ ...settings.delivery(), language, format });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'report-content-'));
  db = openDatabase(join(dir, 'test.db'));
  settings = createSettingsStore(db, { now: () => 0 }, { timeZone: TZ });

  // Thursday 13 March (the daily report's day).
  seedEvent(db, { kind: 'alert', category: 'inventory', severity: 'critical', at: at('2025-03-13T02:00:00Z'), status: 'sent' });
  seedEvent(db, { kind: 'alert', category: 'inventory', severity: 'critical', at: at('2025-03-13T02:10:00Z'), status: 'dead' });
  seedEvent(db, { kind: 'alert', category: 'inventory', severity: 'warning', at: at('2025-03-13T03:00:00Z'), status: 'digested' });
  const first = seedEvent(db, { kind: 'alert', category: 'orders', severity: 'info', title: 'Refund spike', at: at('2025-03-13T04:00:00Z'), status: 'sent' });
  seedEvent(db, { kind: 'alert', category: 'orders', severity: 'info', title: 'Refund spike', at: at('2025-03-13T04:05:00Z'), status: 'suppressed', duplicateOf: first });
  seedEvent(db, { kind: 'alert', category: 'orders', severity: 'info', at: at('2025-03-13T05:00:00Z'), status: 'sent' });
  seedEvent(db, { kind: 'alert', category: 'orders', severity: 'warning', at: at('2025-03-13T15:50:00Z'), status: 'queued' });
  seedEvent(db, { kind: 'alert', category: 'ads', severity: 'warning', at: at('2025-03-13T06:00:00Z'), status: 'suppressed' });
  seedEvent(db, { kind: 'task_result', taskName: 'Nightly price sync', taskStatus: 'failed', at: at('2025-03-13T02:00:00Z') });
  seedEvent(db, { kind: 'task_result', taskName: 'Nightly price sync', taskStatus: 'failed', at: at('2025-03-13T03:00:00Z') });
  seedEvent(db, { kind: 'task_result', taskName: 'Stock sync', taskStatus: 'partial', at: at('2025-03-13T04:00:00Z') });
  for (const h of ['01', '02', '03']) seedEvent(db, { kind: 'task_result', taskName: 'Order export', taskStatus: 'succeeded', at: at(`2025-03-13T${h}:30:00Z`) });
  seedEvent(db, { kind: 'metric', name: 'gmv', value: 40000, unit: 'CNY', store: 'Tmall Flagship', at: at('2025-03-13T00:00:00Z') });
  seedEvent(db, { kind: 'metric', name: 'gmv', value: 48230, unit: 'CNY', store: 'Tmall Flagship', at: at('2025-03-13T04:00:00Z') });
  seedEvent(db, { kind: 'metric', name: 'orders', value: 342, store: 'Tmall Flagship', at: at('2025-03-13T04:00:00Z') });
  // Received just after midnight, measured just before: it belongs to the 13th.
  seedEvent(db, { kind: 'metric', name: 'refund_rate', value: 1.5, unit: '%', at: at('2025-03-13T16:05:00Z'), occurredAt: at('2025-03-13T15:59:00Z') });

  // Wednesday 12 March (the day before, and part of the same week).
  seedEvent(db, { kind: 'metric', name: 'gmv', value: 47000, unit: 'CNY', store: 'Tmall Flagship', at: at('2025-03-12T02:00:00Z') });
  seedEvent(db, { kind: 'metric', name: 'orders', value: 350, store: 'Tmall Flagship', at: at('2025-03-12T02:00:00Z') });
  seedEvent(db, { kind: 'alert', category: 'store', severity: 'critical', at: at('2025-03-12T02:00:00Z'), status: 'sent' });

  // Friday 14 March, before the daily run: not in the daily report, in the weekly one.
  seedEvent(db, { kind: 'alert', category: 'store', severity: 'critical', at: at('2025-03-13T16:30:00Z'), status: 'sent' });
  seedEvent(db, { kind: 'metric', name: 'gmv', value: 50000, unit: 'CNY', store: 'Tmall Flagship', at: at('2025-03-14T00:00:00Z') });

  // The week before (3–9 March).
  seedEvent(db, { kind: 'metric', name: 'gmv', value: 45000, unit: 'CNY', store: 'Tmall Flagship', at: at('2025-03-08T02:00:00Z') });
  seedEvent(db, { kind: 'alert', category: 'orders', severity: 'critical', at: at('2025-03-08T02:00:00Z'), status: 'sent' });
});

afterAll(() => {
  closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

describe('report content for a seeded data set', () => {
  it('daily summary (previous calendar day), English markdown: exact figures', () => {
    setDelivery('en', 'markdown');
    const r = report('daily_summary', DAILY_REF);
    expect(r.title).toBe('Daily summary · 2025-03-13');
    expect(r.messages).toHaveLength(1);
    expect(contentOf(r.messages[0]!)).toBe(
      [
        '### 📊 Daily summary',
        'Period: yesterday (2025-03-13, Asia/Shanghai)',
        '',
        '**Alerts: 7** · <font color="warning">Critical 2</font> · <font color="warning">Warning 3</font> · Info 2',
        '- Orders: <font color="warning">Warning 1</font> · Info 2',
        '- Inventory: <font color="warning">Critical 2</font> · <font color="warning">Warning 1</font>',
        '- Ads: <font color="warning">Warning 1</font>',
        '',
        '**Task results: 6** · Succeeded 3 · <font color="warning">Failed 2</font> · <font color="warning">Partially succeeded 1</font>',
        'Failed or partial:',
        '- ❌ Nightly price sync — Failed ×2',
        '- 🟡 Stock sync — Partially succeeded ×1',
        '',
        '**Key metrics** (vs the day before)',
        '- gmv · Tmall Flagship: 48,230 CNY (+1,230, +2.6%)',
        '- orders · Tmall Flagship: 342 (-8, -2.3%)',
        '- refund_rate: 1.5% (new)',
        '',
        '**Delivery health**: sent 9 · digested 1 · suppressed 2 · <font color="warning">failed 1</font> · pending 1',
      ].join('\n'),
    );
  });

  it('daily summary in Chinese markdown_v2 (no font colours): the same figures', () => {
    setDelivery('zh', 'markdown_v2');
    const r = report('daily_summary', DAILY_REF, undefined, '每日汇总');
    expect(r.messages[0]!.msgtype).toBe('markdown_v2');
    expect(contentOf(r.messages[0]!)).toBe(
      [
        '### 📊 每日汇总',
        '统计周期：昨天（2025-03-13，Asia/Shanghai）',
        '',
        '**告警：7 条** · 严重 2 · 警告 3 · 提示 2',
        '- 订单：警告 1 · 提示 2',
        '- 库存：严重 2 · 警告 1',
        '- 广告：警告 1',
        '',
        '**任务结果：6 个** · 成功 3 · 失败 2 · 部分成功 1',
        '失败或部分成功：',
        '- ❌ Nightly price sync — 失败 ×2',
        '- 🟡 Stock sync — 部分成功 ×1',
        '',
        '**关键指标**（对比前一天）',
        '- gmv · Tmall Flagship：48,230 CNY（+1,230，+2.6%）',
        '- orders · Tmall Flagship：342（-8，-2.3%）',
        '- refund_rate：1.5%（新增）',
        '',
        '**投递情况**：已发送 9 · 已合并发送 1 · 已抑制 2 · 发送失败 1 · 待发送 1',
      ].join('\n'),
    );
  });

  it('weekly summary (previous Monday–Sunday): exact figures, metrics against the week before', () => {
    setDelivery('en', 'markdown');
    const r = report('weekly_summary', WEEKLY_REF, undefined, 'Weekly summary');
    expect(r.title).toBe('Weekly summary · 2025-03-10 – 2025-03-16');
    const text = contentOf(r.messages[0]!);
    expect(text.split('\n').slice(0, 8)).toEqual([
      '### 📊 Weekly summary',
      'Period: last week (2025-03-10 – 2025-03-16, Asia/Shanghai)',
      '',
      '**Alerts: 9** · <font color="warning">Critical 4</font> · <font color="warning">Warning 3</font> · Info 2',
      '- Orders: <font color="warning">Warning 1</font> · Info 2',
      '- Inventory: <font color="warning">Critical 2</font> · <font color="warning">Warning 1</font>',
      '- Ads: <font color="warning">Warning 1</font>',
      '- Store: <font color="warning">Critical 2</font>',
    ]);
    expect(text).toContain('**Task results: 6** · Succeeded 3 · <font color="warning">Failed 2</font>');
    expect(text).toContain(
      [
        '**Key metrics** (vs the week before)',
        '- gmv · Tmall Flagship: 50,000 CNY (+5,000, +11.1%)',
        '- orders · Tmall Flagship: 342 (new)',
        '- refund_rate: 1.5% (new)',
      ].join('\n'),
    );
    expect(text.endsWith('**Delivery health**: sent 11 · digested 1 · suppressed 2 · <font color="warning">failed 1</font> · pending 1')).toBe(true);
  });

  it('metrics snapshot: the latest value of each metric, against 24 h earlier, with when it was measured', () => {
    setDelivery('en', 'markdown');
    const r = report('metrics_snapshot', DAILY_REF, undefined, 'Key metrics');
    expect(contentOf(r.messages[0]!)).toBe(
      [
        '### 📊 Key metrics',
        'As of 2025-03-14 09:00 (Asia/Shanghai)',
        '',
        '**Key metrics** (vs 24 h earlier)',
        '- gmv · Tmall Flagship: 50,000 CNY (+10,000, +25%) · 2025-03-14 08:00',
        '- orders · Tmall Flagship: 342 (-8, -2.3%) · 2025-03-13 12:00',
        '- refund_rate: 1.5% (new) · 2025-03-13 23:59',
      ].join('\n'),
    );
  });

  it('an empty period says so instead of showing nothing', () => {
    setDelivery('en', 'text');
    const r = report('daily_summary', at('2025-01-02T01:00:00Z'));
    expect(r.messages[0]!.msgtype).toBe('text');
    expect(contentOf(r.messages[0]!)).toBe(
      [
        '📊 Daily summary',
        'Period: yesterday (2025-01-01, Asia/Shanghai)',
        '',
        'Alerts: 0',
        'No alerts in this period.',
        '',
        'Task results: 0',
        'No task results in this period.',
        '',
        'Key metrics (vs the day before)',
        'No metrics reported in this period.',
        '',
        'Delivery health: sent 0 · digested 0 · suppressed 0 · failed 0',
      ].join('\n'),
    );
  });
});

describe('custom template placeholders', () => {
  const TEMPLATE = [
    '## {{job.name}} — {{period.label}}',
    'From {{period.start}} to {{period.end}} ({{period.timezone}}), sent {{now}}',
    'Alerts {{alerts.total}}: critical {{alerts.critical}}, inventory {{alerts.inventory}} (critical {{ alerts.inventory.critical }}), ads info {{alerts.ads.info}}',
    'Tasks {{tasks.total}} = {{tasks.succeeded}} ok + {{tasks.failed}} failed + {{tasks.partial}} partial',
    '{{tasks.failures}}',
    'GMV {{metric "gmv" "Tmall Flagship"}} ({{metric.change "gmv" "Tmall Flagship"}}, was {{metric.previous "gmv" "Tmall Flagship"}})',
    'Orders {{metric “orders”}} · refunds {{metric "refund_rate"}} · visitors {{metric "visitors"}}',
    'Delivery: {{delivery.sent}} sent, {{delivery.digested}} digested, {{delivery.suppressed}} suppressed, {{delivery.dead}} dead, {{delivery.pending}} pending',
  ].join('\n');

  it('fills every placeholder from the previous day’s figures', () => {
    setDelivery('en', 'markdown');
    const r = report('custom', DAILY_REF, TEMPLATE, 'Ops digest');
    expect(r.problems).toEqual([]);
    expect(contentOf(r.messages[0]!)).toBe(
      [
        '## Ops digest — 2025-03-13',
        'From 2025-03-13 00:00 to 2025-03-14 00:00 (Asia/Shanghai), sent 2025-03-14 09:00',
        'Alerts 7: critical 2, inventory 3 (critical 2), ads info 0',
        'Tasks 6 = 3 ok + 2 failed + 1 partial',
        '- ❌ Nightly price sync — Failed ×2',
        '- 🟡 Stock sync — Partially succeeded ×1',
        'GMV 48,230 CNY (+1,230, +2.6%, was 47,000 CNY)',
        'Orders 342 · refunds 1.5% · visitors n/a',
        'Delivery: 9 sent, 1 digested, 2 suppressed, 1 dead, 1 pending',
      ].join('\n'),
    );
  });

  it('sections reuse the summary blocks', () => {
    setDelivery('en', 'markdown');
    const r = report('custom', DAILY_REF, '{{section.tasks}}\n\n{{section.delivery}}');
    expect(contentOf(r.messages[0]!)).toContain('**Task results: 6**');
    expect(contentOf(r.messages[0]!)).toContain('**Delivery health**: sent 9');
  });

  it('leaves unknown placeholders visible and lists them; never evaluates anything', () => {
    setDelivery('en', 'markdown');
    const r = report('custom', DAILY_REF, 'A {{alerts.total}} {{alerts.everything}} {{constructor.constructor("return process")()}} {{metric gmv}} {{ tasks.failed');
    expect(contentOf(r.messages[0]!)).toBe('A 7 {{alerts.everything}} {{constructor.constructor("return process")()}} {{metric gmv}} {{ tasks.failed');
    expect(r.problems).toEqual([
      { code: 'unknown', placeholder: '{{alerts.everything}}' },
      { code: 'unknown', placeholder: '{{constructor.constructor("return process")()}}' },
      { code: 'metricArgs', placeholder: '{{metric gmv}}' },
      { code: 'unclosed', snippet: '{{ tasks.failed' },
    ]);
  });

  it('parses metric placeholders with one or two quoted names, straight or full-width quotes', () => {
    const { segments, problems } = parseTemplate('{{metric "a"}}{{metric.change "a" "b c"}}{{metric “销售额” “天猫旗舰店”}}{{metric}}{{metric "a" "b" "c"}}');
    expect(segments.filter((s) => s.kind === 'metric')).toEqual([
      { kind: 'metric', raw: '{{metric "a"}}', field: 'value', name: 'a', store: null },
      { kind: 'metric', raw: '{{metric.change "a" "b c"}}', field: 'change', name: 'a', store: 'b c' },
      { kind: 'metric', raw: '{{metric “销售额” “天猫旗舰店”}}', field: 'value', name: '销售额', store: '天猫旗舰店' },
    ]);
    expect(problems.map((p) => p.code)).toEqual(['metricArgs', 'metricArgs']);
  });
});

describe('Run now "so far today" on a weekly job', () => {
  // What the figures are compared with is the same hours of yesterday, so the heading must say so.
  const REF = at('2025-03-19T06:00:00Z'); // Wed 19 Mar 14:00 in Shanghai

  function weeklyToday(lang: 'en' | 'zh'): string {
    const figures = emptyFigures();
    figures.metrics = [{ name: 'gmv', store: null, unit: null, value: 10, at: REF - 3600_000, previous: 8 }];
    const periods = periodsFor('weekly_summary', REF, TZ, 'today');
    const built = buildReport({ type: 'weekly_summary', name: 'Weekly', timeZone: TZ, lang, format: 'markdown', periods, ref: REF }, figures);
    return built.messages.map(contentOf).join('\n');
  }

  it('the compared period is yesterday, so the metrics heading must not say "vs the week before" (EN)', () => {
    const periods = periodsFor('weekly_summary', REF, TZ, 'today');
    expect(periods.current.start - periods.previous.start).toBe(24 * 3600_000);
    expect(weeklyToday('en')).not.toContain('(vs the week before)');
    expect(weeklyToday('en')).toContain('**Key metrics** (vs the same hours yesterday)');
  });

  it('the same in Chinese: not "（对比前一周）"', () => {
    expect(weeklyToday('zh')).not.toContain('（对比前一周）');
    expect(weeklyToday('zh')).toContain('**关键指标**（对比昨天同一时段）');
  });
});

describe('long reports', () => {
  it('are split into numbered parts, each within the byte limit, nothing cut', () => {
    const figures = emptyFigures();
    figures.metrics = Array.from({ length: 100 }, (_, i) => ({
      name: `转化率指标-${String(i).padStart(3, '0')}`,
      store: `天猫旗舰店 · 华东仓 ${i}`,
      unit: '%',
      value: 10 + i / 10,
      at: DAILY_REF - 3600_000,
      previous: 10,
    }));
    for (const format of ['markdown', 'text'] as const) {
      const r = buildReport(
        { type: 'daily_summary', name: '每日汇总', timeZone: TZ, lang: 'zh', format, periods: dailyPeriods(DAILY_REF, TZ), ref: DAILY_REF },
        figures,
      );
      const limit = BYTE_LIMITS[format];
      expect(utf8Bytes(r.content)).toBeGreaterThan(2 * limit);
      const n = r.messages.length;
      expect(n).toBeGreaterThanOrEqual(3);
      const contents = r.messages.map(contentOf);
      contents.forEach((c, i) => {
        expect(utf8Bytes(c), `part ${i + 1}`).toBeLessThanOrEqual(limit);
        const header = format === 'text' ? `（${i + 1}/${n}） 每日汇总 · 2025-03-13\n` : `**（${i + 1}/${n}）** 每日汇总 · 2025-03-13\n`;
        expect(c.startsWith(header), c.slice(0, 60)).toBe(true);
      });
      // Every line of the report is in exactly one part, whole.
      const lines = r.content.split('\n').filter((l) => l !== '');
      const partLines = contents.flatMap((c) => c.split('\n').slice(1)).filter((l) => l !== '');
      expect(partLines).toEqual(lines);
    }
  });

  it('keeps the count’s width right when there are ten parts or more', () => {
    const content = Array.from({ length: 400 }, (_, i) => `line ${i} ${'x'.repeat(80)}`).join('\n');
    const parts = splitIntoParts(content, 2048, (i, n) => `(${i}/${n}) T\n`);
    expect(parts.length).toBeGreaterThanOrEqual(10);
    parts.forEach((p, i) => {
      expect(utf8Bytes(p)).toBeLessThanOrEqual(2048);
      expect(p.startsWith(`(${i + 1}/${parts.length}) T\n`)).toBe(true);
    });
    expect(parts.map((p) => p.split('\n').slice(1).join('\n')).join('\n')).toBe(content);
  });
});
