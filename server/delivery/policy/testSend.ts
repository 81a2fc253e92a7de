// What the answer to a connect or test send changes. The admin waits for it, so it is final at
// once (sent or failed, never queued again); WeCom counted a refused call too, so a 45009 blocks
// the whole window; only an answer for the channel's current key may mark the channel invalid.
import type { SendResult } from '../../wecom/client.ts';
import { invalidatesChannel } from './channelInvalidation.ts';

export interface TestSendPlan {
  status: 'sent' | 'failed';
  saturateLimiter: boolean;
  invalidateChannel: boolean;
}

/** `currentKey`: the stored key now (undefined for a connect, whose key is stored only once it works). */
export function planTestSend(result: SendResult, keys: { sentWithKey: string; currentKey: string | undefined }): TestSendPlan {
  if (result.ok) return { status: 'sent', saturateLimiter: false, invalidateChannel: false };
  return {
    status: 'failed',
    saturateLimiter: result.failure === 'rate_limited',
    invalidateChannel: result.failure === 'invalid_channel' && invalidatesChannel(keys.sentWithKey, keys.currentKey),
  };
}
