import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { markChannelInvalid, recordChannelError, recordChannelSuccess } from '../../db/queries/channel.ts';
import { updateDelivery, type DeliveryRow } from '../../db/queries/deliveries.ts';
import { countHeldEvents } from '../../db/queries/events.ts';
import { deliveries } from '../../db/schema.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { OpsCounters } from '../opsCounters.ts';
import type { RenderSettings } from '../render/eventMessages.ts';
import { isQuiet, quietEndsAt } from '../rules/quietHours.ts';
import type { SettingsStore } from '../settings/settingsStore.ts';
import type { SendResult, WecomClient } from '../wecom/client.ts';
import { splitUtf8, type WecomMessage } from '../wecom/messages.ts';
import { digestBacklog, flushHeld } from './digest.ts';
import { earliestPending, enqueueMessage, markSending, nextDue, recentAttemptTimes, recoverInterrupted, settleDigest, settleEvent } from './outbox.ts';
import type { RateLimiter } from './rateLimiter.ts';
import { backoffMs, DEFAULT_RETRY, isExpired, type RetryPolicy } from './retryPolicy.ts';

export interface WorkerDeps {
  db: Db;
  clock: Clock;
  wecom: WecomClient;
  log: Logger;
  settings: SettingsStore;
  limiter: RateLimiter;
  /** The bot's key while it is usable (connected, not invalid); undefined pauses sending. */
  channelKey: () => string | undefined;
  /** PUBLIC_URL: digests link into the console's send log when set. */
  publicUrl?: string;
  retry?: RetryPolicy;
  random?: () => number;
  /** Longest sleep between checks (quiet hours ending, retries coming due). */
  maxIdleMs?: number;
  /**
   * While the rate window is full, how often a growing backlog is folded into digests (it is always
   * folded right before a send). Default: a tenth of the window, at most 1 s.
   */
  foldEveryMs?: number;
  /** /metrics counters (rate-limit waits). */
  counters?: Pick<OpsCounters, 'rateLimitWaits'>;
}

export interface DeliveryWorker {
  start(): void;
  /** New work or a changed channel: look again now instead of at the next timer. */
  wake(): void;
  /** Finishes the in-flight send, records it, and stops. */
  stop(): Promise<void>;
  /** Resolves once nothing is queued or in flight (for tests and benchmarks). */
  idle(): boolean;
}

type Step = { send: DeliveryRow; key: string } | { sleepMs: number; limited?: boolean } | { yield: true };

const CONTENT_LIMIT: Record<string, number> = { text: 2048, markdown: 4096, markdown_v2: 4096 };

/** Splits a message WeCom called too long (40058/45002) into parts well under the limit. */
function resplit(message: WecomMessage): WecomMessage[] | undefined {
  const limit = CONTENT_LIMIT[message.msgtype];
  if (!limit) return undefined;
  const content =
    message.msgtype === 'text' ? message.text.content : message.msgtype === 'markdown' ? message.markdown.content : message.msgtype === 'markdown_v2' ? message.markdown_v2.content : '';
  const parts = splitUtf8(content, Math.floor(limit * 0.7));
  if (parts.length < 2) return undefined;
  return parts.map((part, i) => {
    const numbered = `(${i + 1}/${parts.length})\n${part}`;
    if (message.msgtype === 'text') return { msgtype: 'text', text: { ...message.text, content: numbered } };
    if (message.msgtype === 'markdown') return { msgtype: 'markdown', markdown: { content: numbered } };
    return { msgtype: 'markdown_v2', markdown_v2: { content: numbered } };
  });
}

/**
 * The one delivery worker: the only caller of the client's send for queued messages. It sends in
 * priority order through the limiter, retries with backoff, pauses on an invalid bot, and digests
 * a backlog the limit cannot carry in time.
 */
