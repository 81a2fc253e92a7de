import { eq, inArray, sql } from 'drizzle-orm';
import type Database from 'better-sqlite3';
import type { Db } from '../client.ts';
import { channel, deliveries, EVENT_OUTCOME_SQL } from '../schema.ts';

/**
 * The counts /metrics shows that grow with the tables (kept rows by kind and status, events by
 * outcome). They are plain SQL because they run on a worker thread's own connection
 * (server/metrics/storedCounts.ts), which loads no TypeScript. `events` reads only the index
 * events_kind_outcome_idx, in its order.
 */
export const STORED_COUNT_SQL = {
  events: `select kind, ${EVENT_OUTCOME_SQL} as status, count(*) as n from events group by kind, 2`,
  deliveries: 'select status, count(*) as n from deliveries group by status',
  errcodes: 'select errcode, count(*) as n from deliveries where errcode is not null and errcode <> 0 group by errcode',
  reportRuns: 'select status, count(*) as n from report_runs group by status',
} as const;

export interface StoredCountRows {
  events: Array<{ kind: string; status: string; n: number }>;
  deliveries: Array<{ status: string; n: number }>;
  errcodes: Array<{ errcode: number; n: number }>;
  reportRuns: Array<{ status: string; n: number }>;
}

/** Runs every STORED_COUNT_SQL query on this connection (the worker does the same on its own). */
export function readStoredCounts(sqlite: Database.Database): StoredCountRows {
  return Object.fromEntries(Object.entries(STORED_COUNT_SQL).map(([name, query]) => [name, sqlite.prepare(query).all()])) as unknown as StoredCountRows;
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
