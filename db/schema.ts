import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

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
    /** The errcode that made it invalid (93000, 93004, 93008): later failures overwrite last_errcode. */
    invalidErrcode: integer('invalid_errcode'),
    lastSuccessAt: integer('last_success_at'),
    lastErrorAt: integer('last_error_at'),
    lastErrcode: integer('last_errcode'),
    lastFailure: text('last_failure'),
    /** How the last error came (the client's reason: errcode, network, timeout, cut_off, …) and WeCom's HTTP status, if it answered. */
    lastErrorReason: text('last_error_reason'),
    lastHttpStatus: integer('last_http_status'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [check('channel_single_row', sql`${t.id} = 1`)],
);

/**
 * queued → sending → sent | dead, with retries going back to queued. `failed` is a one-off send the
 * admin waited for (connect, test); `merged` rows were folded into a digest or re-split into parts.
 */
export const DELIVERY_STATUSES = ['queued', 'sending', 'sent', 'failed', 'dead', 'merged'] as const;
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
    /** When the current series of attempts began (creation, or a retry by hand); the maximum age counts from here. */
    queuedAt: integer('queued_at').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastAttemptAt: integer('last_attempt_at'),
    sentAt: integer('sent_at'),
    errcode: integer('errcode'),
    errmsg: text('errmsg'),
    failure: text('failure'),
    /**
     * When WeCom last answered this message 45009 (rate limited). Kept when a retry went out (errcode
     * and failure then read 0 and null), so Troubleshooting still counts the rate limit for 24 h.
     */
    rateLimitedAt: integer('rate_limited_at'),
    httpStatus: integer('http_status'),
    latencyMs: integer('latency_ms'),
    eventId: integer('event_id'),
    /** Set on the parts a too-long message (errcode 40058) was re-split into; a second 40058 is final. */
    splitFrom: integer('split_from'),
    /** For a merged row: the digest delivery that carried it; for a digest's mention follow-up (kind `mention`): that digest. */
    mergedInto: integer('merged_into'),
    /**
     * A digest's mention request, the union of its members' (JSON: "all" or a list of ids and
     * mobiles); sent in one text message once the digest is sent.
     */
    mentions: text('mentions'),
    /**
     * Which custom message template rendered this message (JSON: TemplateNote in
     * server/render/messageTemplateChoice.ts), or why a custom template failed and the built-in one
     * was used instead; null: the built-in, as no custom template applied.
     */
    template: text('template'),
    /**
     * A digest's summary (JSON: count, counts by severity, earliest time, the events it lists), so
     * folding newcomers into a waiting digest never re-reads its members.
     */
    digestState: text('digest_state'),
    /**
     * A report run's messages (its parts, its chart, their re-split parts): the id of its first, so
     * they go out in order as an event's messages do (which are a set by `event_id`).
     */
    setId: integer('set_id'),
  },
  (t) => [
    index('deliveries_queue_idx').on(t.status, t.priority, t.id),
    index('deliveries_attempt_idx').on(t.lastAttemptAt),
    index('deliveries_created_idx').on(t.createdAt, t.id),
    index('deliveries_event_idx').on(t.eventId),
    index('deliveries_split_from_idx').on(t.splitFrom).where(sql`${t.splitFrom} IS NOT NULL`),
    index('deliveries_set_idx').on(t.setId).where(sql`${t.setId} IS NOT NULL`),
    // A fold's two questions, answered without walking the queued backlog (store.ts: waitingDigest,
    // countQueuedEventsUpTo): the digest a category still waits to send, and the queued criticals.
    index('deliveries_waiting_digest_idx')
      .on(t.category, t.priority, t.id)
      .where(sql`${t.kind} = 'digest' AND ${t.status} = 'queued' AND ${t.splitFrom} IS NULL`),
    index('deliveries_queued_critical_idx').on(t.eventId).where(sql`${t.status} = 'queued' AND ${t.severity} = 'critical'`),
    // Troubleshooting's 24 h count of 45009 answers, over the few rows that had one.
    index('deliveries_rate_limited_idx').on(t.rateLimitedAt).where(sql`${t.rateLimitedAt} IS NOT NULL`),
  ],
);

