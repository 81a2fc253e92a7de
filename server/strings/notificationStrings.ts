// Every word a WeCom notification (and the console's mention preview) shows, in English and
// Simplified Chinese (category and severity names: eventStrings.ts, shared with the console).
// `en` is the source of the key set; `zh` must have exactly the same keys.

const en = {
  // The category inside a digest heading: "37 inventory alerts".
  'categoryNoun.orders': 'order',
  'categoryNoun.inventory': 'inventory',
  'categoryNoun.ads': 'ad',
  'categoryNoun.products': 'product',
  'categoryNoun.store': 'store',
  'categoryNoun.task': 'task',
  'categoryNoun.other': 'other',

  'messageKind.alert': 'Alert',
  'messageKind.task_result': 'Task result',
  'messageKind.report': 'Report',
  'messageBadge.resolved': 'Resolved',

  'taskStatus.succeeded': 'Succeeded',
  'taskStatus.failed': 'Failed',
  'taskStatus.partial': 'Partially succeeded',

  'label.store': 'Store',
  'label.time': 'Time',
  'label.task': 'Task',
  'label.duration': 'Duration',

  'link.view': 'View in StoreClaw',
  'link.console': 'Open the console',
  'repeat': '×{count}',
  'truncated': '… truncated',
  // An Alertmanager alert's labels past the ones its message lists.
  'moreLabels.one': '… and {count} more label',
  'moreLabels.other': '… and {count} more labels',

  'duration.ms': '{n} ms',
  'duration.s': '{n} s',
  'duration.min': '{n} min',
  'duration.h': '{n} h',
  'duration.d': '{n} d',
  'duration.pair': '{larger} {smaller}',

  'window.s': '{n} s',
  'window.min': '{n} min',
  'window.h': '{n} h',

  'digest.storm.one': '{count} {category} alert in {window}',
  'digest.storm.other': '{count} {category} alerts in {window}',
  'digest.storm.mixed.one': '{count} alert in {window}',
  'digest.storm.mixed.other': '{count} alerts in {window}',
  'digest.quiet.one': '{count} {category} notification held during quiet hours',
  'digest.quiet.other': '{count} {category} notifications held during quiet hours',
  'digest.quiet.mixed.one': '{count} notification held during quiet hours',
  'digest.quiet.mixed.other': '{count} notifications held during quiet hours',
  'digest.followUp.one': '{count} {category} alert (the digest above)',
  'digest.followUp.other': '{count} {category} alerts (the digest above)',
  'digest.followUp.mixed.one': '{count} alert (the digest above)',
  'digest.followUp.mixed.other': '{count} alerts (the digest above)',
  'digest.range': 'From {since} to {until}',
  'digest.count': '{severity}: {count}',
  'digest.top': 'Top {n}:',
  'digest.more': '… and {count} more',
  'digest.console': 'See the console for all of them',

  'mention.none': 'No one is mentioned.',
  'mention.inMessage': '{target}: mentioned in the message itself.',
  'mention.followUp.mobile': '{target}: markdown cannot mention by mobile number, so a short text message with the mention follows.',
  'mention.followUp.all': '@all: markdown cannot mention everyone, so a short text message with @all follows.',
  'mention.followUp.v2': '{target}: markdown_v2 cannot mention anyone, so a short text message with the mention follows.',
  'mention.followUp.cost': 'The follow-up text message counts against the bot’s 20 messages per minute.',
  'mention.unverified': 'WeCom does not say whether a user id or mobile number belongs to someone in the group: check them.',
};

export type NotificationKey = keyof typeof en;

const zh: Record<NotificationKey, string> = {
  'categoryNoun.orders': '订单',
  'categoryNoun.inventory': '库存',
  'categoryNoun.ads': '广告',
  'categoryNoun.products': '商品',
  'categoryNoun.store': '店铺',
  'categoryNoun.task': '任务',
  'categoryNoun.other': '其他',

  'messageKind.alert': '告警',
  'messageKind.task_result': '任务结果',
  'messageKind.report': '报表',
  'messageBadge.resolved': '已恢复',

  'taskStatus.succeeded': '成功',
  'taskStatus.failed': '失败',
  'taskStatus.partial': '部分成功',

  'label.store': '店铺',
  'label.time': '时间',
  'label.task': '任务',
  'label.duration': '耗时',

  'link.view': '在 StoreClaw 中查看',
  'link.console': '打开控制台',
  'repeat': '×{count}',
  'truncated': '…（已截断）',
  'moreLabels.one': '…另有 {count} 个标签',
  'moreLabels.other': '…另有 {count} 个标签',

  'duration.ms': '{n} 毫秒',
  'duration.s': '{n} 秒',
  'duration.min': '{n} 分钟',
  'duration.h': '{n} 小时',
  'duration.d': '{n} 天',
  'duration.pair': '{larger} {smaller}',

  'window.s': '{n} 秒',
  'window.min': '{n} 分钟',
  'window.h': '{n} 小时',

  'digest.storm.one': '{window}内 {count} 条{category}告警',
  'digest.storm.other': '{window}内 {count} 条{category}告警',
  'digest.storm.mixed.one': '{window}内 {count} 条告警',
  'digest.storm.mixed.other': '{window}内 {count} 条告警',
  'digest.quiet.one': '免打扰期间暂存了 {count} 条{category}通知',
  'digest.quiet.other': '免打扰期间暂存了 {count} 条{category}通知',
  'digest.quiet.mixed.one': '免打扰期间暂存了 {count} 条通知',
  'digest.quiet.mixed.other': '免打扰期间暂存了 {count} 条通知',
  'digest.followUp.one': '{count} 条{category}告警（见上方汇总）',
  'digest.followUp.other': '{count} 条{category}告警（见上方汇总）',
  'digest.followUp.mixed.one': '{count} 条告警（见上方汇总）',
  'digest.followUp.mixed.other': '{count} 条告警（见上方汇总）',
  'digest.range': '{since} 至 {until}',
  'digest.count': '{severity} {count}',
  'digest.top': '前 {n} 条：',
  'digest.more': '…另有 {count} 条',
  'digest.console': '完整列表请查看控制台',

  'mention.none': '不提及任何人。',
  'mention.inMessage': '{target}：在消息中直接提及。',
  'mention.followUp.mobile': '{target}：markdown 消息不能按手机号提及，因此随后会发送一条带提及的简短文本消息。',
  'mention.followUp.all': '@all：markdown 消息不能提及所有人，因此随后会发送一条带 @all 的简短文本消息。',
  'mention.followUp.v2': '{target}：markdown_v2 消息不能提及任何人，因此随后会发送一条带提及的简短文本消息。',
  'mention.followUp.cost': '这条随后的文本消息计入机器人每分钟 20 条的发送限额。',
  'mention.unverified': '企业微信不会告知用户 ID 或手机号是否属于群成员：请自行核对。',
};

export const notificationStrings = { en, zh };
