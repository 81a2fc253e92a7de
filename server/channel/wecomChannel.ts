import type { Db } from '../../db/client.ts';
import { writeAudit } from '../../db/queries/audit.ts';
import {
  deleteChannel,
  getChannel,
  markChannelInvalid,
  recordChannelError,
  recordChannelSuccess,
  saveConnectedChannel,
} from '../../db/queries/channel.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { SecretBox } from '../security/secretBox.ts';
import { PRIORITY } from '../delivery/policy/priority.ts';
import { planTestSend, type TestSendPlan } from '../delivery/policy/testSend.ts';
import { countedCall, type RateLimiter } from '../delivery/rateLimiter.ts';
import { insertDelivery, updateDelivery } from '../delivery/store.ts';
import { testMessage } from '../render/testMessage.ts';
import type { SettingsStore } from '../settings/settingsStore.ts';
import type { SendResult, WecomClient } from '../wecom/client.ts';
import { utf8Bytes, type WecomMessage } from '../wecom/messages.ts';
import { keyLast4, maskedWebhookUrl, parseWebhookUrl, type UrlErrorDetail, type WebhookUrlErrorCode } from '../wecom/webhookUrl.ts';

export interface ChannelDeps {
  db: Db;
  clock: Clock;
  wecom: WecomClient;
  secretBox: SecretBox;
  log: Logger;
  settings: SettingsStore;
  limiter: RateLimiter;
  wakeWorker: () => void;
  /** Hands the worker an answered send's outcome the database refused, to write once it can. */
  recordLater: (write: () => void) => void;
}

export type SendFailure = Extract<SendResult, { ok: false }>;

export type ConnectOutcome =
  | { ok: true; replaced: boolean; droppedParams: string[] }
  | { ok: false; stage: 'format'; code: WebhookUrlErrorCode; detail?: UrlErrorDetail }
  /** The limiter's window is full (connect and test sends count like any message): nothing was sent. */
  | { ok: false; stage: 'rate_limited'; waitMs: number }
  | { ok: false; stage: 'send'; failure: SendFailure; droppedParams: string[] };

export type TestOutcome =
  | { ok: true }
  | { ok: false; reason: 'no_bot' }
  /** The stored key cannot be decrypted with this data key: nothing was sent. */
  | { ok: false; reason: 'key_unreadable' }
  | { ok: false; reason: 'rate_limited'; waitMs: number }
  | { ok: false; reason: 'send'; failure: SendFailure };

export interface ChannelStatus {
  /** `unreadable`: connected, but the stored key cannot be decrypted with this data key, so nothing is sent. */
  state: 'none' | 'connected' | 'invalid' | 'unreadable';
  maskedUrl?: string;
  connectedAt?: number;
  invalidSince?: number | null;
  invalidErrcode?: number | null;
  lastSuccessAt?: number | null;
  lastErrorAt?: number | null;
  lastErrcode?: number | null;
  lastFailure?: string | null;
}

export function channelStatus(deps: Pick<ChannelDeps, 'db' | 'secretBox'>): ChannelStatus {
  const row = getChannel(deps.db);
  if (!row) return { state: 'none' };
  return {
    state: row.status === 'connected' && !keyOpens(deps.secretBox, row) ? 'unreadable' : row.status,
    maskedUrl: maskedWebhookUrl(row.keyLast4),
    connectedAt: row.connectedAt,
    invalidSince: row.invalidSince,
    invalidErrcode: row.invalidErrcode,
    lastSuccessAt: row.lastSuccessAt,
    lastErrorAt: row.lastErrorAt,
    lastErrcode: row.lastErrcode,
    lastFailure: row.lastFailure,
  };
}

/** Whether the stored key opens with this data key; a check, so the key is neither kept nor logged. */
function keyOpens(secretBox: SecretBox, row: { keyCiphertext: string }): boolean {
  try {
    secretBox.open(row.keyCiphertext);
    return true;
  } catch {
    return false;
  }
}