export const EVENT_STATUSES = ['queued', 'held', 'sent', 'digested', 'suppressed', 'dead', 'stored'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/**
 * An event's outcome as the dashboard, charts, reports, the API and /metrics count it: a member of a
 * digest not sent yet still waits (queued); it is digested only once the digest went. One text, so
 * the /metrics count matches events_kind_outcome_idx's expression and reads only that index.
 */
export const EVENT_OUTCOME_SQL = "CASE WHEN status = 'digested' AND finished_at IS NULL THEN 'queued' ELSE status END";

/**
 * Every accepted inbound event. It ends as sent, digested, suppressed (with the reason) or dead;
 * metrics are `stored` for reports; `held` waits for quiet hours to end.
 */
export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    receivedAt: integer('received_at').notNull(),
    source: text('source').notNull(),
    tokenId: integer('token_id'),
    kind: text('kind').notNull(),
    category: text('category').notNull(),
    severity: text('severity').notNull(),
    title: text('title').notNull(),
    store: text('store'),
    occurredAt: integer('occurred_at'),
    payload: text('payload').notNull(),
    idempotencyKey: text('idempotency_key'),
    dedupeKey: text('dedupe_key'),
    status: text('status', { enum: EVENT_STATUSES }).notNull(),
    reason: text('reason'),
    duplicateOf: integer('duplicate_of'),
    repeatCount: integer('repeat_count').notNull().default(1),
    digestDeliveryId: integer('digest_delivery_id'),
    finishedAt: integer('finished_at'),
  },
  (t) => [
    index('events_idempotency_idx').on(t.idempotencyKey, t.receivedAt),
    // Only originals (not repeats; an event that can be no original stores no key): the dedupe
    // lookup costs the same at the 100,000th repeat. Nothing here changes after intake, so a fold,
    // a send or a settlement rewriting events' status leaves this index (random pages) alone.
    index('events_dedupe_original_idx')
      .on(t.dedupeKey, t.receivedAt)
      .where(sql`${t.dedupeKey} IS NOT NULL AND ${t.duplicateOf} IS NULL`),
    index('events_status_idx').on(t.status, t.id),
    index('events_received_idx').on(t.receivedAt),
    // A digest settles, and a retried one re-opens, the events it carries.
    index('events_digest_idx').on(t.digestDeliveryId).where(sql`${t.digestDeliveryId} IS NOT NULL`),
    // /metrics counts events by kind and outcome: an index scan instead of a table scan.
    index('events_kind_outcome_idx').on(t.kind, sql.raw(EVENT_OUTCOME_SQL)),
    // Metric points by name, store and measured time (no later than they arrived, as the rules judge
    // them): metric rules' baselines and backtests.
    index('events_metric_idx')
      .on(sql`json_extract(${t.payload}, '$.name')`, sql`coalesce(${t.store}, '')`, sql`min(coalesce(${t.occurredAt}, ${t.receivedAt}), ${t.receivedAt})`)
      .where(sql`${t.kind} = 'metric'`),
  ],
);

/**
 * A final digest whose members are settled in chunks (server/delivery/worker.ts): a digest of more
 * members than one transaction settles within its slice of the event loop. The members with ids up
 * to `after_id` are settled; a row outlives a restart, so the rest still are.
 */
export const digestSettlements = sqliteTable('digest_settlements', {
  digestId: integer('digest_id').primaryKey(),
  /** What the members become: digested (the digest was sent), dead, or reopened (retried by hand: digested, not finished). */
  status: text('status', { enum: ['digested', 'dead', 'reopened'] }).notNull(),
  /** The members' finished_at: when the digest was answered (unused when reopened). */
  at: integer('at').notNull(),
  afterId: integer('after_id').notNull(),
});

/** Inbound API bearer tokens: shown once, stored as SHA-256, revocable. */
export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    /** The first characters, so an admin can tell tokens apart without the secret. */
    prefix: text('prefix').notNull(),
    requireSignature: integer('require_signature', { mode: 'boolean' }).notNull().default(false),
    /**
     * The HMAC key for signed requests, sealed with the data key (the appliance must read it back to
     * verify). Null on tokens created before signing secrets: those sign with the bearer token itself.
     */
    signingSecret: text('signing_secret'),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
    /**
     * The hooks this token may post to (a JSON array of hook names), and nothing else of the API;
     * null: any endpoint. For tokens given to a third-party tool that should reach only its hook.
     */
    hookNames: text('hook_names'),
    /**
     * What the token may do, a JSON array of API_SCOPES (server/security/apiScopes.ts): `send`
     * (events, metrics, Alertmanager, hooks, and reading back what it sent), `read` (export the
     * configuration), `admin` (import it). Tokens from before scopes are `send`, all they could do.
     */
    scopes: text('scopes').notNull().default('["send"]'),
  },
);

