import { and, desc, eq, gte, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { auditLog } from '../schema.ts';

export type AuditRow = typeof auditLog.$inferSelect;

export interface AuditEntry {
  actor: string;
  action: string;
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
