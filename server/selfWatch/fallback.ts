// The second way out: the appliance's own health alerts to another WeCom group bot, or to any URL
// that takes a small JSON document, for when the main bot is what broke. The URL is a credential
// like the main one: registered with the logger, never shown whole, never in what is sent.
import type { Logger } from '../log.ts';
import type { HttpPost } from '../wecom/httpPost.ts';
import type { WecomClient } from '../wecom/client.ts';
import { fallbackSecrets, type FallbackTarget } from '../wecom/fallbackUrl.ts';
import type { Problem } from './reasons.ts';

export interface HealthNotice {
  type: 'alert' | 'recovery';
  at: number;
  /** The problems new to the outage (alert) or every one it had (recovery). */
  problems: Problem[];
  /** One line per problem in the notification language. */
  lines: string[];
  /** How long the outage lasted (recovery). */
  minutes?: number;
  title: string;
}

export interface FallbackSender {
  target: FallbackTarget;
  /** True once the target answered success. Never throws. */
  send(notice: HealthNotice): Promise<boolean>;
}

export function createFallbackSender(deps: {
  target: FallbackTarget;
  wecom: WecomClient;
  post: HttpPost;
  timeoutMs: number;
  log: Logger;
  version: string;
  publicUrl: string | undefined;
}): FallbackSender {
  const { target } = deps;
  for (const s of fallbackSecrets(target)) deps.log.addSecret(s);
  return {
    target,
    async send(notice) {
      try {
        if (target.kind === 'wecom') {
          const content = [`**${notice.title}**`, ...notice.lines.map((l) => `> ${l}`), deps.publicUrl ? `[${deps.publicUrl}](${deps.publicUrl})` : ''].filter(Boolean).join('\n');
          const result = await deps.wecom.send(target.key, { msgtype: 'markdown', markdown: { content } });
          if (!result.ok) deps.log.warn('the fallback bot refused the health alert', { errcode: result.errcode, reason: result.reason });
          return result.ok;
        }
        const body = JSON.stringify({
          source: 'storeclaw-wecom-notifier',
          type: notice.type,
          title: notice.title,
          at: new Date(notice.at).toISOString(),
          ...(notice.minutes !== undefined ? { minutes: notice.minutes } : {}),
          problems: notice.problems.map((p, i) => ({ reason: p.code, severity: p.severity, since: new Date(p.since).toISOString(), message: notice.lines[i] ?? '' })),
          appliance: { version: deps.version, url: deps.publicUrl ?? null },
        });
        const answer = await deps.post(target.url, body, { 'content-type': 'application/json', 'user-agent': 'storeclaw-wecom-notifier' }, deps.timeoutMs);
        const errcode = refusalErrcode(answer.text);
        const ok = answer.status >= 200 && answer.status < 300 && errcode === undefined;
        if (!ok) deps.log.warn('the fallback URL refused the health alert', { status: answer.status, errcode });
        return ok;
      } catch (err) {
        deps.log.warn('the fallback URL could not be reached', { error: err instanceof Error ? err.message : String(err) });
        return false;
      }
    },
  };
}

/** A 2xx answer whose JSON carries a non-zero `errcode` (WeCom's way, and others') is a refusal. */
function refusalErrcode(text: string): number | undefined {
  try {
    const body = JSON.parse(text) as unknown;
    const errcode = typeof body === 'object' && body !== null && 'errcode' in body ? body.errcode : undefined;
    return typeof errcode === 'number' && errcode !== 0 ? errcode : undefined;
  } catch {
    return undefined;
  }
}
