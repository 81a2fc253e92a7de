// Which build last opened a database, as the appliance records it in `settings` at every start:
// read by the start's refusal of a newer database and by a restore's check of a backup.
import Database from 'better-sqlite3';

/** Settings key of the build that last opened the database (older versions read it too). */
export const WRITTEN_BY_SETTING = 'appliance';

export interface WrittenBy {
  version: string;
  commit: string;
  /** The newest migration applied, e.g. 0009_message_templates. */
  schema: string;
}

/** Which build last opened a database file (read-only; undefined when unknown). */
export function readWrittenBy(file: string): WrittenBy | undefined {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(WRITTEN_BY_SETTING) as { value: string } | undefined;
      const parsed = row ? (JSON.parse(row.value) as Partial<WrittenBy>) : undefined;
      return parsed && typeof parsed.version === 'string' ? { version: parsed.version, commit: String(parsed.commit ?? ''), schema: String(parsed.schema ?? '') } : undefined;
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}
