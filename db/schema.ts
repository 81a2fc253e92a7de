import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Key/value settings; values are JSON so each setting keeps its type. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** The one admin account (row id 1). */
export const admin = sqliteTable(
  'admin',
  {
    id: integer('id').primaryKey(),
    passwordHash: text('password_hash').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [check('admin_single_row', sql`${t.id} = 1`)],
);

/** Console sessions; the cookie holds a random token, the table only its SHA-256. */
export const sessions = sqliteTable(
  'sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    csrfToken: text('csrf_token').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
  },
  (t) => [index('sessions_expires_idx').on(t.expiresAt)],
);

/** The one WeCom bot (row id 1). The key is stored only encrypted (AES-256-GCM). */
export const channel = sqliteTable(
  'channel',
  {
    id: integer('id').primaryKey(),
    keyCiphertext: text('key_ciphertext').notNull(),
    keyLast4: text('key_last4').notNull(),
    status: text('status', { enum: ['connected', 'invalid'] }).notNull(),
    connectedAt: integer('connected_at').notNull(),
    invalidSince: integer('invalid_since'),
    lastSuccessAt: integer('last_success_at'),
    lastErrorAt: integer('last_error_at'),
    lastErrcode: integer('last_errcode'),
    lastFailure: text('last_failure'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [check('channel_single_row', sql`${t.id} = 1`)],
);

export const DELIVERY_STATUSES = ['queued', 'sending', 'sent', 'failed', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * The outbox and send log in one table: every message is a row before any network call.
 * The payload is exactly what is POSTed to WeCom; the key is never part of it.
 */
export const deliveries = sqliteTable(
  'deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    createdAt: integer('created_at').notNull(),
    kind: text('kind').notNull(),
    category: text('category'),
    severity: text('severity').notNull().default('info'),
    /** 0 is sent first (critical), then higher numbers; FIFO by id within a priority. */
    priority: integer('priority').notNull().default(1),
    status: text('status', { enum: DELIVERY_STATUSES }).notNull(),
    title: text('title').notNull(),
    msgtype: text('msgtype').notNull(),
    payload: text('payload').notNull(),
    bytes: integer('bytes').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastAttemptAt: integer('last_attempt_at'),
    sentAt: integer('sent_at'),
    errcode: integer('errcode'),
    errmsg: text('errmsg'),
    failure: text('failure'),
    httpStatus: integer('http_status'),
    latencyMs: integer('latency_ms'),
    eventId: integer('event_id'),
  },
  (t) => [
    index('deliveries_queue_idx').on(t.status, t.priority, t.nextAttemptAt, t.id),
    index('deliveries_created_idx').on(t.createdAt, t.id),
  ],
);

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    detail: text('detail'),
    ip: text('ip'),
  },
  (t) => [index('audit_at_idx').on(t.at)],
);
