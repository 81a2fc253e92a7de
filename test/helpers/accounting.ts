import type { Db } from '../../db/client.ts';
import { countEventsByStatus } from '../../db/queries/events.ts';
import type { ReceivedMessage } from '../fakeWecom.ts';

/**
 * Events by final outcome; `pending` counts those not final yet: queued, held, or digested into a
 * digest that has not been sent yet (`finished_at` still empty).
 */
export function outcomes(db: Db): { sent: number; digested: number; suppressed: number; dead: number; stored: number; pending: number } {
  const c = countEventsByStatus(db);
  const waiting = (db.$client.prepare(`SELECT count(*) AS n FROM events WHERE status = 'digested' AND finished_at IS NULL`).get() as { n: number }).n;
  return {
    sent: c.sent ?? 0,
    digested: (c.digested ?? 0) - waiting,
    suppressed: c.suppressed ?? 0,
    dead: c.dead ?? 0,
    stored: c.stored ?? 0,
    pending: (c.queued ?? 0) + (c.held ?? 0) + waiting,
  };
}

/** The most messages the fake received inside any window of `windowMs`. */
export function maxInAnyWindow(received: ReceivedMessage[], windowMs: number): number {
  const times = received.map((m) => m.at).sort((a, b) => a - b);
  let max = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= windowMs) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

/** Runs `tasks` with at most `concurrency` in flight. */
export async function pool<T>(items: T[], concurrency: number, task: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        await task(items[i]!, i);
      }
    }),
  );
}
