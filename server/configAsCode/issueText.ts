// The configuration document's refusals in Chinese, for the console, and the event schema's (a hook's
// preview shows why its event would be refused). The API answers in English (as every API message
// does); the console shows each problem in its reader's language. Every English reason document.ts
// and server/events/schema.ts give has its pattern here (tests feed the checks random documents and
// events and find none without one); a reason without one is shown in English rather than not at all.

import { translator } from '../strings/translate.ts';

type Rule = [RegExp, string | ((...groups: string[]) => string)];

// The template editor's own reason (document.ts gives it in the console dictionary's English).
const RENDERS_EMPTY = { en: translator('en')('templates.error.rendersEmpty'), zh: translator('zh')('templates.error.rendersEmpty') };

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
  [/^must be 1-40 lower-case letters, digits, "-" or "_", starting with a letter or digit, and not "new"$/, '必须是 1 到 40 个小写字母、数字、- 或 _，并以字母或数字开头，且不能是“new”'],
  [/^must be "none", "all" or a list of WeCom user ids \/ mobile numbers$/, '必须是 "none"、"all"，或企业微信用户 ID / 手机号列表'],
  [/^is not a 5-field cron expression that fires \(minute hour day-of-month month day-of-week\)$/, '不是有效且会触发的 5 段 cron 表达式（分 时 日 月 周）'],
  [/^is not a known IANA time zone$/, '不是已知的 IANA 时区'],
  [/^must be a time like 22:00$/, '必须是 22:00 这样的时间'],
  [/^must differ from start while quiet hours are on$/, '开启免打扰时，结束时间必须与开始时间不同'],
  [/^must list at least one user id or mobile number when the mode is "list"$/, '提醒方式（mode）为 "list" 时，至少列出一个用户 ID 或手机号'],
  [/^must be null unless the type is "custom"$/, '只有类型为 "custom"（自定义模板）时才能填写，其他类型须为 null'],
  [/^a custom report needs a template$/, '自定义报表需要模板'],
  [/^must be at most a year ahead$/, '不能晚于一年之后'],
  [/^must be an ISO 8601 date-time with a time zone, e\.g\. "(.+)"$/, '必须是带时区的 ISO 8601 时间，例如 "$1"'],
  [/^must be "(.+)"$/, '必须是 "$1"'],
  [/^this appliance reads version (\S+) documents$/, '本设备只能读取第 $1 版的文档'],
  [/^unknown field "(.*)"$/, '未知字段 "$1"'],
  [/^is required$/, '必填'],
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

// What the event schema (or valibot, for a list of choices) says it got instead ("not a number",
// "not Array"); a value it quotes (or null) stays as written, set apart from the Chinese by a space.
const GOT: Record<string, string> = { 'an array': '数组', 'an object': '对象', 'a string': '字符串', 'a number': '数字', 'a boolean': '布尔值', Array: '数组', Object: '对象' };
const got = (what: string) => (Object.hasOwn(GOT, what) ? GOT[what]! : ` ${what}`);

// server/events/schema.ts, before RULES: its "must be a number, not a string" would read as RULES' type error.
const EVENT: Rule[] = [
  [/^must be a JSON object with a "kind" field, not (.+)$/, (x) => `必须是带 "kind" 字段的 JSON 对象（现在是${got(x)}）`],
  [/^must be a JSON object, not (.+)$/, (x) => `必须是 JSON 对象（现在是${got(x)}）`],
  [/^must be a string or a number, not (.+)$/, (x) => `必须是字符串或数字（现在是${got(x)}）`],
  [/^must be a string, not (.+)$/, (x) => `必须是字符串（现在是${got(x)}）`],
  [/^must be a number of milliseconds, not (.+)$/, (x) => `必须是毫秒数（现在是${got(x)}）`],
  [/^must be a number, not (.+)$/, (x) => `必须是数字（现在是${got(x)}）`],
  [/^must be an object of name → value, not (.+)$/, (x) => `必须是“名称 → 值”形式的对象（现在是${got(x)}）`],
  [/^must be an ISO 8601 date-time string, not (.+)$/, (x) => `必须是 ISO 8601 时间字符串（现在是${got(x)}）`],
  [/^must be "none", "all" or a list of WeCom user ids \/ mobile numbers, not (.+)$/, (x) => `必须是 "none"、"all"，或企业微信用户 ID / 手机号列表（现在是${got(x)}）`],
  [/^must be an ISO 8601 date-time with a timezone, e\.g\. "(.+)" or "(.+)"$/, '必须是带时区的 ISO 8601 时间，例如 "$1" 或 "$2"'],
  [/^must not be blank$/, '不能只有空白'],
  [/^must not contain control characters \(found (\S+)\)$/, '不能包含控制字符（发现 $1）'],
  [/^must have at most (\S+) entries$/, '最多 $1 项'],
  [/^must not use the names (.+)$/, '不能使用这些名称：$1'],
  [/^field names must not be empty$/, '字段名不能为空'],
  [/^field names must be at most (\S+) characters$/, '字段名最多 $1 个字符'],
  [/^must be an absolute http:\/\/ or https:\/\/ URL$/, '必须是完整的 http:// 或 https:// 地址'],
  [/^use "mention": "all" to mention everyone$/, '要提醒所有人，请写 "mention": "all"'],
  [/^must be a WeCom user id \(letters, digits and _-@\.\) or a mobile number$/, '必须是企业微信用户 ID（字母、数字和 _-@.）或手机号'],
  [/^must list at least one user id or mobile number \(or be "none"\)$/, '至少列出一个用户 ID 或手机号（或写 "none"）'],
  [/^must list at most (\S+) user ids or mobile numbers$/, '最多列出 $1 个用户 ID 或手机号'],
  [/^must be a whole number of milliseconds$/, '必须是整数毫秒'],
  [/^must not be negative$/, '不能为负数'],
  [/^unknown field "(.*)" \(fields of kind "(\w+)": (.+)\)$/, '未知字段 "$1"（"$2" 类型的字段：$3）'],
  [/^is required for kind "(\w+)"$/, '"$1" 类型必填'],
  [/^is required; one of (.+)$/, '必填，可选值：$1'],
  [/^must be one of (.+), not (.+)$/, (list, x) => `必须是 ${list} 之一（现在是${got(x)}）`],
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

/** The Chinese for one of document.ts's or the event schema's reasons; undefined when there is none (the English is shown). */
export function issueTextZh(message: string): string | undefined {
  const line = /^line (\d+): (.+)$/s.exec(message);
  if (line) {
    const rest = apply(HOOK, line[2]!);
    return rest && `第 ${line[1]} 行：${rest}`;
  }
  if (message === RENDERS_EMPTY.en) return RENDERS_EMPTY.zh;
  return apply(HOOK, message) ?? apply(EVENT, message) ?? apply(RULES, message);
}
