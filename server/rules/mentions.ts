// Who a message mentions: an event's own `mention` plus the rules' policy for critical events, and
// the union a digest carries for its members.
import type { InboundEvent } from '../events/schema.ts';

export type MentionRequest = 'none' | 'all' | string[];

/** WeCom takes at most this many targets per list. */
const MAX_TARGETS = 20;

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
  return list.length ? [...new Set(list)].slice(0, MAX_TARGETS) : 'none';
}

/** Every member's mention, once: `all` covers everyone. */
export function mentionUnion(requests: Iterable<MentionRequest>): MentionRequest {
  const targets = new Set<string>();
  for (const r of requests) {
    if (r === 'all') return 'all';
    if (r !== 'none') for (const t of r) targets.add(t);
  }
  return targets.size ? [...targets].slice(0, MAX_TARGETS) : 'none';
}

export function parseMentionRequest(stored: string | null): MentionRequest {
  if (!stored) return 'none';
  const parsed = JSON.parse(stored) as MentionRequest;
  return parsed === 'all' || Array.isArray(parsed) ? parsed : 'none';
}

export function storedMentionRequest(r: MentionRequest): string | null {
  return r === 'none' ? null : JSON.stringify(r);
}
