// The summary reports' "Heartbeats" section: per check, how often its task ran, failed and was
// missed in the period, and which checks are down now.
import type { Db } from '../../db/client.ts';
import { heartbeatActivity, listHeartbeatChecks } from '../../db/queries/heartbeats.ts';
import { translator, type Lang } from '../strings/translate.ts';
import { checkFromRow, shownStatus } from './checks.ts';

export interface HeartbeatFigures {
  checks: Array<{ name: string; status: 'new' | 'up' | 'late' | 'down' | 'paused'; ran: number; failed: number; missed: number }>;
}

/** Checks listed at most; the rest are counted. */
export const MAX_CHECKS_LISTED = 30;

/** Undefined when there are no checks (the section is left out). */
export function gatherHeartbeatFigures(db: Db, period: { start: number; end: number }): HeartbeatFigures | undefined {
  const rows = listHeartbeatChecks(db);
  if (!rows.length) return undefined;
  const activity = new Map(heartbeatActivity(db, period.start, period.end).map((a) => [a.checkId, a]));
  const order = { down: 0, late: 1, up: 2, new: 3, paused: 4 } as const;
  return {
    checks: rows
      .map((row) => {
        const check = checkFromRow(row);
        const a = activity.get(check.id);
        return { name: check.name, status: shownStatus(check), ran: (a?.succeeded ?? 0) + (a?.failed ?? 0), failed: a?.failed ?? 0, missed: (a?.missed ?? 0) + (a?.unfinished ?? 0) };
      })
      .sort((x, y) => order[x.status] - order[y.status] || y.failed + y.missed - (x.failed + x.missed)),
  };
}

export function heartbeatsSection(f: HeartbeatFigures, opts: { lang: Lang; strong: (text: string) => string; bullet: string; safe: (text: string) => string }): string {
  const t = translator(opts.lang);
  const down = f.checks.filter((c) => c.status === 'down').length;
  const lines = [opts.strong(t('hb.msg.report.heading')), t('hb.msg.report.down', { count: down })];
  for (const c of f.checks.slice(0, MAX_CHECKS_LISTED)) {
    lines.push(`${opts.bullet}${t('hb.msg.report.line', { name: opts.safe(c.name), ran: c.ran, failed: c.failed, missed: c.missed, state: t(`hb.msg.state.${c.status}`) })}`);
  }
  if (f.checks.length > MAX_CHECKS_LISTED) lines.push(t('hb.msg.report.more', { count: f.checks.length - MAX_CHECKS_LISTED }));
  return lines.join('\n');
}
