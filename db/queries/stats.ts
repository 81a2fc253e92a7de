import { and, asc, count, desc, eq, gte, isNotNull, ne, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { deliveries, EVENT_OUTCOME_SQL, events, type DeliveryStatus } from '../schema.ts';

export function countDeliveriesSince(db: Db, status: DeliveryStatus, since: number): number {
  return db
    .select({ n: count() })
    .from(deliveries)
    .where(and(eq(deliveries.status, status), gte(deliveries.createdAt, since)))
    .get()!.n;
}

const OUTCOME = sql.raw(EVENT_OUTCOME_SQL) as SQL<string>;

/** Events received since `since`, by outcome (members of a digest not sent yet count as queued). */
export function eventCountsSince(db: Db, since: number): Record<string, number> {
  const rows = db
    .select({ status: OUTCOME, n: count() })
    .from(events)
    .where(gte(events.receivedAt, since))
    .groupBy(OUTCOME)
    .all();
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

export interface Bucket {
  index: number;
  status: string;
  n: number;
}

/**
 * Events since `starts[0]` by bucket and status, the data of the outcome charts: bucket i runs from
 * `starts[i]` to `starts[i + 1]` (the last one on), so buckets can be local hours and days of any length.
 */
export function eventBuckets(db: Db, starts: readonly number[]): Bucket[] {
  const newestFirst = starts.map((start, i) => sql`WHEN ${events.receivedAt} >= ${start} THEN ${i}`).reverse();
  return db
    .select({
      index: sql<number>`CASE ${sql.join(newestFirst, sql` `)} END`,
      status: OUTCOME,
      n: count(),
    })
    .from(events)
    .where(gte(events.receivedAt, starts[0]!))
    .groupBy(sql`1`, sql`2`)
    .all();
}

export function eventsByCategorySince(db: Db, since: number): Array<{ category: string; n: number }> {
  return db
    .select({ category: events.category, n: count() })
    .from(events)
    .where(and(gte(events.receivedAt, since), ne(events.kind, 'metric')))
    .groupBy(events.category)
    .orderBy(asc(events.category))
    .all();
}

/** How many messages WeCom answered 45009 (rate limited) since `since`, also those a retry then sent. */
export function rateLimitedCountSince(db: Db, since: number): number {
  return db.select({ n: count() }).from(deliveries).where(gte(deliveries.rateLimitedAt, since)).get()!.n;
}

export function oldestQueuedAt(db: Db): number | undefined {
  return db.select({ at: sql<number | null>`min(${deliveries.queuedAt})` }).from(deliveries).where(eq(deliveries.status, 'queued')).get()?.at ?? undefined;
}

/** The last message that carried a notification (not a connect/test message) and went out. */
export function lastNotificationSentAt(db: Db): number | undefined {
  return (
    db
      .select({ at: sql<number | null>`max(${deliveries.sentAt})` })
      .from(deliveries)
      .where(and(eq(deliveries.status, 'sent'), ne(deliveries.kind, 'test')))
      .get()?.at ?? undefined
  );
}


/** The last message carrying a notification that WeCom answered with an errcode and that died of it. */
export function lastRefusedNotification(db: Db): { errcode: number; at: number } | undefined {
  const row = db
    .select({ errcode: deliveries.errcode, at: deliveries.lastAttemptAt })
    .from(deliveries)
    .where(and(eq(deliveries.status, 'dead'), ne(deliveries.kind, 'test'), isNotNull(deliveries.errcode), ne(deliveries.errcode, 0), isNotNull(deliveries.lastAttemptAt)))
    .orderBy(desc(deliveries.lastAttemptAt))
    .limit(1)
    .get();
  return row ? { errcode: row.errcode!, at: row.at! } : undefined;
}

/** How many events have `status` (within the retention) and the newest one: both on the status index. */
export function eventsWithStatus(db: Db, status: 'suppressed' | 'held'): { count: number; latest?: { reason: string | null; duplicateOf: number | null; at: number } } {
  const n = db.select({ n: count() }).from(events).where(eq(events.status, status)).get()!.n;
  if (n === 0) return { count: 0 };
  const latest = db
    .select({ reason: events.reason, duplicateOf: events.duplicateOf, at: events.receivedAt })
    .from(events)
    .where(eq(events.status, status))
    .orderBy(desc(events.id))
    .limit(1)
    .get();
  return { count: n, latest };
}

/** Notifications that died (not connect/test messages) waiting for a retry by hand, and the newest: found on the status index. */
export function deadNotifications(db: Db): { count: number; latest?: { at: number; errcode: number | null; failure: string | null } } {
  const dead = and(eq(deliveries.status, 'dead'), ne(deliveries.kind, 'test'));
  const n = db.select({ n: count() }).from(deliveries).where(dead).get()!.n;
  if (n === 0) return { count: 0 };
  const row = db
    .select({ at: sql<number>`coalesce(${deliveries.lastAttemptAt}, ${deliveries.createdAt})`, errcode: deliveries.errcode, failure: deliveries.failure })
    .from(deliveries)
    .where(dead)
    .orderBy(desc(deliveries.id))
    .limit(1)
    .get();
  return { count: n, latest: row };
}
