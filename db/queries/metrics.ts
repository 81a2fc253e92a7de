import { count, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { channel, deliveries, events } from '../schema.ts';

/** Events by kind and status (the rows kept; retention prunes old ones). */
export function eventCountsByKindAndStatus(db: Db): Array<{ kind: string; status: string; n: number }> {
  return db.select({ kind: events.kind, status: events.status, n: count() }).from(events).groupBy(events.kind, events.status).all();
}

export function deliveryCountsByStatus(db: Db): Record<string, number> {
  const rows = db.select({ status: deliveries.status, n: count() }).from(deliveries).groupBy(deliveries.status).all();
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Deliveries whose last WeCom answer carried this errcode (0 excluded): survives restarts, unlike the counters. */
export function deliveryCountsByErrcode(db: Db): Array<{ errcode: number; n: number }> {
  return db
    .select({ errcode: deliveries.errcode, n: count() })
    .from(deliveries)
    .where(sql`${deliveries.errcode} is not null and ${deliveries.errcode} <> 0`)
    .groupBy(deliveries.errcode)
    .all()
    .map((r) => ({ errcode: r.errcode!, n: r.n }));
}

export function oldestQueuedSince(db: Db): number | undefined {
  return (
    db
      .select({ at: sql<number | null>`min(${deliveries.queuedAt})` })
      .from(deliveries)
      .where(inArray(deliveries.status, ['queued', 'sending']))
      .get()?.at ?? undefined
  );
}

export function channelState(db: Db): 'none' | 'connected' | 'invalid' {
  return db.select({ status: channel.status }).from(channel).where(eq(channel.id, 1)).get()?.status ?? 'none';
}

/**
 * Report runs by status, when the reports feature's table exists (it is read by name, so /metrics
 * works on a database from before that migration).
 */
export function reportRunCountsByStatus(db: Db): Record<string, number> | undefined {
  const sqlite = db.$client;
  const table = sqlite.prepare("select name from sqlite_master where type = 'table' and name = 'report_runs'").get();
  if (!table) return undefined;
  const rows = sqlite.prepare('select status, count(*) as n from report_runs group by status').all() as Array<{ status: string; n: number }>;
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

