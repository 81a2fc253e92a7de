import type { ChannelStatus } from './channel/wecomChannel.ts';
import type { MessageFormat } from './render/mentionPlacement.ts';
import type { Explanation } from './wecom/errcodes.ts';
import { labelOr, translator, type MessageKey, type Params } from './strings/translate.ts';

export type Verdict = 'ok' | 'warn' | 'bad' | 'info';

export interface Check {
  id: string;
  title: MessageKey;
  verdict: Verdict;
  text: MessageKey;
  params?: Params;
  /** Where to act on what the check found. */
  link?: { href: string; text: MessageKey };
}

/** What the checks look at; gathered by the route, so the verdicts stay a pure function. */
export interface TroubleshootingFacts {
  status: ChannelStatus;
  lastNotificationAt?: number;
  /** The last notification WeCom refused (dead with an errcode), explained as a final message. */
  lastRefusal?: { errcode: number; at: number; explanation: string };
  rateLimited24h: number;
  used: number;
  limit: number;
  queued: number;
  oldestQueuedAt?: number;
  /** Dead notifications waiting for a retry by hand; the newest one's failure, its errcode explained by the route. */
  dead: { count: number; latest?: { at: number; failure: string | null; explanation?: string } };
  /** Events quiet hours (or a non-workday) hold, and when the quiet ends (none once it has: the release is under way). */
  held: { count: number; until?: number };
  /**
   * The channel's last failure without an errcode (network, timeout, a cut-off or unreadable answer,
   * 5xx); `answer` is what WeCom's answer meant when one came (an HTTP status), explained.
   */
  lastTransportFailure?: { failure: string; at: number; answer?: string };
  format: MessageFormat;
  /** Events a rule suppressed (category off, below the minimum severity, silenced, a repeat) and the newest one. */
  suppressed: { count: number; latest?: { reason: string | null; duplicateOf: number | null; at: number } };
  explain: (errcode: number) => Explanation;
  lang: 'en' | 'zh';
  formatTime: (ms: number) => string;
}

/** The seed FAQ as live checks, each with a verdict and what to do. */
export function troubleshootingChecks(f: TroubleshootingFacts): Check[] {
  const s = f.status;
  if (s.state === 'none') {
    return [{ id: 'connected', title: 'trouble.connected.title', verdict: 'bad', text: 'trouble.connected.none' }];
  }
  const checks: Check[] = [
    s.state === 'unreadable'
      ? { id: 'connected', title: 'trouble.connected.title', verdict: 'bad', text: 'trouble.connected.unreadable' }
      : { id: 'connected', title: 'trouble.connected.title', verdict: 'ok', text: 'trouble.connected.ok', params: { time: f.formatTime(s.connectedAt!) } },
    nothingSentCheck(f),
  ];
  if (s.state === 'invalid') {
    const errcode = s.invalidErrcode ?? 93000;
    checks.push({
      id: 'invalid',
      title: 'trouble.invalid.title',
      verdict: 'bad',
      text: 'trouble.invalid.bad',
      params: { errcode, explanation: f.explain(errcode)[f.lang], time: f.formatTime(s.invalidSince ?? s.lastErrorAt ?? Date.now()), queued: f.queued },
    });
  } else {
    checks.push({ id: 'invalid', title: 'trouble.invalid.title', verdict: 'ok', text: 'trouble.invalid.ok' });
  }
  checks.push(
    f.rateLimited24h > 0
      ? { id: 'rate', title: 'trouble.rate.title', verdict: 'warn', text: 'trouble.rate.warn', params: { count: f.rateLimited24h } }
      : { id: 'rate', title: 'trouble.rate.title', verdict: 'ok', text: 'trouble.rate.ok', params: { used: f.used, limit: f.limit } },
  );
  checks.push({
    id: 'elsewhere',
    title: 'trouble.elsewhere.title',
    verdict: 'info',
    text: 'trouble.elsewhere.info',
    params: { last4: s.maskedUrl?.slice(-4) ?? '', url: s.maskedUrl ?? '' },
  });
  checks.push(
    s.state === 'invalid'
      ? { id: 'recreated', title: 'trouble.recreated.title', verdict: 'bad', text: 'trouble.recreated.bad', params: { time: f.formatTime(s.invalidSince ?? s.lastErrorAt ?? Date.now()) } }
      : { id: 'recreated', title: 'trouble.recreated.title', verdict: 'ok', text: 'trouble.recreated.ok' },
  );
  checks.push(reachCheck(f));
  checks.push(
    f.queued > 0 && f.oldestQueuedAt
      ? { id: 'queue', title: 'trouble.queue.title', verdict: 'warn', text: 'trouble.queue.warn', params: { queued: f.queued, time: f.formatTime(f.oldestQueuedAt) } }
      : { id: 'queue', title: 'trouble.queue.title', verdict: 'ok', text: f.held.count > 0 ? 'trouble.queue.okHeld' : 'trouble.queue.ok' },
  );
  if (f.held.count > 0) checks.push(heldCheck(f));
  checks.push(deadCheck(f));
  // Not a failure: the WeCom app shows markdown; only the WeChat plugin cannot.
  if (f.format !== 'text') checks.push({ id: 'format', title: 'trouble.format.title', verdict: 'info', text: 'trouble.format.info' });
  return checks;
}

