// The console's API reference page in Simplified Chinese. The English is the OpenAPI document itself
// (server/api/openapi.ts, what generated clients read); this is its translation, keyed by operation
// id and answer status, or by security scheme. A test checks that every operation, answer and
// scheme of the document has one, so a new route cannot appear in English only.

export const apiReferenceZh: Readonly<Record<string, string>> = {
  'scheme.bearer': '入站 API 令牌（scn_…），在控制台的“接入 API”页面创建',
  'scheme.signature':
    '"sha256=" 加上以令牌的签名密钥（scs_…，与令牌一起只显示一次，永远不随请求发送）为密钥、对 "<timestamp>.<body>"（GET 请求为 "<timestamp>.<路径和查询>"）计算的 HMAC-SHA256 十六进制值。每个签名只接受一次。创建时勾选“需要签名”的令牌必须签名，其他令牌可选（发送了就会校验）。',
  'scheme.signatureTimestamp': 'Unix 时间（秒），与本设备时钟相差不超过 5 分钟；每个签名都要带上。',

  'postEvent.summary': '发送事件',
  'postEvent.200': '7 天内重复的 idempotency_key：返回第一条事件的 id',
  'postEvent.202': '已保存（已提交），附规则的处理结果',
  'postEvent.400': '不是有效的 JSON，或请求体无效：消息会指出字段和原因',
  'postEvent.401': '缺少令牌、令牌未知或已吊销，或签名错误、过期、重放（或需要签名的令牌没有签名）',
  'postEvent.403': '令牌只限定用于指定的 Hook，而这里不是其中之一',
  'postEvent.413': '请求体超过 64 KiB',
  'postEvent.415': '没有以 application/json 发送',
  'postEvent.503': '数据库无法写入（磁盘已满、只读或被锁定）：没有保存任何内容，请重试',

  'getEvent.summary': '事件的状态、它的消息及发送结果',
  'getEvent.description': '签名的 GET 请求对 `<timestamp>.<路径和查询>` 签名，而不是请求体。',
  'getEvent.200': '事件；状态不会再自行变化时 `final` 为 true',
  'getEvent.400': 'id 不是正整数',
  'getEvent.401': '缺少令牌、令牌未知或已吊销，或签名错误、过期、重放（或需要签名的令牌没有签名）',
  'getEvent.404': '没有用此令牌发送的这条事件（其他令牌的事件也这样应答）',
  'getEvent.413': '请求体超过 64 KiB',
  'getEvent.503': '数据库暂时无法读取（被锁定或出错）：请重试',

  'postAlertmanager.summary': 'Prometheus Alertmanager webhook（第 4 版）：每个告警一条告警事件',
  'postAlertmanager.202': '所有告警均已保存',
  'postAlertmanager.400': '不是有效的 JSON，或请求体无效：消息会指出字段和原因',
  'postAlertmanager.401': '缺少令牌、令牌未知或已吊销，或签名错误、过期、重放（或需要签名的令牌没有签名）',
  'postAlertmanager.403': '令牌只限定用于指定的 Hook，而这里不是其中之一',
  'postAlertmanager.413': '请求体超过 64 KiB',
  'postAlertmanager.415': '没有以 application/json 发送',
  'postAlertmanager.503': '数据库无法写入（磁盘已满、只读或被锁定）：没有保存任何内容，请重试',

  'postMetrics.summary': '一次请求、一次提交最多 500 个指标数据点；指标规则在同一次提交中判断它们',
  'postMetrics.description': '拒绝时会指出第几项和哪个字段，例如 "3.value: must be a number, not a string"；整批数据都不会保存。',
  'postMetrics.202': '所有数据点均已保存',
  'postMetrics.400': '不是有效的 JSON，或请求体无效：消息会指出字段和原因',
  'postMetrics.401': '缺少令牌、令牌未知或已吊销，或签名错误、过期、重放（或需要签名的令牌没有签名）',
  'postMetrics.403': '令牌只限定用于指定的 Hook，而这里不是其中之一',
  'postMetrics.413': '请求体超过 64 KiB',
  'postMetrics.415': '没有以 application/json 发送',
  'postMetrics.503': '数据库无法写入（磁盘已满、只读或被锁定）：没有保存任何内容，请重试',

  'postHook.summary': '任意 JSON webhook，按控制台中定义的映射 {name} 转成告警',
  'postHook.200': '重复的幂等键（返回第一条事件），或被映射的丢弃条件丢弃',
  'postHook.202': '已映射并保存',
  'postHook.400': '不是有效的 JSON，或请求体无效：消息会指出字段和原因',
  'postHook.401': '缺少令牌、令牌未知或已吊销，或签名错误、过期、重放（或需要签名的令牌没有签名）',
  'postHook.403': '令牌只限定用于指定的 Hook，而这里不是其中之一',
  'postHook.404': '没有这个名称的映射',
  'postHook.413': '请求体超过 64 KiB',
  'postHook.415': '没有以 application/json 发送',
  'postHook.503': '数据库无法写入（磁盘已满、只读或被锁定）：没有保存任何内容，请重试',

  'getOpenApi.summary': '本文档',
  'getOpenApi.description': '设置了 PUBLIC_URL 时 `servers` 为该地址，否则为本次请求发往的地址。',
  'getOpenApi.200': 'OpenAPI 3.1',
  'getOpenApi.413': '请求体超过 64 KiB',
};