/** The key while the bot can be sent to (connected, not invalid); the worker pauses otherwise. */
export function usableChannelKey(deps: Pick<ChannelDeps, 'db' | 'secretBox' | 'log'>): string | undefined {
  const row = getChannel(deps.db);
  // The worker asks before every step: one read of the channel, not two.
  return row?.status === 'connected' ? openKey(deps, row) : undefined;
}

/** The stored key in clear, for the sender only; registered with the logger so it is redacted. */
export function storedKey(deps: Pick<ChannelDeps, 'db' | 'secretBox' | 'log'>): string | undefined {
  const row = getChannel(deps.db);
  return row && openKey(deps, row);
}

function openKey(deps: Pick<ChannelDeps, 'secretBox' | 'log'>, row: { keyCiphertext: string }): string | undefined {
  let key: string;
  try {
    key = deps.secretBox.open(row.keyCiphertext);
  } catch {
    // A database restored without its secret.key (or with another SECRET_KEY): the key is unreadable.
    // Sending pauses like with no bot; pasting the URL again (Replace URL) stores it with this data key.
    deps.log.error('the stored webhook key cannot be decrypted with this data key (secret.key or SECRET_KEY changed): paste the webhook URL again');
    return undefined;
  }
  deps.log.addSecret(key);
  return key;
}

function testMessageFor(deps: ChannelDeps, kind: 'connected' | 'manual'): WecomMessage {
  const { language, format } = deps.settings.delivery();
  return testMessage({ kind, format, lang: language, timeZone: deps.settings.general().timeZone, at: deps.clock.now() });
}

/** The send log's titles of the two test messages (stored in English; the console shows them in the reader's language). */
export const TEST_TITLES = { connected: 'connect test', manual: 'test notification' } as const;

/**
 * Sends one message right now and records it in the send log (row first, then the network call).
 * Used for the connect and test flows, where the admin waits for WeCom's answer.
 */
async function sendRecorded(
  deps: ChannelDeps,
  key: string,
  message: WecomMessage,
  title: string,
  currentKey: () => string | undefined,
): Promise<{ result: SendResult; plan: TestSendPlan }> {
  const now = deps.clock.now();
  const payload = JSON.stringify(message);
  const id = insertDelivery(deps.db, {
    createdAt: now,
    kind: 'test',
    severity: 'info',
    priority: PRIORITY.critical,
    status: 'sending',
    title,
    msgtype: message.msgtype,
    payload,
    bytes: utf8Bytes(payload),
    attempts: 1,
    nextAttemptAt: now,
    queuedAt: now,
    lastAttemptAt: now,
  });
  const { result, answered: done } = await countedCall(deps.limiter, deps.clock, () => deps.wecom.send(key, message));
  // The URL may have been replaced while this send was in flight: only the current key's answer counts.
  const plan = planTestSend(result, { sentWithKey: key, currentKey: currentKey() });
  // WeCom counted the refused call: no call for a whole window, the worker's included.
  if (plan.saturateLimiter) deps.limiter.saturate(done);
  const record = () =>
    updateDelivery(
      deps.db,
      id,
      result.ok
        ? { status: plan.status, sentAt: done, lastAttemptAt: done, errcode: 0, latencyMs: result.latencyMs, httpStatus: result.httpStatus }
        : {
            lastAttemptAt: done,
            status: plan.status,
            errcode: result.errcode,
            errmsg: result.errmsg,
            failure: result.failure,
            rateLimitedAt: result.failure === 'rate_limited' ? done : null,
            httpStatus: result.httpStatus,
            latencyMs: result.latencyMs,
          },
    );
  try {
    record();
  } catch (err) {
    // The database refused (disk full, read-only, locked): WeCom has answered, so the row must not
    // stay `sending` and be re-sent as interrupted; the worker writes it as it does its own sends.
    deps.recordLater(record);
    throw err;
  }
  deps.log.info(result.ok ? 'wecom send ok' : 'wecom send failed', {
    delivery: id,
    kind: 'test',
    errcode: result.errcode,
    failure: result.ok ? undefined : result.failure,
    latencyMs: result.latencyMs,
  });
  return { result, plan };
}

