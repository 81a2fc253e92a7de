// The configuration document's refusals in Chinese, for the console. The API answers in English (as
// every API message does); the console shows each problem in its reader's language. Every English
// reason document.ts gives has its pattern here (a test feeds the checks random documents and finds
// none without one); a reason without one is shown in English rather than not at all.

type Rule = [RegExp, string | ((...groups: string[]) => string)];

const THING: Record<string, string> = { characters: '个字符', items: '项' };

const RULES: Rule[] = [
  [/^must not be empty$/, '不能为空'],
  [/^must not start or end with spaces$/, '开头和结尾不能有空格'],
  [/^must not contain line breaks or control characters$/, '不能包含换行或控制字符'],
  [/^must be at most (\S+) characters$/, '最多 $1 个字符'],
  [/^must be at most (\S+) characters, not (\S+)$/, '最多 $1 个字符，现在是 $2 个'],
  [/^must be at most (\S+) characters together$/, '合计最多 $1 个字符'],
  [/^must be at most (\S+) (characters|items) long, not (\S+)$/, (max, thing, got) => `最多 ${max} ${THING[thing]}，现在是 ${got}`],
  [/^must be at least (\S+) (characters|items) long$/, (min, thing) => `至少 ${min} ${THING[thing]}`],
  [/^must hold at most (\S+) items$/, '最多 $1 项'],
  [/^must be at most (\S+), not (.+)$/, '不能大于 $1（现在是 $2）'],
  [/^must be at least (\S+), not (.+)$/, '不能小于 $1（现在是 $2）'],
  [/^must be at most (\S+)$/, '不能大于 $1'],
  [/^must be at least (\S+)$/, '不能小于 $1'],
  [/^must be a whole number(?:, not (.+))?$/, (got) => (got ? `必须是整数（现在是 ${got}）` : '必须是整数')],
  [/^must be a finite number$/, '必须是有限的数字'],
  [/^must match (.+)$/, '格式不符，应匹配 $1'],
  [/^must be a WeCom user id or a mobile number$/, '必须是企业微信用户 ID 或手机号'],
  [/^must be 1-40 lower-case letters, digits, "-" or "_", starting with a letter or digit$/, '必须是 1 到 40 个小写字母、数字、- 或 _，并以字母或数字开头'],
  [/^must be "none", "all" or a list of WeCom user ids \/ mobile numbers$/, '必须是 "none"、"all"，或企业微信用户 ID / 手机号列表'],
  [/^is not a 5-field cron expression that fires \(minute hour day-of-month month day-of-week\)$/, '不是有效且会触发的 5 段 cron 表达式（分 时 日 月 周）'],
  [/^is not a known IANA time zone$/, '不是已知的 IANA 时区'],
  [/^must be a time like 22:00$/, '必须是 22:00 这样的时间'],
  [/^must differ from start while quiet hours are on$/, '开启免打扰时，结束时间必须与开始时间不同'],
  [/^must be null unless the type is "custom"$/, '只有类型为 "custom"（自定义模板）时才能填写，其他类型须为 null'],
  [/^a custom report needs a template$/, '自定义报表需要模板'],
  [/^must be an ISO 8601 date-time with a time zone, e\.g\. "(.+)"$/, '必须是带时区的 ISO 8601 时间，例如 "$1"'],
  [/^must be "(.+)"$/, '必须是 "$1"'],
  [/^this appliance reads version (\S+) documents$/, '本设备只能读取第 $1 版的文档'],
  [/^unknown field "(.*)"$/, '未知字段 "$1"'],
  [/^is required$/, '必填'],
  [/^must be one of (.+), not (.+)$/, '必须是 $1 之一（现在是 $2）'],
  [/^must be (.+), not (.+)$/, '类型应为 $1（现在是 $2）'],
  [/^"\{\{" without a closing "\}\}": (.*)$/s, '“{{” 没有对应的 “}}”：$1'],
  [/^(.+): write \{\{metric "name"\}\} or \{\{metric "name" "store"\}\}$/, '$1：请写成 {{metric "名称"}} 或 {{metric "名称" "店铺"}}'],
  [/^unknown placeholder (.+) \(known: (.+)\)$/, '未知的占位符 $1（可用：$2）'],
  [/^unknown placeholder (.+) for this kind of message$/, '这类消息没有占位符 $1'],
  [/^unknown placeholder (.+)$/, '未知的占位符 $1'],
  [/^(.+) is already in (\S+)$/, (what, where) => `${WHAT[what] ?? what}已在 ${where} 中`],
];

const WHAT: Record<string, string> = {
  'a template for this kind, category and language': '同一消息类型、分类和语言的模板',
  'a mapping with this name': '同名的映射',
};

const HOOK: Rule[] = [
  [/^a title template is required$/, '必须填写标题模板'],
  [/^write "name = value"$/, '请写成“名称 = 值”'],
  [/^the severity must be info, warning or critical$/, '严重级别必须是 info、warning 或 critical'],
  [/^write "path == value", "path != value", "path exists" or "path missing"$/, '请写成“路径 == 值”、“路径 != 值”、“路径 exists”或“路径 missing”'],
  [/^too many lines$/, '行数过多'],
  [/^field names are at most 64 characters and not __proto__, prototype or constructor$/, '字段名最多 64 个字符，且不能是 __proto__、prototype 或 constructor'],
  [/^"\{\{" without a closing "\}\}"(?: at "(.*)")?$/, (at) => `“{{” 没有对应的 “}}”${at ? `（位于 "${at}"）` : ''}`],
  [/^bad placeholder or path \((\w+)\)(?: at "(.*)")?$/, (code, at) => `占位符或路径写法有误（${code}）${at ? `，位于 "${at}"` : ''}`],
];

function apply(rules: Rule[], text: string): string | undefined {
  for (const [written, zh] of rules) {
    // A value quoted in a reason may hold line breaks: "." matches them too.
    const pattern = written.flags.includes('s') ? written : new RegExp(written.source, written.flags + 's');
    const m = pattern.exec(text);
    if (!m) continue;
    return typeof zh === 'string' ? text.replace(pattern, zh) : zh(...m.slice(1).map((g) => g ?? ''));
  }
  return undefined;
}

/** The Chinese for one of document.ts's reasons; undefined when there is none (the English is shown). */
export function issueTextZh(message: string): string | undefined {
  const line = /^line (\d+): (.+)$/s.exec(message);
  if (line) {
    const rest = apply(HOOK, line[2]!);
    return rest && `第 ${line[1]} 行：${rest}`;
  }
  return apply(HOOK, message) ?? apply(RULES, message);
}
