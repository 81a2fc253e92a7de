// When a backlog is folded into digests, and what may be folded.

/** Kinds whose queued messages a storm folds into per-category digests (reports never are). */
export const FOLDABLE_KINDS = ['alert', 'task_result'] as const;

/** How many messages the limit lets out within the digest window, counting what is already used. */
export function foldCapacity(o: { limit: number; windowMs: number; digestWindowSeconds: number; used: number }): number {
  const windows = (o.digestWindowSeconds * 1000) / o.windowMs;
  return Math.max(1, Math.floor(o.limit * windows) - o.used);
}

/**
 * A fold is due when more events wait than the capacity. Events, not rows: an event's mention
 * follow-up is part of its message set, not another event.
 */
export function foldDue(queuedEvents: number, capacity: number): boolean {
  return queuedEvents > capacity;
}
