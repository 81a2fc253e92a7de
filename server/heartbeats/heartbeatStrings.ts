// The words a heartbeat check's messages use, in English and Simplified Chinese (the notification
// language decides which the group reads). `zh` has exactly `en`'s keys.
import { interpolate, type Lang, type Params } from '../../views/i18n/index.ts';

const en = {
  'title.down': 'Heartbeat down: {name}',
  'title.reminder': '[Still down · {duration}] {name}',
  'title.recovered': '[Recovered] {name}',
  'summary.missed': 'No check-in since {lastSeen}; it was expected by {expected}.',
  'summary.failed': 'The task reported a failure{exit}.',
  'summary.failedExit': ' (exit code {code})',
  'summary.unfinished': 'It started at {started} and did not finish within {grace}.',
  'summary.stillDown': 'Down since {since}.',
  'summary.recovered': 'Back up after {duration} down (since {since}).',
  'summary.output': 'Last output:',
  'never': 'never',
  'field.key': 'Check',
  'field.schedule': 'Schedule',
  'field.exitCode': 'Exit code',
  'field.downFor': 'Down for',
  'schedule.period': 'every {duration}',
  'schedule.cron': '{cron} ({zone})',
  'schedule.grace': '{schedule}, grace {grace}',
} as const;

const zh: Record<keyof typeof en, string> = {
  'title.down': '任务心跳异常：{name}',
  'title.reminder': '[仍未恢复 · {duration}] {name}',
  'title.recovered': '[已恢复] {name}',
  'summary.missed': '自 {lastSeen} 起未收到心跳，应在 {expected} 前报到。',
  'summary.failed': '任务报告失败{exit}。',
  'summary.failedExit': '（退出码 {code}）',
  'summary.unfinished': '任务于 {started} 开始，{grace} 内未结束。',
  'summary.stillDown': '自 {since} 起中断。',
  'summary.recovered': '中断 {duration} 后已恢复（自 {since} 起）。',
  'summary.output': '最后输出：',
  'never': '从未',
  'field.key': '心跳',
  'field.schedule': '计划',
  'field.exitCode': '退出码',
  'field.downFor': '中断时长',
  'schedule.period': '每 {duration}',
  'schedule.cron': '{cron}（{zone}）',
  'schedule.grace': '{schedule}，宽限 {grace}',
};

export const HEARTBEAT_STRINGS = { en, zh } as const;
export type HeartbeatStringKey = keyof typeof en;

export function heartbeatText(lang: Lang, key: HeartbeatStringKey, params?: Params): string {
  return interpolate(HEARTBEAT_STRINGS[lang][key], params);
}
