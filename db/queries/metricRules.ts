// Metric rules, their state per store and what they announced. The per-point statements (state,
// baseline lookups) are prepared once per connection (db/prepared.ts): they run inside the intake's hot path.
import { asc, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { preparedStatement } from '../prepared.ts';
import { metricRules, metricRuleStates, metricRuleTransitions } from '../schema.ts';

export type MetricRuleRow = typeof metricRules.$inferSelect;
export type MetricRuleInsert = Omit<typeof metricRules.$inferInsert, 'id' | 'createdAt' | 'updatedAt'>;
export type MetricRuleTransitionRow = typeof metricRuleTransitions.$inferSelect;
export type StateRow = { ruleId: number; store: string; status: string; state: string };

// The metric point expressions, spelled exactly as events_metric_idx so SQLite uses it.
const NAME = `json_extract(payload, '$.name')`;
const STORE = `coalesce(store, '')`;
// When a point was measured as the rules judge it: no later than it arrived (server/delivery/intake.ts).
const AT = `min(coalesce(occurred_at, received_at), received_at)`;

const PUT_STATE = `INSERT INTO metric_rule_states (rule_id, store, status, state, updated_at) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (rule_id, store) DO UPDATE SET status = excluded.status, state = excluded.state, updated_at = excluded.updated_at`;

const UPDATE_STATE = `UPDATE metric_rule_states SET state = ?, updated_at = ? WHERE rule_id = ? AND store = ?`;
const UPDATE_STATE_AND_STATUS = `UPDATE metric_rule_states SET status = ?, state = ?, updated_at = ? WHERE rule_id = ? AND store = ?`;

const VALUE_BETWEEN = `SELECT json_extract(payload, '$.value') FROM events
  WHERE kind = 'metric' AND ${NAME} = ? AND ${STORE} = ? AND ${AT} > ? AND ${AT} <= ?
  ORDER BY ${AT} DESC LIMIT 1`;

export function listMetricRules(db: Db): MetricRuleRow[] {
  return db.select().from(metricRules).orderBy(asc(metricRules.id)).all();
}

export function getMetricRule(db: Db, id: number): MetricRuleRow | undefined {
  return db.select().from(metricRules).where(eq(metricRules.id, id)).get();
}

export function insertMetricRule(db: Db, rule: MetricRuleInsert, now: number): number {
  return db.insert(metricRules).values({ ...rule, createdAt: now, updatedAt: now }).returning({ id: metricRules.id }).get().id;
}

export function updateMetricRule(db: Db, id: number, rule: MetricRuleInsert, now: number): void {
  db.update(metricRules).set({ ...rule, updatedAt: now }).where(eq(metricRules.id, id)).run();
}

export function deleteMetricRule(db: Db, id: number): void {
  db.delete(metricRules).where(eq(metricRules.id, id)).run();
}

const STORE_STATES = `SELECT states FROM metric_store_states WHERE metric = ? AND store = ?`;
const UPDATE_STORE_STATES = `UPDATE metric_store_states SET states = ?, updated_at = ? WHERE metric = ? AND store = ?`;
const INSERT_STORE_STATES = `INSERT INTO metric_store_states (metric, store, states, updated_at) VALUES (?, ?, ?, ?)`;
// A rule's entry in a row: its id as the key (SQL's JSON path quotes it).
const ENTRY_PATH = `'$."' || ? || '"'`;

/** Every rule's state for one metric and store (JSON: rule id → state), if any rule has one. */
export function getStoreStates(db: Db, metric: string, store: string): string | undefined {
  return preparedStatement<[string, string], string>(db, STORE_STATES, 'pluck').get(metric, store);
}

/** Writes every rule's state for one metric and store (an update first: the row is there for all but a store's first point). */
export function putStoreStates(db: Db, metric: string, store: string, states: string, now: number): void {
  if (preparedStatement(db, UPDATE_STORE_STATES).run(states, now, metric, store).changes === 0) preparedStatement(db, INSERT_STORE_STATES).run(metric, store, states, now);
}

/** Rules a state read names at most: at most this many prepared statements, whatever the rule count. */
const STATE_READ_RULES = 8;

/**
 * The states of one store under several rules, a statement per 8 rules (a point's rules are judged
 * together). Read as arrays, without the store the caller already has: every point reads one row
 * per rule, and an object per row cost a point about 4% more in process.
 */
export function getRuleStates(db: Db, ruleIds: readonly number[], store: string): StateRow[] {
  const rows: StateRow[] = [];
  for (let i = 0; i < ruleIds.length; i += STATE_READ_RULES) {
    const ids = ruleIds.slice(i, i + STATE_READ_RULES);
    const sql = `SELECT rule_id, status, state FROM metric_rule_states WHERE store = ? AND rule_id IN (${ids.map(() => '?').join(', ')})`;
    for (const [ruleId, status, state] of preparedStatement<unknown[], [number, string, string]>(db, sql, 'raw').all(store, ...ids)) rows.push({ ruleId, store, status, state });
  }
  return rows;
}

/**
 * Rewrites a state read earlier in this transaction (false if it is gone). A point that leaves the
 * status as it was (most of them) does not write the status column, so SQLite leaves
 * metric_rule_states_status_idx alone; both forms are cheaper than the upsert, which first tries an insert.
 */
export function updateRuleState(db: Db, ruleId: number, store: string, status: string | undefined, state: string, now: number): boolean {
  const { changes } =
    status === undefined
      ? preparedStatement(db, UPDATE_STATE).run(state, now, ruleId, store)
      : preparedStatement(db, UPDATE_STATE_AND_STATUS).run(status, state, now, ruleId, store);
  return changes === 1;
}

export function putRuleState(db: Db, ruleId: number, store: string, status: string, state: string, now: number): void {
  preparedStatement(db, PUT_STATE).run(ruleId, store, status, state, now);
}

// What a minute's tick may have to act on, mirroring evaluate.ts's reminderDue and silenceDeadline
// so the tick reads only these rows instead of parsing every state: firing states owing a
// reminder, and states of no-data rules whose silence passed its deadline. The evaluator decides.
// The last point's time, which every point changes, is the metric and store row's; the state
// answered is that row's entry (the index's own for a state without one).
const STATES_DUE = `SELECT s.rule_id AS ruleId, s.store AS store, s.status AS status, coalesce(json_extract(m.states, '$."' || s.rule_id || '"'), s.state) AS state
  FROM metric_rule_states s JOIN metric_rules r ON r.id = s.rule_id
  LEFT JOIN metric_store_states m ON m.metric = r.metric AND m.store = s.store
  WHERE r.enabled = 1 AND (
    (s.status = 'firing' AND r.reminder_hours > 0 AND @now - json_extract(s.state, '$.lastNotifiedAt') >= r.reminder_hours * 3600000)
    OR (s.status <> 'firing' AND json_extract(r.condition, '$.type') = 'no_data'
        AND coalesce(json_extract(m.states, '$."' || s.rule_id || '".lastAt'), json_extract(s.state, '$.lastAt'), json_extract(s.state, '$.watchingSince'))
            + json_extract(r.condition, '$.minutes') * 60000 <= @now)
  )
  LIMIT @limit`;

/** Up to `limit` of them: acting on a state takes it out of the set, so the next call reads the next ones. */
export function statesDueAt(db: Db, now: number, limit = -1): StateRow[] {
  return preparedStatement<[{ now: number; limit: number }], StateRow>(db, STATES_DUE).all({ now, limit });
}

// States that wait on nothing: a store's next point judges them as it would a new one.
const SETTLED = new Set<unknown>(['ok', 'resolved']);

/**
 * Of the next `limit` rows of metric_store_states after `afterRowid`, removes the settled (`ok`, `resolved`) states (but
 * those of the rules in `keep`) of those no point has written since `before`, with their index
 * rows. Answers how many states it removed and the rowid to go on after (undefined: the scan reached the end). A batch reads at
 * most `limit` rows, whatever the table's size: the whole table of 100,000 rows read in one
 * statement took 66-70 ms.
 */
export function deleteIdleRuleStates(db: Db, before: number, keep: ReadonlySet<number>, limit: number, afterRowid = 0): { deleted: number; next: number | undefined } {
  const rows = preparedStatement<[number, number], [number, string, string, number]>(
    db,
    `SELECT rowid, store, states, updated_at FROM metric_store_states WHERE rowid > ? ORDER BY rowid LIMIT ?`,
    'raw',
  ).all(afterRowid, limit);
  let deleted = 0;
  for (const [rowid, store, states, updatedAt] of rows) {
    if (updatedAt >= before) continue;
    const all = JSON.parse(states) as Record<string, { status?: unknown } | null>;
    const idle = Object.keys(all).filter((ruleId) => SETTLED.has(all[ruleId]?.status) && !keep.has(Number(ruleId)));
    if (!idle.length) continue;
    for (const ruleId of idle) {
      delete all[ruleId];
      preparedStatement(db, `DELETE FROM metric_rule_states WHERE rule_id = ? AND store = ?`).run(Number(ruleId), store);
    }
    if (Object.keys(all).length) preparedStatement(db, `UPDATE metric_store_states SET states = ? WHERE rowid = ?`).run(JSON.stringify(all), rowid);
    else preparedStatement(db, `DELETE FROM metric_store_states WHERE rowid = ?`).run(rowid);
    deleted += idle.length;
  }
  return { deleted, next: rows.length === limit ? rows[rows.length - 1]![0] : undefined };
}

/** How many stores a rule keeps a state for. */
export function storeCountOfRule(db: Db, ruleId: number): number {
  return preparedStatement<[number], { n: number }>(db, `SELECT count(*) AS n FROM metric_rule_states WHERE rule_id = ?`).get(ruleId)!.n;
}

/** Stores per rule and status, for the rule list. */
export function stateCountsByRule(db: Db): Array<{ ruleId: number; status: string; n: number }> {
  return preparedStatement<[], { ruleId: number; status: string; n: number }>(
    db,
    `SELECT rule_id AS ruleId, status, count(*) AS n FROM metric_rule_states GROUP BY rule_id, status`,
  ).all();
}

/** The first `limit` stores (by name) in which a rule has this status. */
export function storesOfRuleWithStatus(db: Db, ruleId: number, status: string, limit: number): string[] {
  return preparedStatement<[number, string, number], { store: string }>(db, `SELECT store FROM metric_rule_states WHERE rule_id = ? AND status = ? ORDER BY store LIMIT ?`)
    .all(ruleId, status, limit)
    .map((r) => r.store);
}

/** A firing (rule, store) pair as lists show it; `since` and `title` are read from the state JSON. */
export interface FiringPairRow {
  ruleId: number;
  name: string;
  severity: string;
  store: string;
  since: number | null;
  title: string | null;
}

// Most severe first, then the oldest: the order every list of firing pairs uses.
const FIRING_PAIRS = `SELECT s.rule_id AS ruleId, r.name AS name, r.severity AS severity, s.store AS store,
    json_extract(s.state, '$.firingSince') AS since, json_extract(s.state, '$.firingTitle') AS title
  FROM metric_rule_states s JOIN metric_rules r ON r.id = s.rule_id
  WHERE s.status = 'firing'
  ORDER BY CASE r.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, coalesce(since, 0), s.rule_id, s.store
  LIMIT ? OFFSET ?`;

/** One page of the firing pairs (SQLite keeps only the top `limit + offset` while sorting). */
export function firingPairs(db: Db, limit: number, offset = 0): FiringPairRow[] {
  return preparedStatement<[number, number], FiringPairRow>(db, FIRING_PAIRS).all(limit, offset);
}

export function firingPairCount(db: Db): number {
  return preparedStatement<[], { n: number }>(db, `SELECT count(*) AS n FROM metric_rule_states WHERE status = 'firing'`).get()!.n;
}

/** Forgets a rule's states (of its metric): an edit that changes what it decides, switching it off, or deleting it. */
export function clearRuleStates(db: Db, ruleId: number, metric: string): void {
  db.delete(metricRuleStates).where(eq(metricRuleStates.ruleId, ruleId)).run();
  preparedStatement(db, `UPDATE metric_store_states SET states = json_remove(states, ${ENTRY_PATH}) WHERE metric = ?`).run(String(ruleId), metric);
  preparedStatement(db, `DELETE FROM metric_store_states WHERE metric = ? AND states = '{}'`).run(metric);
}

export function stateCountsByStatus(db: Db): Array<{ status: string; n: number }> {
  return db
    .select({ status: metricRuleStates.status, n: sql<number>`count(*)` })
    .from(metricRuleStates)
    .groupBy(metricRuleStates.status)
    .all();
}

export function insertTransition(db: Db, t: Omit<typeof metricRuleTransitions.$inferInsert, 'id'>): void {
  db.insert(metricRuleTransitions).values(t).run();
}

export function transitionsSince(db: Db, since: number, until: number, limit = 50): MetricRuleTransitionRow[] {
  return db
    .select()
    .from(metricRuleTransitions)
    .where(sql`${metricRuleTransitions.at} >= ${since} AND ${metricRuleTransitions.at} < ${until} AND ${metricRuleTransitions.type} <> 'reminder'`)
    .orderBy(desc(metricRuleTransitions.at), desc(metricRuleTransitions.id))
    .limit(limit)
    .all();
}

/** How many firings and resolutions were announced in [since, until). */
export function transitionCount(db: Db, since: number, until: number): number {
  return db
    .select({ n: sql<number>`count(*)` })
    .from(metricRuleTransitions)
    .where(sql`${metricRuleTransitions.at} >= ${since} AND ${metricRuleTransitions.at} < ${until} AND ${metricRuleTransitions.type} <> 'reminder'`)
    .get()!.n;
}

/** The latest value of a metric for a store measured in (from, until]. */
export function metricValueBetween(db: Db, name: string, store: string, from: number, until: number): number | undefined {
  const value = preparedStatement<[string, string, number, number], unknown>(db, VALUE_BETWEEN, 'pluck').get(name, store, from, until);
  return typeof value === 'number' ? value : undefined;
}

export interface StoredPoint {
  store: string;
  at: number;
  value: number;
  unit: string;
}

/** A metric's points measured in [from, until], oldest first; the newest `limit` when there are more. */
export function metricPoints(db: Db, name: string, store: string | null, from: number, until: number, limit: number): { points: StoredPoint[]; truncated: boolean } {
  const rows = db.$client
    .prepare(
      `SELECT ${STORE} AS store, ${AT} AS at, json_extract(payload, '$.value') AS value, coalesce(json_extract(payload, '$.unit'), '') AS unit
       FROM events WHERE kind = 'metric' AND ${NAME} = ? ${store === null ? '' : `AND ${STORE} = ?`} AND ${AT} >= ? AND ${AT} <= ?
       ORDER BY ${AT} DESC, id DESC LIMIT ?`,
    )
    .all(...(store === null ? [name, from, until, limit + 1] : [name, store, from, until, limit + 1])) as Array<{ store: string; at: number; value: unknown; unit: unknown }>;
  const points = rows
    .slice(0, limit)
    .filter((r) => typeof r.value === 'number')
    .map((r) => ({ store: r.store, at: r.at, value: r.value as number, unit: String(r.unit) }))
    .reverse();
  return { points, truncated: rows.length > limit };
}

/** The latest point per store of a metric before `until` (seeds a new or edited rule's states). */
export function latestPointPerStore(db: Db, name: string, store: string | null, since: number, until: number): StoredPoint[] {
  const rows = db.$client
    .prepare(
      `SELECT store, at, value, unit FROM (
         SELECT ${STORE} AS store, ${AT} AS at, json_extract(payload, '$.value') AS value, coalesce(json_extract(payload, '$.unit'), '') AS unit,
                row_number() OVER (PARTITION BY ${STORE} ORDER BY ${AT} DESC, id DESC) AS rn
         FROM events WHERE kind = 'metric' AND ${NAME} = ? AND ${AT} >= ? AND ${AT} <= ?
       ) WHERE rn = 1 ${store === null ? '' : 'AND store = ?'}`,
    )
    .all(...(store === null ? [name, since, until] : [name, since, until, store])) as Array<{ store: string; at: number; value: unknown; unit: unknown }>;
  return rows.filter((r) => typeof r.value === 'number').map((r) => ({ store: r.store, at: r.at, value: r.value as number, unit: String(r.unit) }));
}
