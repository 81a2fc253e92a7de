// What WeCom's answer to one queued message changes: the message, the limiter, the channel, the
// parts of a re-split, and the event or digest the message settles. Pure: the worker reads the
// message's siblings, asks planSettlement, and applies the plan in one transaction.
import type { DeliveryStatus } from '../../../db/schema.ts';
import type { SendResult } from '../../wecom/client.ts';
import type { WecomMessage } from '../../wecom/messages.ts';
import type { MentionRequest } from '../../rules/mentions.ts';
import { invalidatesChannel } from './channelInvalidation.ts';
import { partTitle } from './partTitle.ts';
import { sendOutcome, type OutcomeContext, type SendAction, type SentMessage } from './sendOutcome.ts';

export type Settlement = 'pending' | 'sent' | 'dead';

const PENDING = new Set<string>(['queued', 'sending']);

/**
 * An event's own messages (merged rows belong to a digest, which settles its events itself):
 * pending while any waits, dead when any died, else sent. Undefined when it has none of its own.
 */
export function eventSettlement(statuses: readonly string[]): Settlement | undefined {
  if (statuses.some((s) => PENDING.has(s))) return 'pending';
  const own = statuses.filter((s) => s !== 'merged');
  if (!own.length) return undefined;
  return own.some((s) => s === 'dead') ? 'dead' : 'sent';
}

/** A re-split digest settles once every part is final: digested when all were sent, else dead. */
export function splitDigestSettlement(partStatuses: readonly string[]): Settlement {
  if (partStatuses.some((s) => PENDING.has(s))) return 'pending';
  return partStatuses.some((s) => s === 'dead') ? 'dead' : 'sent';
}

/** The message WeCom answered, as the plan needs it. */
export interface AnsweredMessage extends SentMessage {
  id: number;
  kind: string;
  title: string;
  eventId: number | null;
}

export interface SettlementInput {
  row: AnsweredMessage;
  result: SendResult;
  ctx: OutcomeContext;
  /** The statuses of the event's other messages (none without an event). */
  eventSiblings: readonly DeliveryStatus[];
  /** For a part of a re-split digest: the statuses of the other parts. */
  partSiblings: readonly DeliveryStatus[];
  /** For a digest or a part of one: the mention its members asked for, sent once it is sent. */
  digestMention: MentionRequest;
  /** The queued messages of its event after it (its mention follow-up, its later parts). */
  laterOfEvent?: readonly number[];
}

export interface SettlementPlan {
  /** The core's answer to WeCom's (policy/sendOutcome). */
  action: SendAction;
  /** What the message becomes. */
  status: DeliveryStatus;
  /** Queued again: when it is due. */
  nextAttemptAt?: number;
  /** No call for a whole window (45009: WeCom counted the refused call too). */
  saturateLimiter: boolean;
  /**
   * The channel's last success or error, recorded only when `current` (the answer is for the
   * channel's key now: a late answer for a replaced URL says nothing about the new bot); `invalidate`
   * marks it invalid (its current key only).
   */
  channel: { ok: boolean; current: boolean; invalidate: boolean };
  /** A message too long: its parts, queued in its place, titled as one set. */
  parts?: { messages: WecomMessage[]; titles: string[] };
  /** The message's event, final now. */
  event?: { id: number; status: 'sent' | 'dead' };
  /** The digest this message settles (itself, or the original of its part), final now. */
  digest?: { id: number; status: 'digested' | 'dead'; followUp: MentionRequest };
  /**
   * An event's message that died takes the rest of the event's messages down with it: the group
   * never reads an @all ("see above") or a part 2 of an alert it did not get. A hand retry of this
   * one queues them again. (A report's or a digest's later parts carry content of their own and go.)
   */
  diesWith?: number[];
}

const STATUS_OF: Record<SendAction['type'], DeliveryStatus> = { sent: 'sent', retry: 'queued', pause: 'queued', split: 'merged', dead: 'dead' };

export function planSettlement(input: SettlementInput): SettlementPlan {
  const { row, result, ctx } = input;
  const action = sendOutcome(row, result, ctx);
  const status = STATUS_OF[action.type];
  const plan: SettlementPlan = {
    action,
    status,
    saturateLimiter: action.type === 'retry' && action.blockWindow === true,
    channel: { ok: result.ok, current: invalidatesChannel(ctx.sentWithKey, ctx.currentKey), invalidate: action.type === 'pause' && action.invalidate },
  };
  if (action.type === 'retry') plan.nextAttemptAt = action.at;
  if (action.type === 'pause') plan.nextAttemptAt = ctx.now;
  if (action.type === 'split') plan.parts = { messages: action.parts, titles: action.parts.map((_, i, all) => partTitle(row.title, i, all.length)) };
  if (action.type !== 'sent' && action.type !== 'dead') return plan;

  const later = action.type === 'dead' ? (input.laterOfEvent ?? []) : [];
  if (later.length > 0) plan.diesWith = [...later];
  if (row.eventId !== null) {
    // What they become counts now: one queued sibling less and one dead more for each.
    const siblings = [...input.eventSiblings];
    for (let i = 0; i < later.length; i++) {
      const at = siblings.indexOf('queued');
      if (at >= 0) siblings[at] = 'dead';
    }
    const settled = eventSettlement([...siblings, status]);
    if (settled === 'sent' || settled === 'dead') plan.event = { id: row.eventId, status: settled };
  }
  if (row.kind === 'digest') {
    const outcome = row.splitFrom === null ? action.type : splitDigestSettlement([...input.partSiblings, status]);
    if (outcome !== 'pending') {
      plan.digest = { id: row.splitFrom ?? row.id, status: outcome === 'sent' ? 'digested' : 'dead', followUp: outcome === 'sent' ? input.digestMention : 'none' };
    }
  }
  return plan;
}
