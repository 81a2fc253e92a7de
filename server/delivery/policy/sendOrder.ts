// Which queued message goes out next.

interface Queued {
  priority: number;
  nextAttemptAt: number;
}

/**
 * The message to send now: the next one of the event whose message went out last (the parts and
 * mention follow-up an event's message was rendered into at its send keep together), unless it is
 * not due yet or a more urgent message is; otherwise the first due (critical first, then FIFO).
 */
export function nextToSend<T extends Queued>(firstDue: T | undefined, sameEventNext: T | undefined, now: number): T | undefined {
  if (sameEventNext && sameEventNext.nextAttemptAt <= now && (!firstDue || sameEventNext.priority <= firstDue.priority)) return sameEventNext;
  return firstDue;
}
