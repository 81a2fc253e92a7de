import { and, desc, eq, gte, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { auditLog } from '../schema.ts';

export type AuditRow = typeof auditLog.$inferSelect;

/** Every action the audit log records; the console names each in both languages (a test checks). */
export const AUDIT_ACTIONS = [
  'setup', 'setup.failure', 'login.success', 'login.failure', 'login.throttled', 'login.busy', 'logout', 'password.change', 'sessions.revoke',
  'channel.connect', 'channel.replace', 'channel.connect_failed', 'channel.disconnect', 'channel.test',
  'token.create', 'token.revoke', 'event.sample', 'delivery.retry', 'silence.create', 'silence.extend', 'silence.remove',
  'rules.update', 'settings.update', 'settings.delivery.update', 'template.save', 'template.restore', 'hook.save', 'hook.delete',
  'metric_rule.create', 'metric_rule.update', 'metric_rule.delete', 'metric_rule.store_limit', 'metric_rule.store_refused',
  'report.create', 'report.update', 'report.delete', 'report.run', 'report.enable', 'report.disable', 'report.settings',
  'backup.download', 'backup.restore', 'backup.restore_failed', 'config.import',
  'heartbeat.create', 'heartbeat.update', 'heartbeat.pause', 'heartbeat.resume', 'heartbeat.delete',
  'calendar.day_set', 'calendar.day_remove', 'calendar.year_entered',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who did it: the signed-in admin, an API token (a configuration import), a visitor who is not signed in, or the appliance itself (a limit it reached). */
export const AUDIT_ACTORS = ['admin', 'api', 'anonymous', 'system'] as const;

export interface AuditEntry {
  actor: (typeof AUDIT_ACTORS)[number];
  action: AuditAction;
  detail?: Record<string, unknown>;
  ip?: string | null;
}

export function writeAudit(db: Db, at: number, entry: AuditEntry): void {
  db.insert(auditLog)
    .values({
      at,
      actor: entry.actor,
      action: entry.action,
      detail: entry.detail ? JSON.stringify(entry.detail) : null,
      ip: entry.ip ?? null,
    })
    .run();
}

/**
 * Counts a repeated entry on the latest row of the same action from the same address within
 * `withinMs` (detail.attempts + 1), else writes a new row with attempts 1: a client hammering a
 * closed door is one row, however many times it knocks.
 */
export function writeCoalescedAudit(db: Db, at: number, entry: AuditEntry & { ip: string | null }, withinMs: number): void {
  const latest = db
    .select({ id: auditLog.id })
    .from(auditLog)
    .where(and(eq(auditLog.action, entry.action), entry.ip === null ? isNull(auditLog.ip) : eq(auditLog.ip, entry.ip), gte(auditLog.at, at - withinMs)))
    .orderBy(desc(auditLog.id))
    .limit(1)
    .get();
  if (latest) {
    db.update(auditLog)
      .set({ detail: sql`json_set(coalesce(${auditLog.detail}, '{}'), '$.attempts', coalesce(json_extract(${auditLog.detail}, '$.attempts'), 1) + 1)` })
      .where(eq(auditLog.id, latest.id))
      .run();
  } else {
    writeAudit(db, at, { ...entry, detail: { ...entry.detail, attempts: 1 } });
  }
}

/** Newest first, keyset-paginated by id. */
export function listAudit(db: Db, opts: { beforeId?: number; limit: number }): AuditRow[] {
  const q = db.select().from(auditLog);
  return (opts.beforeId ? q.where(lt(auditLog.id, opts.beforeId)) : q).orderBy(desc(auditLog.id)).limit(opts.limit).all();
}

/**
 * When the command line last restored a backup, if after `since`. The appliance it replaced was
 * stopped, and that appliance's last calls to WeCom are in the replaced database, not this one.
 */
export function cliRestoredSince(db: Db, since: number): number | undefined {
  const row = db.$client.prepare(`SELECT max(at) AS at FROM audit_log WHERE action = 'backup.restore' AND actor = 'cli' AND at > ?`).get(since) as { at: number | null };
  return row.at ?? undefined;
}