export function createDeliveryWorker(deps: WorkerDeps): DeliveryWorker {
  const { db, clock, log, limiter } = deps;
  const retry = deps.retry ?? DEFAULT_RETRY;
  const random = deps.random ?? Math.random;
  const maxIdleMs = deps.maxIdleMs ?? 30_000;
  const foldEveryMs = deps.foldEveryMs ?? Math.min(1_000, Math.max(50, limiter.windowMs / 10));
  let running = false;
  let loopDone: Promise<void> = Promise.resolve();
  let wakeUp: (() => void) | undefined;
  let pendingWake = false;
  /** True while sleeping only because the rate window is full: new events cannot be sent sooner. */
  let sleepingForLimiter = false;
  let lastFold = -Infinity;
  /** A backlog is being folded chunk by chunk; digests written so far in this fold. */
  let folding: { digests: number } | undefined;
  // One wait for the limiter counts once, however many naps and wakes it takes.
  let inLimiterWait = false;
  // A send WeCom answered whose outcome could not be written yet (disk full, database locked): it is
  // written before anything else, so the message is neither sent twice nor left in `sending`.
  let unrecorded: { row: DeliveryRow; result: SendResult; answered: number } | undefined;

  const renderSettings = (): RenderSettings => ({ rules: deps.settings.rules(), delivery: deps.settings.delivery(), timeZone: deps.settings.general().timeZone, publicUrl: deps.publicUrl });

  const sleep = (ms: number, limited = false) =>
    new Promise<void>((resolve) => {
      if (pendingWake || !running) {
        pendingWake = false;
        return resolve();
      }
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        sleepingForLimiter = false;
        resolve();
      }
      wakeUp = done;
      sleepingForLimiter = limited;
    });

  function step(now: number): Step {
    const rules = deps.settings.rules();
    const quiet = isQuiet(now, rules.quietHours);
    if (!quiet && countHeldEvents(db) > 0) {
      const n = flushHeld(db, renderSettings(), now);
      log.info('quiet hours ended: held events released', { events: n });
    }
    const untilQuietEnds = quiet ? (quietEndsAt(now, rules.quietHours) ?? now + maxIdleMs) - now : maxIdleMs;
    const idle = Math.min(maxIdleMs, Math.max(1_000, untilQuietEnds));

    const key = deps.channelKey();
    if (!key) return { sleepMs: idle };

    const wait = limiter.waitMs(now);
    // A backlog is folded into digests right before a send, and every foldEveryMs while the window
    // is full: not on every new event of a storm, when nothing could be sent anyway.
    if (folding || wait === 0 || now - lastFold >= foldEveryMs) {
      lastFold = now;
      // How many messages the limit lets out within the digest window, counting what is already used.
      const windows = (deps.settings.delivery().digestWindowSeconds * 1000) / limiter.windowMs;
      const capacity = Math.max(1, Math.floor(limiter.limit() * windows) - limiter.used(now));
      const fold = digestBacklog(db, renderSettings(), capacity, now);
      const digests = (folding?.digests ?? 0) + fold.digests;
      // A big backlog is folded in chunks, letting intake run in between; nothing is sent before
      // the fold is through.
      folding = fold.more ? { digests } : undefined;
      if (folding) return { yield: true };
      if (digests) log.info('storm digest', { digests, capacity });
    }
    if (wait > 0) {
      if (!inLimiterWait && deps.counters) deps.counters.rateLimitWaits++;
      inLimiterWait = true;
      return { sleepMs: Math.min(wait, foldEveryMs), limited: true };
    }
    inLimiterWait = false;
    const row = nextDue(db, now);
    if (row) return { send: row, key };
    const earliest = earliestPending(db);
    return { sleepMs: earliest === undefined ? idle : Math.min(idle, Math.max(1, earliest - now)) };
  }

  function finish(row: DeliveryRow, result: SendResult, now: number): void {
    const base = { latencyMs: result.latencyMs, httpStatus: result.httpStatus, errcode: result.errcode };
    if (result.ok) {
      updateDelivery(db, row.id, { ...base, status: 'sent', sentAt: now, errmsg: null, failure: null });
      recordChannelSuccess(db, now);
      if (row.eventId !== null) settleEvent(db, row.eventId, now);
      if (row.kind === 'digest') settleDigest(db, row.id, 'sent', now);
      return;
    }
    const failed = { ...base, errmsg: result.errmsg, failure: result.failure };
    recordChannelError(db, { now, errcode: result.errcode, failure: result.failure });
    log.warn('wecom send failed', { delivery: row.id, failure: result.failure, reason: result.reason, errcode: result.errcode, attempts: row.attempts + 1 });
    switch (result.failure) {
      case 'rate_limited':
        // WeCom counted the refused call too: the whole window must pass before the next try.
        limiter.saturate(now);
        updateDelivery(db, row.id, { ...failed, status: 'queued', nextAttemptAt: now + limiter.windowMs });
        return;
      case 'invalid_channel':
        markChannelInvalid(db, now);
        updateDelivery(db, row.id, { ...failed, status: 'queued', nextAttemptAt: now });
        log.error('WeCom rejected the bot: sending paused until the webhook URL is replaced', { errcode: result.errcode });
        return;
      case 'too_long': {
        const parts = row.splitFrom === null ? resplit(JSON.parse(row.payload) as WecomMessage) : undefined;
        if (!parts) return die(row, failed, now);
        db.transaction(() => {
          updateDelivery(db, row.id, { ...failed, status: 'merged' });
          parts.forEach((message, i) =>
            enqueueMessage(
              db,
              {
                createdAt: now,
                kind: row.kind,
                category: row.category,
                severity: row.severity,
                priority: row.priority,
                title: `${row.title} (${i + 1}/${parts.length})`,
                queuedAt: now,
                nextAttemptAt: now,
                eventId: row.eventId,
                splitFrom: row.id,
              },
              message,
            ),
          );
        });
        return;
      }
      case 'transient':
        if (isExpired(row.queuedAt, now, deps.settings.delivery().maxAgeHours * 3600_000)) return die(row, failed, now);
        updateDelivery(db, row.id, { ...failed, status: 'queued', nextAttemptAt: now + backoffMs(row.attempts + 1, retry, random) });
        return;
      default:
        return die(row, failed, now);
    }
  }

  function die(row: DeliveryRow, failed: Record<string, unknown>, now: number): void {
    updateDelivery(db, row.id, { ...failed, status: 'dead' });
    if (row.eventId !== null) settleEvent(db, row.eventId, now);
    if (row.kind === 'digest') settleDigest(db, row.id, 'dead', now);
  }

  async function send(row: DeliveryRow, key: string): Promise<void> {
    const started = clock.now();
    markSending(db, row.id, started);
    limiter.record(started);
    const result = await deps.wecom.send(key, JSON.parse(row.payload) as WecomMessage);
    const answered = clock.now();
    limiter.settle(started, answered);
    unrecorded = { row, result, answered };
    record();
  }

  /** Writes the last answered send's outcome, all or nothing; when the database refuses, keeps it and throws. */
  function record(): void {
    const pending = unrecorded;
    if (!pending) return;
    const { row, result, answered } = pending;
    try {
      db.transaction(() => {
        db.update(deliveries).set({ lastAttemptAt: answered }).where(eq(deliveries.id, row.id)).run();
        finish(row, result, answered);
      });
    } catch (err) {
      // Only the database refusing is worth waiting for; anything else would block every later send.
      if (!/^SQLITE_/.test(String((err as { code?: unknown })?.code))) unrecorded = undefined;
      throw err;
    }
    unrecorded = undefined;
  }

  async function loop(): Promise<void> {
    while (running) {
      try {
        record();
        const next = step(clock.now());
        if ('send' in next) await send(next.send, next.key);
        else if ('yield' in next) await new Promise<void>((resolve) => setImmediate(resolve));
        else await sleep(next.sleepMs, next.limited);
      } catch (err) {
        // A database error (disk full, locked) must not kill the worker: log, wait, try again.
        log.error('delivery worker step failed', { error: err });
        await sleep(1_000);
      }
    }
  }

  return {
    start() {
      if (running) return;
      const now = clock.now();
      const recovered = recoverInterrupted(db, now);
      if (recovered) log.warn('re-sending messages interrupted by a restart', { count: recovered });
      for (const at of recentAttemptTimes(db, now - limiter.windowMs)) limiter.record(at);
      // A call cut off by the crash may have reached WeCom as late as now: count it from now too.
      for (let i = 0; i < recovered; i++) limiter.record(now);
      running = true;
      loopDone = loop();
    },
    wake() {
      // While the window is full a wake changes nothing (a raised limit does: waitMs is 0 then).
      if (sleepingForLimiter && limiter.waitMs(clock.now()) > 0) return;
      if (wakeUp) wakeUp();
      else pendingWake = true;
    },
    async stop() {
      running = false;
      wakeUp?.();
      await loopDone;
      try {
        record();
      } catch (err) {
        // Left in `sending`: the next start sends it again (at-least-once).
        log.error('could not record the last send before stopping', { error: err });
      }
    },
    idle() {
      return earliestPending(db) === undefined && !db.select({ id: deliveries.id }).from(deliveries).where(eq(deliveries.status, 'sending')).get();
    },
  };
}
