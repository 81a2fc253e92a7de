// The Inbound API page's "Send a sample event": one event per kind, written in the notification
// language, so the first message reaches the group without curl. The English ones are the preview's.
import { latestRealEvent } from '../../db/queries/events.ts';
import type { Db } from '../../db/client.ts';
import { sampleEvents } from './builtInRender.ts';
import { defaultSeverity, type Category, type EventKind, type InboundEvent, type TaskResultEvent, type TaskStatus } from '../events/schema.ts';

const zhSamples = (): Record<EventKind, InboundEvent> => {
  const en = sampleEvents();
  return {
    alert: {
      ...en.alert,
      title: '库存不足：陶瓷手冲壶（SKU KT-1024）',
      summary: '仅剩 3 件；按最近 7 天的销量，约 9 小时后售罄。',
      fields: { SKU: 'KT-1024', 库存: 3, 日销量: 8, 仓库: '上海二仓' },
      store: '湖畔咖啡天猫店',
    },
    task_result: {
      ...(en.task_result as Extract<InboundEvent, { kind: 'task_result' }>),
      title: '夜间价格同步',
      task_name: '夜间价格同步',
      summary: '1,200 个商品中已更新 1,184 个；16 个被平台拒绝（价格低于底价）。',
      fields: { 已更新: 1184, 被拒绝: 16 },
      store: '湖畔咖啡天猫店',
    },
    report: {
      ...en.report,
      title: '每日销售汇总 — 3 月 13 日',
      summary: '订单 342（较上周四 +12%），营业额 ¥48,230，退款 4 笔。最畅销：KT-1024。',
      fields: { 订单: 342, 营业额: 48230, 退款: 4, 转化率: '3.8%' },
      store: '湖畔咖啡天猫店',
    },
    metric: { ...en.metric, store: '湖畔咖啡天猫店' },
  };
};

/** A sample of `kind` in `lang`, received now (no occurred_at from the past, no idempotency key). */
export function sampleEvent(kind: EventKind, lang: 'en' | 'zh'): InboundEvent {
  const { occurred_at: _past, ...e } = (lang === 'zh' ? zhSamples() : sampleEvents())[kind];
  return e;
}

/** A failed run of the sample task, consistent with itself: refused, so nothing was updated. */
export function failedTaskSample(lang: 'en' | 'zh'): TaskResultEvent {
  const task = sampleEvent('task_result', lang) as TaskResultEvent;
  return {
    ...task,
    status: 'failed',
    severity: defaultSeverity('task_result', 'failed'),
    summary: lang === 'zh' ? '平台拒绝了价格文件（HTTP 503），没有商品被更新。' : 'The marketplace refused the price file (HTTP 503); no listing was updated.',
    fields: lang === 'zh' ? { 已更新: 0, 被拒绝: 1200 } : { updated: 0, rejected: 1200 },
  };
}

/** What a preview shows: the latest real event that fits, with when it arrived, or a sample. */
export type PreviewEvent = { event: InboundEvent; receivedAt?: number };

/**
 * The newest real event of the kind (category, task statuses, resolved or not), else `sample`:
 * a preview shows what the group will really read, once something has arrived.
 */
export function previewEvent(
  db: Db,
  want: { kind: Exclude<EventKind, 'metric'>; category?: Category; taskStatuses?: readonly TaskStatus[]; resolved?: boolean; heartbeat?: boolean },
  sample: InboundEvent,
): PreviewEvent {
  const row = latestRealEvent(db, want);
  return row ? { event: JSON.parse(row.payload) as InboundEvent, receivedAt: row.receivedAt } : { event: sample };
}
