// User-facing messages for webhook URL validation, one per cause, in English and Simplified Chinese.
// `{name}` placeholders are filled from the error's `detail` (or `{params}` from droppedParams).
// `url.cause.*` names each cause in a few words, for the audit log, which stores only the code.
// WeCom errcode explanations live with the codes in server/wecom/errcodes.ts.
import type { WebhookUrlErrorCode } from '../wecom/webhookUrl.ts';

export type WecomStringKey = `url.error.${WebhookUrlErrorCode}` | `url.cause.${WebhookUrlErrorCode}` | 'url.dropped_params';
type WecomStrings = Readonly<Record<WecomStringKey, string>>;

const en: WecomStrings = {
  'url.error.empty': 'Paste the webhook URL of your WeCom group bot.',
  'url.error.too_long':
    'This is too long to be a webhook URL (over {max} {max:character|characters}; a real one is about 90): copy just the URL from the bot settings.',
  'url.error.inner_whitespace':
    'The URL contains a space or line break (position {position}): it was probably split while copying. Paste it again as one line.',
  'url.error.full_width':
    'The URL contains the full-width character “{char}” (position {position}): switch your input method to half-width (English) and type it again, or copy the URL again.',
  'url.error.non_ascii':
    'The URL contains an invisible or non-ASCII character “{char}” ({codePoint}, position {position}): copy the URL again directly from the bot settings.',
  'url.error.missing_scheme': 'The URL must start with https:// — copy the whole URL from the bot settings.',
  'url.error.not_a_url':
    'This is not a webhook URL. It should look like https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx',
  'url.error.wrong_scheme': 'The URL must start with https:// (not http:// or any other scheme).',
  'url.error.wrong_host':
    'The URL must point to qyapi.weixin.qq.com, with no port, user name or other host: the appliance sends only to WeCom.',
  'url.error.wrong_path':
    'The URL must be the bot’s send address, …/cgi-bin/webhook/send?key=… (this one points to another address, such as upload_media).',
  'url.error.missing_key': 'The URL has no key=… part: copy the whole URL from the bot settings.',
  'url.error.empty_key': 'The key in the URL is empty: copy the whole URL from the bot settings.',
  'url.error.duplicate_key': 'The URL contains key= more than once: paste the URL of a single bot.',
  'url.error.key_cut_off':
    'The URL looks cut off: the key has {length} {length:character|characters} but should be 36, like xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx. Copy the whole URL again.',
  'url.error.key_malformed':
    'The key looks mistyped: it should be 36 characters of 0-9 and a-f like xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (this one has {length}). Copy the URL again.',
  'url.cause.empty': 'nothing pasted',
  'url.cause.too_long': 'too long',
  'url.cause.inner_whitespace': 'a space or line break inside',
  'url.cause.full_width': 'a full-width character',
  'url.cause.non_ascii': 'an invisible or non-ASCII character',
  'url.cause.missing_scheme': 'no https://',
  'url.cause.not_a_url': 'not a webhook URL',
  'url.cause.wrong_scheme': 'not https://',
  'url.cause.wrong_host': 'not qyapi.weixin.qq.com',
  'url.cause.wrong_path': 'not the bot’s send address',
  'url.cause.missing_key': 'no key=',
  'url.cause.empty_key': 'an empty key',
  'url.cause.duplicate_key': 'key= more than once',
  'url.cause.key_cut_off': 'the key cut off',
  'url.cause.key_malformed': 'the key mistyped',
  'url.dropped_params': 'These extra URL parameters were removed because WeCom does not need them: {params}',
};

const zh: WecomStrings = {
  'url.error.empty': '请粘贴企业微信群机器人的 Webhook 地址。',
  'url.error.too_long': '内容过长，不是 Webhook 地址（超过 {max} 个字符，正确的地址约 90 个字符）：请只复制机器人设置中的地址。',
  'url.error.inner_whitespace': '地址中含有空格或换行（第 {position} 个字符）：可能是复制时被截成了多行，请作为一整行重新粘贴。',
  'url.error.full_width': '地址中含有全角字符“{char}”（第 {position} 个字符）：请把输入法切换为半角（英文）后重新输入，或重新复制地址。',
  'url.error.non_ascii': '地址中含有不可见或非 ASCII 字符“{char}”（{codePoint}，第 {position} 个字符）：请直接从机器人设置中重新复制地址。',
  'url.error.missing_scheme': '地址必须以 https:// 开头：请从机器人设置中复制完整的地址。',
  'url.error.not_a_url':
    '这不是 Webhook 地址。正确的格式为 https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx',
  'url.error.wrong_scheme': '地址必须以 https:// 开头（不能是 http:// 或其他协议）。',
  'url.error.wrong_host': '地址必须指向 qyapi.weixin.qq.com，且不能带端口、用户名或其他主机：本程序只向企业微信发送消息。',
  'url.error.wrong_path': '地址必须是机器人的发送地址 …/cgi-bin/webhook/send?key=…（当前地址指向其他接口，例如 upload_media）。',
  'url.error.missing_key': '地址中缺少 key=… 部分：请从机器人设置中复制完整的地址。',
  'url.error.empty_key': '地址中的 key 为空：请从机器人设置中复制完整的地址。',
  'url.error.duplicate_key': '地址中出现了多个 key=：请只粘贴一个机器人的地址。',
  'url.error.key_cut_off':
    '地址似乎被截断了：key 只有 {length} 个字符，应为 36 个字符，格式如 xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx。请重新复制完整的地址。',
  'url.error.key_malformed':
    'key 似乎有误：应为由 0-9 和 a-f 组成的 36 个字符，格式如 xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx（当前为 {length} 个字符）。请重新复制地址。',
  'url.cause.empty': '未粘贴内容',
  'url.cause.too_long': '内容过长',
  'url.cause.inner_whitespace': '含有空格或换行',
  'url.cause.full_width': '含有全角字符',
  'url.cause.non_ascii': '含有不可见或非 ASCII 字符',
  'url.cause.missing_scheme': '缺少 https://',
  'url.cause.not_a_url': '不是 Webhook 地址',
  'url.cause.wrong_scheme': '不是 https://',
  'url.cause.wrong_host': '不是 qyapi.weixin.qq.com',
  'url.cause.wrong_path': '不是机器人的发送地址',
  'url.cause.missing_key': '缺少 key=',
  'url.cause.empty_key': 'key 为空',
  'url.cause.duplicate_key': '多个 key=',
  'url.cause.key_cut_off': 'key 被截断',
  'url.cause.key_malformed': 'key 有误',
  'url.dropped_params': '以下多余的地址参数企业微信不需要，已被移除：{params}',
};

export const wecomStrings = { en, zh } as const;
