import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS, AUDIT_ACTORS } from '../../db/queries/audit.ts';
import { TEST_TITLES } from '../../server/channel/wecomChannel.ts';
import { digestTitle } from '../../server/delivery/policy/fold.ts';
import { dictionaries, translator, type Lang } from '../../server/strings/translate.ts';
import type { ViewContext } from '../../views/context.ts';
import { auditDetailLines } from '../../views/pages/audit.tsx';
import { ApiReferencePage } from '../../views/pages/apiReference.tsx';
import { buildOpenApiDocument } from '../../server/api/openapi.ts';
import { deliveryTitle } from '../../views/pages/sendLog.tsx';

const ctx = (lang: Lang): ViewContext => ({ t: translator(lang), lang, path: '/', timeZone: 'Asia/Shanghai' });
const state = (total: number) => ({ total, counts: { info: 0, warning: total, critical: 0 }, since: 0, until: 0, top: [] });

describe('the send log and audit log in the reader’s language', () => {
  it('names every audit action and actor in both languages', () => {
    for (const lang of ['en', 'zh'] as const) {
      const missing = [...AUDIT_ACTIONS.map((a) => `audit.action.${a}`), ...AUDIT_ACTORS.map((a) => `audit.actor.${a}`)].filter((key) => !(key in dictionaries[lang]));
      expect(missing, lang).toEqual([]);
    }
  });

  it('shows the appliance’s own messages (tests, digests) in the reader’s language, not as stored', () => {
    const zh = ctx('zh');
    expect(deliveryTitle(zh, { kind: 'test', title: TEST_TITLES.connected })).toBe('连接测试');
    expect(deliveryTitle(zh, { kind: 'test', title: TEST_TITLES.manual })).toBe('测试通知');
    expect(deliveryTitle(zh, { kind: 'digest', title: digestTitle(state(2), 'products', 'quiet_hours') })).toBe('2 × 商品（免打扰时段）');
    expect(deliveryTitle(zh, { kind: 'digest', title: `${digestTitle(state(37), 'inventory', 'storm')} · @` })).toBe('37 × 库存（合并发送） · @');
    expect(deliveryTitle(ctx('en'), { kind: 'digest', title: digestTitle(state(2), 'products', 'storm') })).toBe('2 × Products (digest)');
    // Events keep their own titles, whatever they look like.
    expect(deliveryTitle(zh, { kind: 'alert', title: '3 × products (digest)' })).toBe('3 × products (digest)');
  });

  it('names every failure a send-log row can hold in both languages', () => {
    // wecom/errcodes.ts FailureClass, delivery/outbox.ts (interrupted), reports/runReport.ts (chart_render).
    const failures = ['transient', 'rate_limited', 'too_long', 'invalid_channel', 'permanent', 'interrupted', 'chart_render'];
    for (const lang of ['en', 'zh'] as const) {
      expect(failures.filter((f) => !(`sendLog.failure.${f}` in dictionaries[lang])), lang).toEqual([]);
    }
  });

  it('writes audit details as words and dates, never raw JSON or milliseconds', () => {
    const until = Date.parse('2026-12-24T16:00:00Z');
    const silence = JSON.stringify({ id: 3, category: 'orders', title: 'Refund spike', store: null, until });
    expect(auditDetailLines(ctx('zh'), silence)).toEqual(['编号: 3', '分类: 订单', '标题: Refund spike', '店铺: —', '截止: 2026-12-25 00:00:00 (GMT+8)']);
    expect(auditDetailLines(ctx('zh'), JSON.stringify({ kind: 'alert', status: 'succeeded' }))).toEqual(['类型: 告警', '状态: 已入队']);
    const rules = JSON.stringify({ changed: { categories: { ads: false }, minSeverity: 'warning' } });
    expect(auditDetailLines(ctx('zh'), rules)).toEqual(['修改 · categories.ads: 否', '修改 · minSeverity: warning']);
    // Stored codes in the reader's words, read when the page is drawn (rows written before read the same).
    const codes = { kind: 'resolved', category: 'all', lang: 'en', scopes: ['send', 'admin'], period: 'today', reason: 'key_cut_off', failure: 'transient', type: 'daily_summary', calendar: 'workdays_cn' };
    expect(auditDetailLines(ctx('zh'), JSON.stringify(codes))).toEqual([
      '类型: 告警恢复',
      '分类: 所有分类',
      '语言: English',
      '权限范围: 发送（send）, 管理（admin）',
      '时段: 今天截至目前',
      '原因: key 被截断',
      '失败原因: 暂时失败',
      '类型: 每日汇总',
      '日历: 工作日（中国）',
    ]);
    // A code with no words of its own (or a key named like an Object property) shows as stored.
    expect(auditDetailLines(ctx('zh'), JSON.stringify({ reason: 'new_cause', constructor: 'x' }))).toEqual(['原因: new_cause', 'constructor: x']);
    expect(auditDetailLines(ctx('en'), JSON.stringify({ attempts: 7 }))).toEqual(['refused attempts: 7']);
    // What a refused guess happened during: a code, and on rows stored before it was one, the English words.
    expect(auditDetailLines(ctx('zh'), JSON.stringify({ during: 'password_change', attempts: 2 }))).toEqual(['发生于: 修改密码', '被拒绝次数: 2']);
    expect(auditDetailLines(ctx('zh'), JSON.stringify({ during: 'password change' }))).toEqual(['发生于: 修改密码']);
    expect(auditDetailLines(ctx('en'), JSON.stringify({ during: 'password_change' }))).toEqual(['during: password change']);
    expect(auditDetailLines(ctx('en'), null)).toEqual([]);
    expect(auditDetailLines(ctx('en'), 'not json')).toEqual(['not json']);
  });

  it('the API reference page reads in Chinese for a Chinese reader, in the document’s English otherwise', async () => {
    const doc = buildOpenApiDocument();
    const zh = String(await ApiReferencePage({ ctx: ctx('zh'), doc }));
    expect(zh).toContain('发送事件');
    expect(zh).toContain('请求体超过 64 KiB');
    expect(zh).not.toContain('Send an event');
    const en = String(await ApiReferencePage({ ctx: ctx('en'), doc }));
    expect(en).toContain('Send an event');
    expect(en).not.toContain('发送事件');
  });
});