/** Signed API requests already accepted (SHA-256 of the signature), kept for the signature window so a restart does not reopen it. */
export const signatureReplays = sqliteTable(
  'signature_replays',
  {
    signatureHash: text('signature_hash').primaryKey(),
    seenAt: integer('seen_at').notNull(),
  },
  (t) => [index('signature_replays_seen_idx').on(t.seenAt)],
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

/** Which days a schedule acts on: every day, China's workdays, or its weekends and holidays (server/calendar). */
export const CALENDAR_CHOICES = ['every_day', 'workdays_cn', 'non_workdays_cn'] as const;

export const REPORT_TYPES = ['daily_summary', 'weekly_summary', 'metrics_snapshot', 'custom'] as const;
export type ReportType = (typeof REPORT_TYPES)[number];
export const REPORT_RUN_STATUSES = ['running', 'succeeded', 'failed', 'skipped'] as const;
export type ReportRunStatus = (typeof REPORT_RUN_STATUSES)[number];
export const REPORT_TRIGGERS = ['schedule', 'manual', 'catch_up'] as const;
export type ReportTrigger = (typeof REPORT_TRIGGERS)[number];

/**
 * Scheduled reports (croner expressions in the job's own time zone). Fire times after
 * max(schedule_from, last_fire_at) are due: schedule_from moves to "now" whenever the job is enabled
 * or its schedule changes, last_fire_at to each fire time handled (run, caught up or skipped).
 */
export const reportJobs = sqliteTable('report_jobs', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  cron: text('cron').notNull(),
  timezone: text('timezone').notNull(),
  type: text('type', { enum: REPORT_TYPES }).notNull(),
  /** Markdown with {{placeholders}}; custom jobs only. */
  template: text('template'),
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(false),
  /** Send a PNG chart (server/charts) right after the report's text; not for custom templates. */
  attachChart: integer('attach_chart', { mode: 'boolean' }).notNull().default(false),
  /** Metric names to draw, one per line; empty draws every metric of the period (up to a readable number). */
  chartMetrics: text('chart_metrics').notNull().default(''),
  /** Seeded jobs: switched on when a bot is connected, unless the admin has set `enabled` themselves. */
  autoEnable: integer('auto_enable', { mode: 'boolean' }).notNull().default(false),
  /** Fire times on days the calendar leaves out are passed over (not run, not missed). */
  calendar: text('calendar', { enum: CALENDAR_CHOICES }).notNull().default('every_day'),
  scheduleFrom: integer('schedule_from').notNull(),
  lastFireAt: integer('last_fire_at'),
  lastRunId: integer('last_run_id'),
  lastRunAt: integer('last_run_at'),
  lastRunStatus: text('last_run_status', { enum: REPORT_RUN_STATUSES }),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** One row per run of a report job: scheduled, by hand (Run now), caught up at start, or skipped. */
export const reportRuns = sqliteTable(
  'report_runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    jobId: integer('job_id')
      .notNull()
      .references(() => reportJobs.id, { onDelete: 'cascade' }),
    trigger: text('trigger', { enum: REPORT_TRIGGERS }).notNull(),
    /** The cron fire time this run stands for; null for Run now. */
    scheduledFor: integer('scheduled_for'),
    startedAt: integer('started_at').notNull(),
    finishedAt: integer('finished_at'),
    status: text('status', { enum: REPORT_RUN_STATUSES }).notNull(),
    /** JSON array of the outbox rows (one per part). */
    deliveryIds: text('delivery_ids'),
    /** JSON {span, label, timeZone}: which stretch of time the report covers ("yesterday", "so far today"). */
    period: text('period'),
    error: text('error'),
  },
  (t) => [index('report_runs_job_idx').on(t.jobId, t.id), index('report_runs_started_idx').on(t.startedAt)],
);

/** Generic webhook mappings (POST /api/v1/hooks/{name}): the console form's text, as JSON (server/hooks/mapping.ts). */
export const hookMappings = sqliteTable('hook_mappings', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  definition: text('definition').notNull(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export const METRIC_RULE_STATUSES = ['ok', 'pending', 'firing', 'resolved'] as const;
export const METRIC_RULE_TRANSITIONS = ['firing', 'reminder', 'resolved'] as const;

/**
 * Metric rules (threshold, change, no data) written in the console. `condition`, `hold` and
 * `mention` are JSON, read back through the schemas in server/metricRules/definition.ts.
 */
export const metricRules = sqliteTable('metric_rules', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  metric: text('metric').notNull(),
  /** null: every store separately. */
  store: text('store'),
  condition: text('condition').notNull(),
  hold: text('hold').notNull(),
  severity: text('severity').notNull(),
  category: text('category').notNull(),
  mention: text('mention').notNull(),
  title: text('title').notNull(),
  reminderHours: integer('reminder_hours').notNull().default(4),
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/**
 * Silences set from the send log: events of one alert (category + title + store, store '' when none)
 * received before `until` are suppressed with reason `silenced`. Removing a silence deletes its row.
 */
export const silences = sqliteTable(
  'silences',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    category: text('category').notNull(),
    title: text('title').notNull(),
    store: text('store').notNull().default(''),
    createdAt: integer('created_at').notNull(),
    /** Exclusive: the silence ends at this instant. */
    until: integer('until').notNull(),
  },
  (t) => [index('silences_until_idx').on(t.until)],
);

export const REFUSAL_REASONS = [
  'no_token',
  'unknown_token',
  'revoked_token',
  'signature_missing',
  'signature_timestamp',
  'signature_stale',
  'signature_mismatch',
  'secret_unreadable',
  'replay',
  'hook_not_allowed',
  'missing_scope',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Inbound API requests refused at authentication, the latest kept (bounded), never the token itself. */
export const refusedRequests = sqliteTable(
  'refused_requests',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    reason: text('reason', { enum: REFUSAL_REASONS }).notNull(),
    /** The first characters of the presented token, as the console shows token prefixes. */
    tokenPrefix: text('token_prefix'),
    path: text('path').notNull(),
    ip: text('ip'),
    /**
     * Who was refused, as the sign-in throttle groups clients (an address, an IPv6 /64): repeats from
     * one source for one reason are one row, counted, so a flood cannot push the others out.
     */
    source: text('source'),
    count: integer('count').notNull().default(1),
    /** The first refusal this row counts; `at` is the latest. Null on rows from before counting. */
    firstAt: integer('first_at'),
  },
);

/**
 * Each rule's state per store ('' for points without a store), indexed by rule and status for the
 * console, the reports, /metrics and the minute tick; `state` is the evaluator's JSON as of the last
 * change of status, firing or reminder (its last value and time are metric_store_states'). A state
 * here without an entry there (rows from before 0016) is read from here.
 */
export const metricRuleStates = sqliteTable(
  'metric_rule_states',
  {
    ruleId: integer('rule_id')
      .notNull()
      .references(() => metricRules.id, { onDelete: 'cascade' }),
    store: text('store').notNull(),
    status: text('status', { enum: METRIC_RULE_STATUSES }).notNull(),
    state: text('state').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.ruleId, t.store] }), index('metric_rule_states_status_idx').on(t.status)],
);