/**
 * Validates the pasted URL, sends a test message with it, and only when WeCom answers errcode 0
 * stores the key (encrypted), replacing any previous bot in one statement.
 */
export async function connectBot(deps: ChannelDeps, input: string, audit: { ip: string | null }): Promise<ConnectOutcome> {
  const parsed = parseWebhookUrl(input);
  if (!parsed.ok) {
    writeAudit(deps.db, deps.clock.now(), {
      actor: 'admin',
      action: 'channel.connect_failed',
      detail: { reason: parsed.code },
      ip: audit.ip,
    });
    return { ok: false, stage: 'format', code: parsed.code, detail: parsed.detail };
  }
  deps.log.addSecret(parsed.key);
  const waitMs = deps.limiter.waitMs(deps.clock.now());
  if (waitMs > 0) return { ok: false, stage: 'rate_limited', waitMs };
  const replaced = getChannel(deps.db) !== undefined;
  // The key is stored only once it works: a refusal of it marks no channel invalid.
  const { result } = await sendRecorded(deps, parsed.key, testMessageFor(deps, 'connected'), TEST_TITLES.connected, () => undefined);
  const now = deps.clock.now();
  if (!result.ok) {
    writeAudit(deps.db, now, {
      actor: 'admin',
      action: 'channel.connect_failed',
      detail: { keyLast4: keyLast4(parsed.key), errcode: result.errcode, failure: result.failure },
      ip: audit.ip,
    });
    return { ok: false, stage: 'send', failure: result, droppedParams: parsed.droppedParams };
  }
  saveConnectedChannel(deps.db, { keyCiphertext: deps.secretBox.seal(parsed.key), keyLast4: keyLast4(parsed.key), now });
  writeAudit(deps.db, now, {
    actor: 'admin',
    action: replaced ? 'channel.replace' : 'channel.connect',
    detail: { keyLast4: keyLast4(parsed.key) },
    ip: audit.ip,
  });
  deps.log.info(replaced ? 'channel replaced' : 'channel connected', { keyLast4: keyLast4(parsed.key) });
  // Messages queued while the old bot was invalid (or before any bot) can go out now.
  deps.wakeWorker();
  return { ok: true, replaced, droppedParams: parsed.droppedParams };
}

export async function sendTestNotification(deps: ChannelDeps, audit: { ip: string | null }): Promise<TestOutcome> {
  const key = storedKey(deps);
  if (!key) return { ok: false, reason: getChannel(deps.db) ? 'key_unreadable' : 'no_bot' };
  // The test counts against the bot's 20 per minute like any message; never trip WeCom's limit for it.
  const waitMs = deps.limiter.waitMs(deps.clock.now());
  if (waitMs > 0) return { ok: false, reason: 'rate_limited', waitMs };
  const { result, plan } = await sendRecorded(deps, key, testMessageFor(deps, 'manual'), TEST_TITLES.manual, () => storedKey(deps));
  const now = deps.clock.now();
  writeAudit(deps.db, now, {
    actor: 'admin',
    action: 'channel.test',
    detail: { ok: result.ok, errcode: result.errcode },
    ip: audit.ip,
  });
  if (result.ok) {
    if (plan.current) recordChannelSuccess(deps.db, now);
    deps.wakeWorker();
    return { ok: true };
  }
  if (plan.current) recordChannelError(deps.db, now, result);
  if (plan.invalidateChannel) markChannelInvalid(deps.db, { now, errcode: result.errcode });
  return { ok: false, reason: 'send', failure: result };
}

export function disconnectBot(deps: Pick<ChannelDeps, 'db' | 'clock' | 'log'>, audit: { ip: string | null }): boolean {
  const row = getChannel(deps.db);
  if (!row) return false;
  deleteChannel(deps.db);
  writeAudit(deps.db, deps.clock.now(), {
    actor: 'admin',
    action: 'channel.disconnect',
    detail: { keyLast4: row.keyLast4 },
    ip: audit.ip,
  });
  deps.log.info('channel disconnected', { keyLast4: row.keyLast4 });
  return true;
}
