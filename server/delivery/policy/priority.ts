// The queue's two priorities: critical messages go out first, everything else FIFO after them.
import type { Severity } from '../../events/schema.ts';

export const PRIORITY = { critical: 0, normal: 1 } as const;
export type Priority = (typeof PRIORITY)[keyof typeof PRIORITY];

/** An event's messages are queued at its severity's priority. */
export function priorityOf(severity: Severity): Priority {
  return severity === 'critical' ? PRIORITY.critical : PRIORITY.normal;
}
