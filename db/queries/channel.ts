import { eq, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { preparedStatement } from '../prepared.ts';
import { channel } from '../schema.ts';

export type ChannelRow = typeof channel.$inferSelect;

const CHANNEL = `SELECT id, key_ciphertext AS keyCiphertext, key_last4 AS keyLast4, status, connected_at AS connectedAt,
  invalid_since AS invalidSince, invalid_errcode AS invalidErrcode, last_success_at AS lastSuccessAt, last_error_at AS lastErrorAt, last_errcode AS lastErrcode,
  last_failure AS lastFailure, last_error_reason AS lastErrorReason, last_http_status AS lastHttpStatus, updated_at AS updatedAt
  FROM channel WHERE id = 1`;

/**
 * The bot, if one is connected. The delivery worker asks before every step: a prepared statement,
 * not drizzle's builder, which built and prepared the query anew each time (~0.1 ms a step).
 */
export function getChannel(db: Db): ChannelRow | undefined {
  return preparedStatement<[], ChannelRow>(db, CHANNEL).get();
}

/** Saves a freshly verified bot; replaces any previous one in the same statement. */
export function saveConnectedChannel(db: Db, v: { keyCiphertext: string; keyLast4: string; now: number }): void {
  const row = {
    keyCiphertext: v.keyCiphertext,
    keyLast4: v.keyLast4,
    status: 'connected' as const,
    connectedAt: v.now,
    invalidSince: null,
    invalidErrcode: null,
    lastSuccessAt: v.now,
    lastErrorAt: null,
    lastErrcode: null,
    lastFailure: null,
    lastErrorReason: null,
    lastHttpStatus: null,
    updatedAt: v.now,
  };
  db.insert(channel)
    .values({ id: 1, ...row })
    .onConflictDoUpdate({ target: channel.id, set: row })
    .run();
}

/**
 * A successful send proves the bot works again, so an invalid channel becomes connected, since now:
 * the messages that waited for it get their maximum age from then, as with a new bot.
 */
export function recordChannelSuccess(db: Db, now: number): void {
  db.update(channel)
    .set({
      status: 'connected',
      connectedAt: sql`CASE WHEN ${channel.status} = 'invalid' THEN ${now} ELSE ${channel.connectedAt} END`,
      invalidSince: null,
      invalidErrcode: null,
      lastSuccessAt: now,
      updatedAt: now,
    })
    .where(eq(channel.id, 1))
    .run();
}

/** A failed send's answer, as the WeCom client gives it: Troubleshooting tells a cut-off answer from no answer. */
export function recordChannelError(db: Db, now: number, f: { errcode: number | null; failure: string; reason: string; httpStatus: number | null }): void {
  db.update(channel)
    .set({ lastErrorAt: now, lastErrcode: f.errcode, lastFailure: f.failure, lastErrorReason: f.reason, lastHttpStatus: f.httpStatus, updatedAt: now })
    .where(eq(channel.id, 1))
    .run();
}

/** Keeps the errcode WeCom refused the bot with: the banner and Troubleshooting name it while it lasts. */
export function markChannelInvalid(db: Db, v: { now: number; errcode: number | null }): void {
  const current = getChannel(db);
  if (!current || current.status === 'invalid') return;
  db.update(channel).set({ status: 'invalid', invalidSince: v.now, invalidErrcode: v.errcode, updatedAt: v.now }).where(eq(channel.id, 1)).run();
}

export function deleteChannel(db: Db): void {
  db.delete(channel).where(eq(channel.id, 1)).run();
}
