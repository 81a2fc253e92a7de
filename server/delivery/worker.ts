import type { Db } from '../../db/client.ts';
import { cliRestoredSince } from '../../db/queries/audit.ts';
import type { CalendarSource } from '../calendar/workdays.ts';
import { getChannel, markChannelInvalid, recordChannelError, recordChannelSuccess } from '../../db/queries/channel.ts';
import type { DeliveryRow } from '../../db/queries/deliveries.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { OpsCounters } from '../opsCounters.ts';
import { currentRenderSettings, type RenderSettings } from '../render/eventMessages.ts';
import { mentionLists, planMentions } from '../render/mentionPlacement.ts';
import { digestFollowUpHeading } from '../render/builtInRender.ts';
import { isQuiet, quietEndsAt } from '../rules/quietHours.ts';
import type { SettingsStore } from '../settings/settingsStore.ts';
import type { SendResult, WecomClient } from '../wecom/client.ts';
import { textMessage, type WecomMessage } from '../wecom/messages.ts';
import { digestBacklog, flushHeld } from './folds.ts';
import { enqueueMessage, enqueueMessages, recoverInterrupted } from './outbox.ts';
import { backwardStepMs } from './policy/clockStep.ts';
import { foldCapacity, foldTime, wakeMatters } from './policy/fold.ts';
import { parseMentionRequest, type MentionRequest } from '../rules/mentions.ts';
import { PRIORITY } from './policy/priority.ts';
import { DEFAULT_RETRY, type RetryPolicy } from './policy/retry.ts';
import { nextToSend } from './policy/sendOrder.ts';
import { planSettlement, type SettlementPlan } from './policy/settlement.ts';
import { countedCall, type RateLimiter } from './rateLimiter.ts';
import { renderForSend } from './renderAtSend.ts';
import {
  earliestPending,
  eventMessageStatuses,
  laterQueuedOfEvent,
  finishEvent,
  firstQueuedMessageOf,
  getDelivery,
  hasHeldEvents,
  hasSending,
  latestRecordedAt,
  markSending,
  newestMemberAt,
  nextDue,
  partStatuses,
  pendingDigestSettlement,
  recentAttemptTimes,
  recentRateLimitedAt,
  SETTLE_CHUNK,
  settleDigestChunk,
  shiftQueuedAttempts,
  updateDelivery,
} from './store.ts';

export interface WorkerDeps {
  db: Db;
  clock: Clock;
  wecom: WecomClient;
  log: Logger;
  settings: SettingsStore;
  limiter: RateLimiter;
  /** The bot's key while it is usable (connected, not invalid); undefined pauses sending. */
  channelKey: () => string | undefined;
  /** The stored key whatever the channel's state: only an answer for it may mark the channel invalid. */
  storedChannelKey?: () => string | undefined;
  /** PUBLIC_URL: digests link into the console's send log when set. */
  publicUrl?: string;
  /** China's workday calendar as it is now, for quiet hours on non-workdays. */
  calendar?: CalendarSource;
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
  /** Members of a final digest settled per transaction (default SETTLE_CHUNK); tests lower it. */
  settleChunk?: number;
}


export interface DeliveryWorker {
  start(): void;
  /** New work or a changed channel: look again now instead of at the next timer. */
  wake(): void;
  /**
   * A send answered elsewhere (the console's test sends) whose outcome the database refused: written
   * like the worker's own, before anything else and as soon as the database takes it.
   */
  recordLater(write: () => void): void;
  /** Finishes the in-flight send, records it, and stops. */
  stop(): Promise<void>;
  /** Whether nothing is queued, in flight or being settled (for tests and benchmarks, which poll it). */
  idle(): boolean;
}

