// What the answer to a connect or test send changes. The admin waits for it, so it is final at
// once (sent or failed, never queued again); WeCom counted a refused call too, so a 45009 blocks
// the whole window; only an answer for the channel's current key is recorded on the channel (its
// last success or error) and may mark it invalid.
import type { SendResult } from '../../wecom/client.ts';
import { invalidatesChannel } from './channelInvalidation.ts';

export interface TestSendPlan {
  status: 'sent' | 'failed';
  saturateLimiter: boolean;
  /** The answer is for the channel's key now: it is the channel's last success or error (a late answer for a replaced URL says nothing about the new bot). */
  current: boolean;
  invalidateChannel: boolean;
}

/** `currentKey`: the stored key now (undefined for a connect, whose key is stored only once it works). */
export function planTestSend(result: SendResult, keys: { sentWithKey: string; currentKey: string | undefined }): TestSendPlan {
  const current = invalidatesChannel(keys.sentWithKey, keys.currentKey);
  if (result.ok) return { status: 'sent', saturateLimiter: false, current, invalidateChannel: false };
  return {
    status: 'failed',
    saturateLimiter: result.failure === 'rate_limited',
    current,
    invalidateChannel: result.failure === 'invalid_channel' && current,
  };
}
