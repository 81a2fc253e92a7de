// Which queued message goes out next.

interface Queued {
  priority: number;
  nextAttemptAt: number;
}

/**
 * The message to send now: the next one of the set (an event's messages, a report run's) whose
 * message went out last (the parts and mention follow-up an event's message was rendered into at
 * its send, a report's parts and chart, keep together), unless it is not due yet or a more urgent
 * message is; otherwise the first due (critical first, then FIFO).
 */
export function nextToSend<T extends Queued>(firstDue: T | undefined, sameSetNext: T | undefined, now: number): T | undefined {
  if (sameSetNext && sameSetNext.nextAttemptAt <= now && (!firstDue || sameSetNext.priority <= firstDue.priority)) return sameSetNext;
  return firstDue;
}