type Step = { send: DeliveryRow; key: string } | { sleepMs: number; limited?: boolean } | { yield: true };

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
  const settleChunk = deps.settleChunk ?? SETTLE_CHUNK;
  let running = false;
  let loopDone: Promise<void> = Promise.resolve();
  let wakeUp: (() => void) | undefined;
  let pendingWake = false;
  /** True while sleeping only because the rate window is full: new events cannot be sent sooner. */
  let sleepingForLimiter = false;
  let lastFold = -Infinity;
  /** A backlog is being folded chunk by chunk; digests written so far in this fold. */
  let folding: { digests: number } | undefined;
  /** Held events are being released chunk by chunk; events released so far. */
  let releasing: { events: number } | undefined;
  /** The message that went out last: the rest of its set (its event's, its report run's) goes next (policy/sendOrder). */
  let lastSent: DeliveryRow | undefined;
  /** The previous clock reading, to notice the wall clock stepping back. */
  let lastNow: number | undefined;
  const storedChannelKey = deps.storedChannelKey ?? deps.channelKey;
  // One wait for the limiter counts once, however many naps and wakes it takes.
  let inLimiterWait = false;
  // Sends WeCom answered whose outcome could not be written yet (disk full, database locked): they
  // are written before anything else, so no message is sent twice or left in `sending`.
  const unrecorded: Array<() => void> = [];

  const renderSettings = (): RenderSettings => currentRenderSettings(deps.settings, deps.publicUrl);

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
    const back = backwardStepMs(lastNow, now);
    lastNow = now;
    if (back) {
      const moved = shiftQueuedAttempts(db, -back, now);
      log.warn('the clock stepped back: queued messages keep their delays', { stepMs: back, messages: moved });
      // The last fold's time is in the future now: without this no fold would run for the size of the step.
      lastFold = -Infinity;
    }
    // A big digest's members are settled chunk by chunk, the event loop free in between, before anything else.
    const settling = pendingDigestSettlement(db);
    if (settling) {
      db.$client.transaction(() => settleDigestChunk(db, settling, settleChunk))();
      return { yield: true };
    }
    const rules = deps.settings.rules();
    const calendar = deps.calendar?.calendar();
    const quiet = isQuiet(now, rules.quietHours, calendar);
    if (!quiet && (releasing || hasHeldEvents(db))) {
      // Released in chunks with the event loop free in between; nothing is sent before it is through.
      const chunk = flushHeld(db, renderSettings(), now);
      const events = (releasing?.events ?? 0) + chunk.events;
      releasing = chunk.more ? { events } : undefined;
      if (releasing) return { yield: true };
      log.info('quiet hours ended: held events released', { events });
    }
    const untilQuietEnds = quiet ? (quietEndsAt(now, rules.quietHours, calendar) ?? now + maxIdleMs) - now : maxIdleMs;
    const idle = Math.min(maxIdleMs, Math.max(1_000, untilQuietEnds));

    const key = deps.channelKey();
    if (!key) return { sleepMs: idle };

    const wait = limiter.waitMs(now);
    if (foldTime({ folding: folding !== undefined, waitMs: wait, now, lastFold, everyMs: foldEveryMs })) {
      lastFold = now;
      const capacity = foldCapacity({
        limit: limiter.limit(),
        windowMs: limiter.windowMs,
        digestWindowSeconds: deps.settings.delivery().digestWindowSeconds,
        used: limiter.used(now),
      });
      const fold = digestBacklog(db, renderSettings(), capacity, now);
      const digests = (folding?.digests ?? 0) + fold.digests;
      // A big backlog is folded in chunks, letting intake run in between; nothing is sent before
      // the fold is through.
      folding = fold.more ? { digests } : undefined;
      if (folding) return { yield: true };
      if (digests) log.info('storm digest', { digests, capacity });
    }
    const firstDue = nextDue(db, now);
    if (wait > 0) {
      // A full window is a wait only for a message due now: with nothing to send, nothing waits.
      if (firstDue && !inLimiterWait && deps.counters) deps.counters.rateLimitWaits++;
      inLimiterWait = firstDue !== undefined;
      return { sleepMs: Math.min(wait, foldEveryMs), limited: true };
    }
    inLimiterWait = false;
    const due = nextToSend(firstDue, lastSent === undefined ? undefined : firstQueuedMessageOf(db, lastSent), now);
    if (due) {
      // An event's message is rendered now, with the settings as they are (renderAtSend.ts).
      const row = db.$client.transaction(() => renderForSend(db, renderSettings(), due, now))();
      return row ? { send: row, key } : { yield: true };
    }
    const earliest = earliestPending(db);
    return { sleepMs: earliest === undefined ? idle : Math.min(idle, Math.max(1, earliest - now)) };
  }

  /** Reads what the plan needs of the answered message's siblings, asks the core, and applies the plan. */
  function finish(row: DeliveryRow, key: string, result: SendResult, now: number): void {
    const digestId = row.kind === 'digest' ? (row.splitFrom ?? row.id) : undefined;
    // The maximum age counts from the latest of: when the message was queued; a digest's newest
    // member (one grown during a long outage must not take the alerts folded into it last down
    // with it); when the bot was connected or came back from invalid (what waited for it gets its
    // full age with it).
    const since = result.ok ? row.queuedAt : Math.max(row.queuedAt, digestId === undefined ? 0 : (newestMemberAt(db, digestId) ?? 0), getChannel(db)?.connectedAt ?? 0);
    const plan = planSettlement({
      row: since > row.queuedAt ? { ...row, queuedAt: since } : row,
      result,
      ctx: {
        now,
        windowMs: limiter.windowMs,
        maxAgeMs: deps.settings.delivery().maxAgeHours * 3600_000,
        retry,
        random,
        sentWithKey: key,
        currentKey: storedChannelKey(),
      },
      eventSiblings: row.eventId === null ? [] : eventMessageStatuses(db, row.eventId, row.id),
      partSiblings: row.kind === 'digest' && row.splitFrom !== null ? partStatuses(db, row.splitFrom, row.id) : [],
      digestMention: digestId === undefined ? 'none' : parseMentionRequest((digestId === row.id ? row : getDelivery(db, digestId))?.mentions ?? null),
      laterOfEvent: result.ok ? [] : laterQueuedOfEvent(db, row),
    });
    apply(row, result, plan, now);
  }

  function apply(row: DeliveryRow, result: SendResult, plan: SettlementPlan, now: number): void {
    const base = { latencyMs: result.latencyMs, httpStatus: result.httpStatus, errcode: result.errcode };
    if (result.ok) {
      updateDelivery(db, row.id, { ...base, status: 'sent', sentAt: now, errmsg: null, failure: null });
      if (plan.channel.current) recordChannelSuccess(db, now);
    } else {
      // A 45009 is kept apart from errcode, which the retry's answer overwrites: Troubleshooting counts it.
      const rateLimited = result.failure === 'rate_limited' ? { rateLimitedAt: now } : {};
      updateDelivery(db, row.id, { ...base, ...rateLimited, errmsg: result.errmsg, failure: result.failure, status: plan.status, nextAttemptAt: plan.nextAttemptAt });
      if (plan.channel.current) recordChannelError(db, now, result);
      log.warn('wecom send failed', { delivery: row.id, failure: result.failure, reason: result.reason, errcode: result.errcode, attempts: row.attempts + 1 });
    }
    if (plan.saturateLimiter) limiter.saturate(now);
    if (plan.action.type === 'pause') {
      if (plan.channel.invalidate) {
        markChannelInvalid(db, { now, errcode: result.errcode });
        log.error('WeCom rejected the bot: sending paused until the webhook URL is replaced', { errcode: result.errcode });
      } else {
        log.warn('a send with a replaced key was refused: the message goes out with the current key');
      }
    }
    if (plan.parts) {
      const { titles } = plan.parts;
      enqueueMessages(
        db,
        // A message of no event and no report run (a digest) makes its parts a set of their own: they go in order too.
        { kind: row.kind, category: row.category, severity: row.severity, priority: row.priority, eventId: row.eventId, setId: row.setId ?? (row.eventId === null ? row.id : null), splitFrom: row.id, template: row.template },
        plan.parts.messages,
        (i) => titles[i]!,
        now,
      );
    }
    for (const id of plan.diesWith ?? []) updateDelivery(db, id, { status: 'dead', failure: 'earlier_died', errcode: null, errmsg: null });
    if (plan.event) finishEvent(db, plan.event.id, plan.event.status, now);
    if (plan.digest) {
      settleDigestChunk(db, { digestId: plan.digest.id, status: plan.digest.status, at: now, afterId: 0 }, settleChunk);
      if (plan.digest.followUp !== 'none') queueDigestMentions(plan.digest.id, plan.digest.followUp, now);
    }
  }

  /**
   * A digest's members' mentions, once, in text messages right after it (rows first, like every
   * message; more than one only when they name more targets than one message lists), linked to the
   * digest by merged_into.
   */
  function queueDigestMentions(digestId: number, mention: MentionRequest, now: number): void {
    const digest = getDelivery(db, digestId);
    if (!digest) return;
    for (const lists of mentionLists(planMentions(mention, 'text'))) {
      enqueueMessage(
        db,
        {
          createdAt: now,
          kind: 'mention',
          category: digest.category,
          severity: digest.severity,
          priority: PRIORITY.critical,
          title: `${digest.title} · @`,
          queuedAt: now,
          nextAttemptAt: now,
          mergedInto: digestId,
        },
        textMessage(`↑ ${digestFollowUpHeading(digest.title, deps.settings.delivery().language)}`, lists),
      );
    }
  }

  async function send(row: DeliveryRow, key: string): Promise<void> {
    markSending(db, row.id, clock.now());
    lastSent = row;
    const { result, answered } = await countedCall(limiter, clock, () => deps.wecom.send(key, JSON.parse(row.payload) as WecomMessage));
    unrecorded.push(() =>
      db.$client.transaction(() => {
        updateDelivery(db, row.id, { lastAttemptAt: answered });
        finish(row, key, result, answered);
      })(),
    );
    record();
  }

  /** Writes the answered sends' outcomes in order, each all or nothing; when the database refuses, keeps them and throws. */
  function record(): void {
    while (unrecorded.length) {
      try {
        unrecorded[0]!();
      } catch (err) {
        // Only the database refusing is worth waiting for; anything else would block every later send.
        if (!/^SQLITE_/.test(String((err as { code?: unknown })?.code))) unrecorded.shift();
        throw err;
      }
      unrecorded.shift();
    }
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
      // The last time the appliance wrote down: a clock stepped back across the restart is a step
      // like any other (the first step shifts what waits), not a stall for its size.
      lastNow = latestRecordedAt(db);
      const recovered = recoverInterrupted(db, now);
      if (recovered) log.warn('re-sending messages interrupted by a restart', { count: recovered });
      for (const at of recentAttemptTimes(db, now - limiter.windowMs)) limiter.record(at);
      // A 45009 answered shortly before the restart still blocks the rest of its window.
      const limitedAt = recentRateLimitedAt(db, now - limiter.windowMs);
      if (limitedAt !== undefined) limiter.saturate(Math.min(limitedAt, now));
      // Restored from the command line within a window: the stopped appliance's calls before it are
      // not in this send log, so the window is taken as full until a window after the restore.
      const restoredAt = cliRestoredSince(db, now - limiter.windowMs);
      if (restoredAt !== undefined) limiter.saturate(Math.min(restoredAt, now));
      // A call cut off by the crash may have reached WeCom as late as now: count it from now too.
      for (let i = 0; i < recovered; i++) limiter.record(now);
      running = true;
      loopDone = loop();
    },
    recordLater(write) {
      unrecorded.push(write);
      wakeUp?.();
    },
    wake() {
      const now = clock.now();
      const clockStepped = backwardStepMs(lastNow, now) > 0;
      // The limiter is asked only when the worker sleeps for it (asking prunes its history).
      const waitMs = sleepingForLimiter ? limiter.waitMs(now) : 0;
      if (!wakeMatters({ sleepingForLimiter, waitMs, now, lastFold, everyMs: foldEveryMs, clockStepped })) return;
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
      return earliestPending(db) === undefined && !hasSending(db) && pendingDigestSettlement(db) === undefined;
    },
  };
}
