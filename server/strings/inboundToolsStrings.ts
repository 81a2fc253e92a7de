// Inbound API page tools: copying a new token, the refused-requests list, sample events.
// Merged into the dictionaries in ./translate.ts; the zh type makes a missing or extra key a compile error.

const en = {
  'inbound.created.field': 'Token',
  'inbound.created.copy': 'Copy',
  'inbound.created.copied': 'Copied',
  'inbound.created.gone': 'The token “{name}” was shown once and is not kept, so this page cannot show it again. If you did not copy it, revoke it and create another.',

  'refused.title': 'Refused requests',
  'refused.intro': 'The latest {max} {max:request|requests} the inbound API turned away at sign-in, newest first. Only the first characters of a presented token are kept, never the token.',
  'refused.empty': 'No request has been refused.',
  'refused.col.time': 'Time',
  'refused.col.reason': 'Reason',
  'refused.col.token': 'Token prefix',
  'refused.col.path': 'Endpoint',
  'refused.col.from': 'From',
  'refused.none': 'none sent',
  'refused.reason.no_token': 'no “Authorization: Bearer” header',
  'refused.reason.unknown_token': 'unknown token',
  'refused.reason.revoked_token': 'revoked token',
  'refused.reason.signature_missing': 'signature headers missing',
  'refused.reason.signature_timestamp': 'signature timestamp unreadable',
  'refused.reason.signature_stale': 'signature timestamp more than 5 minutes off',
  'refused.reason.signature_mismatch': 'signature does not match the body',
  'refused.reason.replay': 'signed request received twice (replay)',

  'sample.title': 'Send a sample event',
  'sample.intro': 'Sends a sample through the same path as StoreClaw’s events (rules, queue, rate limit), written in the notification language ({language}). No curl needed for the first message.',
  'sample.kind': 'Kind',
  'sample.send': 'Send a sample event',
  'sample.sent': 'Sample {kind} accepted as event #{id}: {status}.',
  'sample.metricNote': 'A metric is stored for reports and never sent on its own.',
  'sample.language.zh': 'Simplified Chinese',
  'sample.language.en': 'English',
};

const zh: Record<keyof typeof en, string> = {
  'inbound.created.field': '令牌',
  'inbound.created.copy': '复制',
  'inbound.created.copied': '已复制',
  'inbound.created.gone': '令牌“{name}”只显示一次且不会保存，因此本页无法再次显示。如果没有复制，请吊销它并创建新的令牌。',

  'refused.title': '被拒绝的请求',
  'refused.intro': '接入 API 在验证时拒绝的最近 {max} 个请求，最新的在前。只保存所出示令牌的前几个字符，从不保存令牌本身。',
  'refused.empty': '没有被拒绝的请求。',
  'refused.col.time': '时间',
  'refused.col.reason': '原因',
  'refused.col.token': '令牌前缀',
  'refused.col.path': '接口',
  'refused.col.from': '来源',
  'refused.none': '未提供',
  'refused.reason.no_token': '缺少“Authorization: Bearer”请求头',
  'refused.reason.unknown_token': '未知的令牌',
  'refused.reason.revoked_token': '令牌已吊销',
  'refused.reason.signature_missing': '缺少签名请求头',
  'refused.reason.signature_timestamp': '无法读取签名时间戳',
  'refused.reason.signature_stale': '签名时间戳与本机时间相差超过 5 分钟',
  'refused.reason.signature_mismatch': '签名与请求体不符',
  'refused.reason.replay': '同一签名请求收到两次（重放）',

  'sample.title': '发送示例事件',
  'sample.intro': '示例事件与 StoreClaw 的事件走同一路径（规则、队列、限速），使用通知语言（{language}）书写。发送第一条消息无需 curl。',
  'sample.kind': '类型',
  'sample.send': '发送示例事件',
  'sample.sent': '示例{kind}已作为事件 #{id} 接收：{status}。',
  'sample.metricNote': '指标只保存用于报表，不会单独发送。',
  'sample.language.zh': '简体中文',
  'sample.language.en': '英文',
};

export const inboundToolsStrings = { en, zh };
