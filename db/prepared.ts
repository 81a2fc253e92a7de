import type { Statement } from 'better-sqlite3';
import type { Db } from './client.ts';

// Queries run many times a second, prepared once per connection and SQL text (drizzle's builder
// rebuilds and re-prepares on every call).
const byConnection = new WeakMap<object, Map<string, Statement>>();

export function preparedStatement(db: Db, sql: string): Statement {
  let byText = byConnection.get(db.$client);
  if (!byText) byConnection.set(db.$client, (byText = new Map()));
  let stmt = byText.get(sql);
  if (!stmt) byText.set(sql, (stmt = db.$client.prepare(sql)));
  return stmt;
}
