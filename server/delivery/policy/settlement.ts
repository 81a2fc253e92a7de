// When an event or a digest is final, from the statuses of its messages.

export type Settlement = 'pending' | 'sent' | 'dead';

/**
 * An event's own messages (merged rows belong to a digest, which settles its events itself):
 * pending while any waits, dead when any died, else sent. Undefined when it has none of its own.
 */
export function eventSettlement(statuses: readonly string[]): Settlement | undefined {
  if (statuses.some((s) => s === 'queued' || s === 'sending')) return 'pending';
  const own = statuses.filter((s) => s !== 'merged');
  if (!own.length) return undefined;
  return own.some((s) => s === 'dead') ? 'dead' : 'sent';
}

/** A re-split digest settles once every part is final: digested when all were sent, else dead. */
export function splitDigestSettlement(partStatuses: readonly string[]): Settlement {
  if (partStatuses.some((s) => s === 'queued' || s === 'sending')) return 'pending';
  return partStatuses.some((s) => s === 'dead') ? 'dead' : 'sent';
}
