import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase, type Db } from '../../db/client.ts';
import { preparedStatement } from '../../db/prepared.ts';
import { getChannel, markChannelInvalid, recordChannelError, saveConnectedChannel } from '../../db/queries/channel.ts';
import { channel } from '../../db/schema.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function tempDatabase(): Db {
  const dir = mkdtempSync(join(tmpdir(), 'notifier-prepared-'));
  const db = openDatabase(join(dir, 'notifier.db'));
  cleanups.push(() => {
    closeDatabase(db);
    rmSync(dir, { recursive: true, force: true });
  });
  return db;
}

const SQL = `SELECT key, value FROM settings WHERE key IN ('a', 'b') ORDER BY key`;

describe('prepared statements (db/prepared.ts)', () => {
  it('answers rows as objects, as arrays (raw) or as the first column (pluck), each shape keeping its own', () => {
    const db = tempDatabase();
    db.$client.exec(`INSERT INTO settings (key, value, updated_at) VALUES ('a', '"one"', 1), ('b', '"two"', 1)`);
    expect(preparedStatement(db, SQL).all()).toEqual([
      { key: 'a', value: '"one"' },
      { key: 'b', value: '"two"' },
    ]);
    expect(preparedStatement(db, SQL, 'raw').all()).toEqual([
      ['a', '"one"'],
      ['b', '"two"'],
    ]);
    expect(preparedStatement(db, SQL, 'pluck').all()).toEqual(['a', 'b']);
    // Preparing the same text in another shape did not change the first one's.
    expect(preparedStatement(db, SQL).get()).toEqual({ key: 'a', value: '"one"' });
    expect(preparedStatement(db, SQL, 'pluck').get()).toBe('a');
  });

  it('prepares a text once per connection and shape', () => {
    const db = tempDatabase();
    expect(preparedStatement(db, SQL, 'raw')).toBe(preparedStatement(db, SQL, 'raw'));
    expect(preparedStatement(db, SQL)).not.toBe(preparedStatement(db, SQL, 'raw'));
    const other = tempDatabase();
    expect(preparedStatement(other, SQL, 'raw')).not.toBe(preparedStatement(db, SQL, 'raw'));
  });

  it('reads the channel row with every column drizzle knows, as drizzle names them (getChannel is hand-written SQL)', () => {
    const db = tempDatabase();
    expect(getChannel(db)).toBeUndefined();
    saveConnectedChannel(db, { keyCiphertext: 'ciphertext', keyLast4: 'abcd', now: 1_000 });
    recordChannelError(db, 2_000, { errcode: 93000, failure: 'invalid_key', reason: 'errcode', httpStatus: 200 });
    markChannelInvalid(db, { now: 3_000, errcode: 93000 });
    const drizzleRow = db.select().from(channel).get();
    expect(Object.values(drizzleRow!).filter((v) => v === null)).toEqual([]);
    expect(getChannel(db)).toEqual(drizzleRow);
  });
});
