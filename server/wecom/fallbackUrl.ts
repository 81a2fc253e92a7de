// FALLBACK_WEBHOOK_URL: another WeCom group bot (its key), or any http(s) URL that takes a JSON
// POST. A credential like the main bot's URL: shown only as the bot's last four characters or the
// other URL's host, and every form of it registered with the logger.
import { keyLast4, parseWebhookUrl, WECOM_HOST } from './webhookUrl.ts';

export type FallbackTarget = { kind: 'wecom'; key: string } | { kind: 'json'; url: string };

/** A WeCom group bot's webhook URL (its key), or any other http(s) URL (a small JSON document is POSTed). */
export function parseFallbackUrl(raw: string): { ok: true; target: FallbackTarget } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, message: 'must be a URL: a WeCom group bot webhook URL, or an http(s) URL that accepts a JSON POST' };
  }
  // WeCom's host however written (a trailing dot, any case) is checked as the main form checks it,
  // not taken as a JSON target that WeCom would answer 200 with an errcode.
  if (url.hostname.replace(/\.$/, '') === WECOM_HOST) {
    const parsed = parseWebhookUrl(raw);
    return parsed.ok ? { ok: true, target: { kind: 'wecom', key: parsed.key } } : { ok: false, message: `is not a usable WeCom webhook URL (${parsed.code})` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, message: 'must be an http:// or https:// URL' };
  if (url.username || url.password) return { ok: false, message: 'must not carry a user name or password (put a token in the path or query instead)' };
  return { ok: true, target: { kind: 'json', url: url.href } };
}

/** What the console shows: the bot's last four characters, or only the host of another URL. */
export function describeFallback(target: FallbackTarget): string {
  return target.kind === 'wecom' ? `WeCom bot key=****${keyLast4(target.key)}` : `${new URL(target.url).protocol}//${new URL(target.url).host}/…`;
}

/** Every form of the target the logger must never write. */
export function fallbackSecrets(target: FallbackTarget): string[] {
  if (target.kind === 'wecom') return [target.key];
  const u = new URL(target.url);
  return [target.url, u.pathname + u.search, u.search].filter((s) => s.length > 4);
}

