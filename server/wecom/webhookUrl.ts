// Validation of what an admin pastes as the bot's webhook URL. The host is fixed (no SSRF through
// the form): the result is always rebuilt from the key on WeCom's one origin, never the input.
// Of what parseWebhookUrl returns, only a success's `key` and `url` hold characters of the key.

export const WECOM_HOST = 'qyapi.weixin.qq.com';
export const WECOM_ORIGIN = `https://${WECOM_HOST}`;
export const SEND_PATH = '/cgi-bin/webhook/send';

/** One code per cause, each with its own message in server/strings/wecomStrings.ts. */
export const WEBHOOK_URL_ERROR_CODES = [
  'empty',
  'too_long',
  'inner_whitespace',
  'full_width',
  'non_ascii',
  'missing_scheme',
  'not_a_url',
  'wrong_scheme',
  'wrong_host',
  'wrong_path',
  'missing_key',
  'empty_key',
  'duplicate_key',
  'key_cut_off',
  'key_malformed',
] as const;
export type WebhookUrlErrorCode = (typeof WEBHOOK_URL_ERROR_CODES)[number];

/** Values for the `{name}` placeholders of the matching message in wecomStrings. */
export type UrlErrorDetail = Readonly<Record<string, string | number>>;

export type WebhookUrlError = { ok: false; code: WebhookUrlErrorCode; detail?: UrlErrorDetail };
export type WebhookUrlResult = { ok: true; key: string; url: string; droppedParams: string[] } | WebhookUrlError;

/** A real key: a UUID-like 8-4-4-4-12 group of lower-case hex (upper-case input is lowered first). */
const KEY_TEMPLATE = 'hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh';
const KEY_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KEY_LIKE_G = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const HEX_DASH_ONLY = /^[0-9a-fA-F-]+$/;
// Something that starts like a host name ("qyapi.weixin.qq.com/…", "//host/…") but has no scheme.
const SCHEMELESS_HOST = /^(?:\/\/)?[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::\d*)?(?:[/?#]|$)/i;
// Copy-paste from chat apps brings invisible characters that String.trim() leaves in place.
const INVISIBLE = /^[\s\u200b-\u200d\u2060\ufeff]$/;
// A real URL is about 90 characters; far longer input is something else pasted by mistake.
export const MAX_INPUT_LENGTH = 2048;

export function webhookUrlForKey(key: string): string {
  return `${WECOM_ORIGIN}${SEND_PATH}?key=${key}`;
}

export function keyLast4(key: string): string {
  return key.slice(-4);
}

export function maskKey(key: string): string {
  return `****${keyLast4(key)}`;
}

export function maskedWebhookUrl(key: string): string {
  return webhookUrlForKey(maskKey(key));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Removes the key from text that may echo it (WeCom's errmsg hints, error causes): the literal key
 * in any case or URL-encoding, any `key=` value and anything shaped like a key.
 */
export function scrubKey(text: string, key: string): string {
  let out = text;
  for (const form of new Set([key, encodeURIComponent(key)])) {
    if (form !== '') out = out.replace(new RegExp(escapeRegExp(form), 'gi'), '****');
  }
  return out.replace(/key=[^&\s"'<>]*/gi, 'key=****').replace(KEY_LIKE_G, '****');
}

/** Trims outer whitespace and zero-width characters; a loop, as an anchored regex is quadratic here. */
function trimOuter(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && INVISIBLE.test(s.charAt(start))) start += 1;
  while (end > start && INVISIBLE.test(s.charAt(end - 1))) end -= 1;
  return s.slice(start, end);
}

/** The first character that must not be inside a URL, with a safe-to-show description of it. */
function badCharacter(s: string): WebhookUrlError | null {
  let position = 0;
  for (const ch of s) {
    position += 1;
    const cp = ch.codePointAt(0) ?? 0;
    const detail = { position, char: ch, codePoint: `U+${cp.toString(16).toUpperCase().padStart(4, '0')}` };
    if (/\s/.test(ch)) return { ok: false, code: 'inner_whitespace', detail };
    // Full-width forms and CJK punctuation: typed with a Chinese input method left on (：／？。).
    if ((cp >= 0xff01 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x3001 && cp <= 0x303f)) {
      return { ok: false, code: 'full_width', detail };
    }
    if (cp < 0x21 || cp > 0x7e) return { ok: false, code: 'non_ascii', detail };
  }
  return null;
}

/** Classifies a key candidate; lower-cases it first (real keys are lower-case hex). */
function checkKey(raw: string): { ok: true; key: string } | WebhookUrlError {
  const key = raw.toLowerCase();
  if (key === '') return { ok: false, code: 'empty_key' };
  if (KEY_SHAPE.test(key)) return { ok: true, key };
  const isPrefix = key.length < KEY_TEMPLATE.length && [...key].every((c, i) => (KEY_TEMPLATE[i] === '-' ? c === '-' : /[0-9a-f]/.test(c)));
  if (isPrefix) return { ok: false, code: 'key_cut_off', detail: { length: key.length } };
  return { ok: false, code: 'key_malformed', detail: { length: key.length } };
}

/** Parameter names are shown to the admin; a name that holds a key-like hex run is masked. */
function displayParamName(name: string): string {
  return name.replace(/[0-9a-f-]{8,}/gi, '****');
}

export function parseWebhookUrl(input: string): WebhookUrlResult {
  const text = trimOuter(input);
  if (text === '') return { ok: false, code: 'empty' };
  if (text.length > MAX_INPUT_LENGTH) return { ok: false, code: 'too_long', detail: { max: MAX_INPUT_LENGTH } };
  const bad = badCharacter(text);
  if (bad) return bad;

  // Some admins paste only the key; accept it and build the URL around it.
  if (HEX_DASH_ONLY.test(text)) {
    const checked = checkKey(text);
    return checked.ok ? { ok: true, key: checked.key, url: webhookUrlForKey(checked.key), droppedParams: [] } : checked;
  }
  if (!text.includes('://') && SCHEMELESS_HOST.test(text)) return { ok: false, code: 'missing_scheme' };

  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, code: 'not_a_url' };
  }
  if (url.protocol !== 'https:') return { ok: false, code: 'wrong_scheme' };
  // `url.port` is '' for the default 443; any other port, user info or host is another origin.
  if (url.hostname !== WECOM_HOST || url.port !== '' || url.username !== '' || url.password !== '') {
    return { ok: false, code: 'wrong_host' };
  }
  if (url.pathname !== SEND_PATH) return { ok: false, code: 'wrong_path' };

  const keys = url.searchParams.getAll('key');
  if (keys.length === 0) return { ok: false, code: 'missing_key' };
  if (keys.length > 1) return { ok: false, code: 'duplicate_key' };
  const checked = checkKey(keys[0] ?? '');
  if (!checked.ok) return checked;

  const dropped = [...new Set([...url.searchParams.keys()].filter((name) => name !== 'key' && name !== ''))];
  return { ok: true, key: checked.key, url: webhookUrlForKey(checked.key), droppedParams: dropped.map(displayParamName) };
}
