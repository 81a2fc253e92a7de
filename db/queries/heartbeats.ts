// Heartbeat checks, their check-ins and what they announced. Pings and transitions are bounded per
// check at insert (the newest kept), so a task pinging every minute for years costs a fixed amount.
import { and, asc, desc, eq, gte, lt, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { preparedStatement } from '../prepared.ts';
import { heartbeatChecks, heartbeatPings, heartbeatTransitions, type HeartbeatStatus } from '../schema.ts';

export type HeartbeatCheckRow = typeof heartbeatChecks.$inferSelect;
export type HeartbeatCheckInput = Omit<typeof heartbeatChecks.$inferInsert, 'id' | 'createdAt' | 'updatedAt' | 'status' | 'state' | 'paused'>;
export type HeartbeatPingRow = typeof heartbeatPings.$inferSelect;
export type HeartbeatTransitionRow = typeof heartbeatTransitions.$inferSelect;

/** Newest check-ins and transitions kept per check. */
export const PINGS_KEPT = 500;
export const TRANSITIONS_KEPT = 500;
/** Most checks an appliance holds (each is evaluated every minute). */
export const MAX_HEARTBEAT_CHECKS = 200;

export function listHeartbeatChecks(db: Db): HeartbeatCheckRow[] {
  return db.select().from(heartbeatChecks).orderBy(asc(heartbeatChecks.name), asc(heartbeatChecks.id)).all();
}

export function countHeartbeatChecks(db: Db): number {
  return db.select({ n: sql<number>`count(*)` }).from(heartbeatChecks).get()!.n;
}

export function getHeartbeatCheck(db: Db, id: number): HeartbeatCheckRow | undefined {
  return db.select().from(heartbeatChecks).where(eq(heartbeatChecks.id, id)).get();
}

export function getHeartbeatCheckByKey(db: Db, key: string): HeartbeatCheckRow | undefined {
  return db.select().from(heartbeatChecks).where(eq(heartbeatChecks.key, key)).get();
}

/** Which of these task names are check keys (the intake asks for every task_result it stores). */
export function checkKeysAmong(db: Db, names: readonly string[]): Set<string> {
  const found = new Set<string>();
  const stmt = preparedStatement<[string], { key: string }>(db, 'SELECT key FROM heartbeat_checks WHERE key = ?');
  for (const name of new Set(names)) if (stmt.get(name)) found.add(name);
  return found;
}

export function insertHeartbeatCheck(db: Db, check: HeartbeatCheckInput, status: HeartbeatStatus, state: string, now: number): number {
  return db
    .insert(heartbeatChecks)
    .values({ ...check, status, state, paused: false, createdAt: now, updatedAt: now })
    .returning({ id: heartbeatChecks.id })
    .get().id;
}

export function updateHeartbeatCheck(db: Db, id: number, check: HeartbeatCheckInput, now: number): void {
  db.update(heartbeatChecks).set({ ...check, updatedAt: now }).where(eq(heartbeatChecks.id, id)).run();
}

export function putHeartbeatState(db: Db, id: number, status: HeartbeatStatus, state: string, now: number, paused?: boolean): void {
  db.update(heartbeatChecks)
    .set({ status, state, updatedAt: now, ...(paused !== undefined ? { paused } : {}) })
    .where(eq(heartbeatChecks.id, id))
    .run();
}

export function deleteHeartbeatCheck(db: Db, id: number): boolean {
  return db.delete(heartbeatChecks).where(eq(heartbeatChecks.id, id)).run().changes > 0;
}

/** Keeps a check's newest rows of a per-check history table, so each stays bounded without a pruning job. */
function keepNewest(db: Db, table: 'heartbeat_pings' | 'heartbeat_transitions', checkId: number, kept: number): void {
  preparedStatement(db, `DELETE FROM ${table} WHERE check_id = ? AND id <= (SELECT id FROM ${table} WHERE check_id = ? ORDER BY id DESC LIMIT 1 OFFSET ${kept})`).run(checkId, checkId);
}

export function insertPing(db: Db, ping: Omit<typeof heartbeatPings.$inferInsert, 'id'>): void {
  db.insert(heartbeatPings).values(ping).run();
  keepNewest(db, 'heartbeat_pings', ping.checkId, PINGS_KEPT);
}

export function recentPings(db: Db, checkId: number, limit: number): HeartbeatPingRow[] {
  return db.select().from(heartbeatPings).where(eq(heartbeatPings.checkId, checkId)).orderBy(desc(heartbeatPings.id)).limit(limit).all();
}

export function insertHeartbeatTransition(db: Db, t: Omit<typeof heartbeatTransitions.$inferInsert, 'id'>): void {
  db.insert(heartbeatTransitions).values(t).run();
  keepNewest(db, 'heartbeat_transitions', t.checkId, TRANSITIONS_KEPT);
}

export function transitionsOf(db: Db, checkId: number, limit: number): HeartbeatTransitionRow[] {
  return db.select().from(heartbeatTransitions).where(eq(heartbeatTransitions.checkId, checkId)).orderBy(desc(heartbeatTransitions.id)).limit(limit).all();
}

/** Per check in [since, until): runs that succeeded and failed, and outages announced (by reason). */
export function heartbeatActivity(db: Db, since: number, until: number): Array<{ checkId: number; succeeded: number; failed: number; missed: number; unfinished: number }> {
  const pings = db
    .select({ checkId: heartbeatPings.checkId, kind: heartbeatPings.kind, n: sql<number>`count(*)` })
    .from(heartbeatPings)
    .where(and(gte(heartbeatPings.at, since), lt(heartbeatPings.at, until)))
    .groupBy(heartbeatPings.checkId, heartbeatPings.kind)
    .all();
  const downs = db
    .select({ checkId: heartbeatTransitions.checkId, reason: heartbeatTransitions.reason, n: sql<number>`count(*)` })
    .from(heartbeatTransitions)
    .where(and(eq(heartbeatTransitions.type, 'down'), gte(heartbeatTransitions.at, since), lt(heartbeatTransitions.at, until)))
    .groupBy(heartbeatTransitions.checkId, heartbeatTransitions.reason)
    .all();
  const byCheck = new Map<number, { checkId: number; succeeded: number; failed: number; missed: number; unfinished: number }>();
  const entry = (checkId: number) => byCheck.get(checkId) ?? byCheck.set(checkId, { checkId, succeeded: 0, failed: 0, missed: 0, unfinished: 0 }).get(checkId)!;
  for (const p of pings) {
    if (p.kind === 'success') entry(p.checkId).succeeded += p.n;
    if (p.kind === 'fail') entry(p.checkId).failed += p.n;
  }
  for (const d of downs) {
    if (d.reason === 'missed') entry(d.checkId).missed += d.n;
    if (d.reason === 'unfinished') entry(d.checkId).unfinished += d.n;
  }
  return [...byCheck.values()];
}

export function heartbeatStatusCounts(db: Db): Array<{ status: string; paused: boolean; n: number }> {
  return db
    .select({ status: heartbeatChecks.status, paused: heartbeatChecks.paused, n: sql<number>`count(*)` })
    .from(heartbeatChecks)
    .groupBy(heartbeatChecks.status, heartbeatChecks.paused)
    .all();
}
