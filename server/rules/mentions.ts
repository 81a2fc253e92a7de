// Who a message mentions: an event's own `mention` plus the rules' policy for critical events, and
// the union a digest carries for its members.
import type { InboundEvent } from '../events/schema.ts';

export type MentionRequest = 'none' | 'all' | string[];

export interface CriticalMentionRule {
  mode: 'none' | 'all' | 'list';
  targets: readonly string[];
}

/** An event's own `mention`, plus the rule's mention policy for critical events. */
export function mentionRequest(e: Pick<InboundEvent, 'mention' | 'severity'>, rules: { criticalMention: CriticalMentionRule }): MentionRequest {
  const own = e.mention ?? 'none';
  const policy = e.severity === 'critical' ? rules.criticalMention : { mode: 'none' as const, targets: [] };
  if (own === 'all' || policy.mode === 'all') return 'all';
  const list = [...(Array.isArray(own) ? own : []), ...(policy.mode === 'list' ? policy.targets : [])];
  // Every target is kept: rendering lists them in as many text messages as WeCom needs (mentionLists).
  return list.length ? [...new Set(list)] : 'none';
}

/**
 * Targets a digest names one by one at most: five text messages of 20. More is a storm that asks
 * for most of the group, and `@all` reaches every one of them in one message (and keeps a digest
 * of 50,000 members from carrying, and re-writing at each fold, a list as long as the storm).
 */
export const MAX_UNION_TARGETS = 100;

/** Every member's mention, once: `all` covers everyone, and stands for more than MAX_UNION_TARGETS. */
export function mentionUnion(requests: Iterable<MentionRequest>): MentionRequest {
  const targets = new Set<string>();
  for (const r of requests) {
    if (r === 'all') return 'all';
    if (r !== 'none') for (const t of r) targets.add(t);
    if (targets.size > MAX_UNION_TARGETS) return 'all';
  }
  return targets.size ? [...targets] : 'none';
}

export function parseMentionRequest(stored: string | null): MentionRequest {
  if (!stored) return 'none';
  const parsed = JSON.parse(stored) as MentionRequest;
  return parsed === 'all' || Array.isArray(parsed) ? parsed : 'none';
}

export function storedMentionRequest(r: MentionRequest): string | null {
  return r === 'none' ? null : JSON.stringify(r);
}
