import { desc, lt } from 'drizzle-orm';
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

/** Newest first, keyset-paginated by id. */
export function listAudit(db: Db, opts: { beforeId?: number; limit: number }): AuditRow[] {
  const q = db.select().from(auditLog);
  return (opts.beforeId ? q.where(lt(auditLog.id, opts.beforeId)) : q).orderBy(desc(auditLog.id)).limit(opts.limit).all();
}
