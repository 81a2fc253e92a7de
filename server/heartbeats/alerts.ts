// What a check's down alert, reminder and recovery say: plain alert events, built here and raised by
// the caller through the inbound intake, so the notification rules, silences, dedupe, quiet hours,
// digests, message templates and the send log apply to them exactly as to any alert.
import { formatDateTime } from '../time/format.ts';
import { translator, type Lang } from '../strings/translate.ts';
import type { AlertEvent, HeartbeatFacts } from '../events/schema.ts';
import { EVENT_LIMITS } from '../events/schema.ts';
import { formatDuration } from '../metricRules/describe.ts';
import type { HeartbeatCheck } from './checks.ts';
import { initialHeartbeatState, type HeartbeatAction } from './plan.ts';

function cut(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, max - 1).join('') + '…';
}

export function describeSchedule(check: Pick<HeartbeatCheck, 'scheduleKind' | 'periodMinutes' | 'cron' | 'timezone' | 'graceMinutes'>, lang: Lang): string {
  const t = translator(lang);
  const schedule =
    check.scheduleKind === 'period'
      ? t('hb.msg.schedule.period', { duration: formatDuration((check.periodMinutes ?? 0) * 60_000, lang) })
      : t('hb.msg.schedule.cron', { cron: check.cron ?? '', zone: check.timezone });
  return t('hb.msg.schedule.grace', { schedule, grace: formatDuration(check.graceMinutes * 60_000, lang) });
}

export function heartbeatFacts(check: HeartbeatCheck, action: HeartbeatAction): HeartbeatFacts {
  return {
    key: check.key,
    name: check.name,
    state: action.type,
    reason: action.reason,
    lastSeen: action.lastSeen,
    expectedAt: action.expectedAt,
    downSince: action.downSince,
    downForMs: action.type === 'down' ? 0 : Math.max(0, action.at - action.downSince),
    ...(action.exitCode !== undefined ? { exitCode: action.exitCode } : {}),
    ...(action.message ? { output: action.message } : {}),
  };
}

/** A failed run's down alert for the template editor's preview. */
export function sampleHeartbeatAlert(lang: Lang, timeZone: string, now: number): AlertEvent & { heartbeat: HeartbeatFacts } {
  const check: HeartbeatCheck = {
    id: 0,
    key: 'price-sync',
    name: lang === 'zh' ? '夜间价格同步' : 'Nightly price sync',
    scheduleKind: 'cron',
    periodMinutes: null,
    cron: '0 2 * * *',
    timezone: timeZone,
    graceMinutes: 30,
    calendar: 'every_day',
    category: 'task',
    severity: 'critical',
    reminderHours: 4,
    paused: false,
    state: initialHeartbeatState(now),
    createdAt: now,
  };
  const action: HeartbeatAction = { type: 'down', at: now, reason: 'failed', lastSeen: now - 26 * 3_600_000, expectedAt: null, downSince: now, message: 'ERROR: upstream 502 Bad Gateway', exitCode: 3 };
  return alertForHeartbeat(check, action, { lang, timeZone });
}

/** The alert event for one action of the check. */
export function alertForHeartbeat(check: HeartbeatCheck, action: HeartbeatAction, ctx: { lang: Lang; timeZone: string }): AlertEvent & { heartbeat: HeartbeatFacts } {
  const { lang, timeZone } = ctx;
  const t = translator(lang);
  const at = (ms: number | null) => (ms === null ? t('hb.msg.never') : formatDateTime(ms, lang, timeZone));
  const facts = heartbeatFacts(check, action);
  const duration = formatDuration(facts.downForMs, lang);
  const lines: string[] = [];
  let title: string;
  if (action.type === 'recovered') {
    title = t('hb.msg.title.recovered', { name: check.name });
    lines.push(t('hb.msg.summary.recovered', { duration, since: at(action.downSince) }));
  } else {
    title = action.type === 'down' ? t('hb.msg.title.down', { name: check.name }) : t('hb.msg.title.reminder', { name: check.name, duration });
    if (action.type === 'reminder') lines.push(t('hb.msg.summary.stillDown', { since: at(action.downSince) }));
    if (action.reason === 'missed') lines.push(t('hb.msg.summary.missed', { lastSeen: at(action.lastSeen), expected: at(action.expectedAt) }));
    else if (action.reason === 'unfinished') lines.push(t('hb.msg.summary.unfinished', { started: at(action.lastSeen), grace: formatDuration(check.graceMinutes * 60_000, lang) }));
    else lines.push(t('hb.msg.summary.failed', { exit: action.exitCode !== undefined ? t('hb.msg.summary.failedExit', { code: action.exitCode }) : '' }));
    if (action.message) lines.push(t('hb.msg.summary.output'), action.message);
  }
  const fields: Record<string, string | number> = {
    [t('hb.msg.field.key')]: cut(check.key, EVENT_LIMITS.fieldValue),
    [t('hb.msg.field.schedule')]: cut(describeSchedule(check, lang), EVENT_LIMITS.fieldValue),
  };
  if (action.exitCode !== undefined) fields[t('hb.msg.field.exitCode')] = action.exitCode;
  if (action.type !== 'down') fields[t('hb.msg.field.downFor')] = duration;
  return {
    kind: 'alert',
    category: check.category,
    severity: action.type === 'recovered' ? 'info' : check.severity,
    title: cut(title, EVENT_LIMITS.title),
    summary: cut(lines.join('\n'), EVENT_LIMITS.summary),
    fields,
    mention: 'none',
    ...(action.type === 'recovered' ? { resolved: true as const } : {}),
    occurred_at: new Date(action.at).toISOString(),
    heartbeat: facts,
    episode: `heartbeat:${check.key}:${action.downSince}`,
  };
}
