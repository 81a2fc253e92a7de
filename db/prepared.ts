import type { Statement } from 'better-sqlite3';
import type { Db } from './client.ts';

// Queries run many times a second, prepared once per connection and SQL text (drizzle's builder
// rebuilds and re-prepares on every call).
const byConnection = new WeakMap<object, Map<string, Statement>>();

/** `Params` and `Row` type the statement for its caller; SQLite checks neither. */
export function preparedStatement<Params extends unknown[] = unknown[], Row = unknown>(db: Db, sql: string): Statement<Params, Row> {
  let byText = byConnection.get(db.$client);
  if (!byText) byConnection.set(db.$client, (byText = new Map()));
  let stmt = byText.get(sql);
  if (!stmt) byText.set(sql, (stmt = db.$client.prepare(sql)));
  return stmt as Statement<Params, Row>;
}