/**
 * Every rule's state for one metric and store in one row (`states`: JSON, rule id → the evaluator's
 * state), read and written once per point whatever the number of rules: one row instead of a row per
 * rule made the rules' share of a point's cost half. metric_rule_states indexes these states by rule
 * and status, and is written only when a rule's status, firing or reminder changes; `updated_at` is
 * the last point (or tick) that wrote the row.
 */
export const metricStoreStates = sqliteTable(
  'metric_store_states',
  {
    metric: text('metric').notNull(),
    store: text('store').notNull(),
    states: text('states').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.metric, t.store] })],
);

/** What rules announced (firing, reminder, resolved): the reports' anomalies of the day. Kept after a rule is deleted. */
export const metricRuleTransitions = sqliteTable(
  'metric_rule_transitions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ruleId: integer('rule_id').notNull(),
    ruleName: text('rule_name').notNull(),
    store: text('store').notNull(),
    type: text('type', { enum: METRIC_RULE_TRANSITIONS }).notNull(),
    at: integer('at').notNull(),
    value: real('value'),
    title: text('title').notNull(),
    eventId: integer('event_id'),
  },
  (t) => [index('metric_rule_transitions_at_idx').on(t.at)],
);

/**
 * Custom message templates edited on the Notifications page, per message kind, category ('' for every
 * category) and notification language. No row: the built-in template (restoring it deletes the row).
 */
