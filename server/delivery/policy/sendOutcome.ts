// What the worker does with WeCom's answer to one queued message. Pure: the worker applies it.
import type { SendResult } from '../../wecom/client.ts';
import type { WecomMessage } from '../../wecom/messages.ts';
import { backoffMs, isExpired, type RetryPolicy } from './retry.ts';
import { invalidatesChannel } from './channelInvalidation.ts';
import { resplit } from './resplit.ts';

export type SendAction =
  | { type: 'sent' }
  /** Back to the queue, due at `at`; `blockWindow` after a 45009 (no call for a whole window). */
  | { type: 'retry'; at: number; blockWindow?: boolean }
  /** 93000 and kin: re-queued; the channel is marked invalid only for an answer to its current key. */
  | { type: 'pause'; invalidate: boolean }
  | { type: 'split'; parts: WecomMessage[] }
  | { type: 'dead' };

export interface SentMessage {
  payload: string;
  /** Set on a part of a re-split message: a part too long again is final. */
  splitFrom: number | null;
  attempts: number;
  queuedAt: number;
}

export interface OutcomeContext {
  now: number;
  windowMs: number;
  maxAgeMs: number;
  retry: RetryPolicy;
  random: () => number;
  sentWithKey: string;
  /** The channel's key now (it may have been replaced while the send was in flight). */
  currentKey: string | undefined;
}

export function sendOutcome(row: SentMessage, result: SendResult, ctx: OutcomeContext): SendAction {
  if (result.ok) return { type: 'sent' };
  switch (result.failure) {
    case 'rate_limited':
      return { type: 'retry', at: ctx.now + ctx.windowMs, blockWindow: true };
    case 'invalid_channel':
      return { type: 'pause', invalidate: invalidatesChannel(ctx.sentWithKey, ctx.currentKey) };
    case 'too_long': {
      const parts = row.splitFrom === null ? resplit(JSON.parse(row.payload) as WecomMessage) : undefined;
      return parts ? { type: 'split', parts } : { type: 'dead' };
    }
    case 'transient':
      if (isExpired(row.queuedAt, ctx.now, ctx.maxAgeMs)) return { type: 'dead' };
      return { type: 'retry', at: ctx.now + backoffMs(row.attempts + 1, ctx.retry, ctx.random) };
    default:
      return { type: 'dead' };
  }
}