/** Events held on purpose: not a failure, but the reason nothing arrives until the quiet ends. */
function heldCheck(f: TroubleshootingFacts): Check {
  const { count, until } = f.held;
  return until === undefined
    ? { id: 'held', title: 'trouble.held.title', verdict: 'info', text: 'trouble.held.releasing', params: { count } }
    : { id: 'held', title: 'trouble.held.title', verdict: 'info', text: 'trouble.held.info', params: { count, time: f.formatTime(until) } };
}

/** Dead messages stay dead after later ones go out: only a retry by hand sends them. */
function deadCheck(f: TroubleshootingFacts): Check {
  const latest = f.dead.latest;
  if (!latest) return { id: 'dead', title: 'trouble.dead.title', verdict: 'ok', text: 'trouble.dead.ok' };
  const failure = labelOr(translator(f.lang), `sendLog.failure.${latest.failure}`, latest.failure ?? '');
  const reason = latest.explanation === undefined ? failure : `${failure}: ${latest.explanation}`;
  return {
    id: 'dead',
    title: 'trouble.dead.title',
    verdict: 'warn',
    text: 'trouble.dead.warn',
    params: { count: f.dead.count, time: f.formatTime(latest.at), reason },
    link: { href: '/send-log?status=dead', text: 'trouble.dead.link' },
  };
}

/** Whether WeCom answers: no answer points at the network; an answer that failed says what it was. */
function reachCheck(f: TroubleshootingFacts): Check {
  const last = f.lastTransportFailure;
  if (!last) return { id: 'reach', title: 'trouble.reach.title', verdict: 'ok', text: 'trouble.reach.ok' };
  const params = { failure: labelOr(translator(f.lang), `sendLog.failure.${last.failure}`, last.failure), time: f.formatTime(last.at) };
  return last.answer === undefined
    ? { id: 'reach', title: 'trouble.reach.title', verdict: 'bad', text: 'trouble.reach.bad', params }
    : { id: 'reach', title: 'trouble.reach.title', verdict: 'warn', text: 'trouble.reach.answered', params: { ...params, explanation: last.answer } };
}

/** Whether notifications reach the group: events refused by WeCom are not "no notification triggered". */
function nothingSentCheck(f: TroubleshootingFacts): Check {
  const refusal = f.lastRefusal;
  if (refusal && (f.lastNotificationAt === undefined || refusal.at > f.lastNotificationAt)) {
    const params = { errcode: refusal.errcode, explanation: refusal.explanation, time: f.formatTime(refusal.at) };
    return { id: 'nothing-sent', title: 'trouble.nothingSent.title', verdict: 'bad', text: 'trouble.nothingSent.refused', params };
  }
  if (f.lastNotificationAt) {
    return { id: 'nothing-sent', title: 'trouble.nothingSent.title', verdict: 'ok', text: 'trouble.nothingSent.ok', params: { time: f.formatTime(f.lastNotificationAt) } };
  }
  // Events did arrive: sending the admin to StoreClaw's webhook settings would be the wrong way.
  const latest = f.suppressed.latest;
  if (latest) {
    const t = translator(f.lang);
    const reason = latest.reason === 'duplicate' ? t('event.reason.duplicate', { id: latest.duplicateOf ?? '?' }) : labelOr(t, `event.reason.${latest.reason}`, latest.reason ?? '');
    const params = { count: f.suppressed.count, time: f.formatTime(latest.at), reason };
    return { id: 'nothing-sent', title: 'trouble.nothingSent.title', verdict: 'warn', text: 'trouble.nothingSent.suppressed', params };
  }
  return { id: 'nothing-sent', title: 'trouble.nothingSent.title', verdict: 'warn', text: 'trouble.nothingSent.none' };
}