export const messageTemplates = sqliteTable(
  'message_templates',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind').notNull(),
    category: text('category').notNull().default(''),
    lang: text('lang').notNull(),
    body: text('body').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('message_templates_key_idx').on(t.kind, t.category, t.lang)],
);

export const HEARTBEAT_STATUSES = ['new', 'up', 'late', 'down'] as const;
export type HeartbeatStatus = (typeof HEARTBEAT_STATUSES)[number];
export const HEARTBEAT_PING_KINDS = ['start', 'success', 'fail'] as const;
export const HEARTBEAT_TRANSITIONS = ['down', 'reminder', 'recovered'] as const;

/**
 * Heartbeat checks: a task that must check in on a schedule (every N minutes, or a cron expression
 * in its zone) within a grace period. `status` and `state` (the planner's JSON,
 * server/heartbeats/plan.ts) are written together; a paused check keeps its state untouched.
 */
export const heartbeatChecks = sqliteTable('heartbeat_checks', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** What pings name: the URL path segment, and the task_name of matching task_result events. */
  key: text('key').notNull().unique(),
  name: text('name').notNull(),
  scheduleKind: text('schedule_kind', { enum: ['period', 'cron'] }).notNull(),
  periodMinutes: integer('period_minutes'),
  cron: text('cron'),
  timezone: text('timezone').notNull(),
  graceMinutes: integer('grace_minutes').notNull(),
  calendar: text('calendar', { enum: CALENDAR_CHOICES }).notNull().default('every_day'),
  category: text('category').notNull().default('task'),
  severity: text('severity').notNull().default('critical'),
  /** While down, a reminder at most this often; 0 turns reminders off. */
  reminderHours: integer('reminder_hours').notNull().default(4),
  paused: integer('paused', { mode: 'boolean' }).notNull().default(false),
  status: text('status', { enum: HEARTBEAT_STATUSES }).notNull().default('new'),
  state: text('state').notNull(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** Check-ins, newest kept per check (bounded at insert). */
export const heartbeatPings = sqliteTable(
  'heartbeat_pings',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    checkId: integer('check_id')
      .notNull()
      .references(() => heartbeatChecks.id, { onDelete: 'cascade' }),
    at: integer('at').notNull(),
    kind: text('kind', { enum: HEARTBEAT_PING_KINDS }).notNull(),
    /** `api` (POST /api/v1/heartbeats, the CLI) or `task_result` (a matching event, `event_id`). */
    source: text('source').notNull(),
    exitCode: integer('exit_code'),
    /** The task's message or the last lines of its output. */
    message: text('message'),
    eventId: integer('event_id'),
  },
  (t) => [index('heartbeat_pings_check_idx').on(t.checkId, t.id), index('heartbeat_pings_at_idx').on(t.at)],
);

/** What checks announced (down, reminder, recovered): the reports' missed and failed tasks. */
export const heartbeatTransitions = sqliteTable(
  'heartbeat_transitions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    checkId: integer('check_id')
      .notNull()
      .references(() => heartbeatChecks.id, { onDelete: 'cascade' }),
    checkName: text('check_name').notNull(),
    type: text('type', { enum: HEARTBEAT_TRANSITIONS }).notNull(),
    /** Why it went down: `missed` (no check-in in time), `failed` (a fail ping), `unfinished` (started, never finished). */
    reason: text('reason'),
    at: integer('at').notNull(),
    eventId: integer('event_id'),
  },
  (t) => [index('heartbeat_transitions_check_idx').on(t.checkId, t.id), index('heartbeat_transitions_at_idx').on(t.at)],
);
