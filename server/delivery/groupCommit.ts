import { noteCommit } from '../../db/checkpointer.ts';
import type { Db } from '../../db/client.ts';
import type { InboundEvent } from '../events/schema.ts';
import { ingestEvents, storeRequests, type Accepted, type IntakeDeps, type IntakeMeta } from './intake.ts';

export interface GroupCommit {
  /** Resolves once the request's events are committed (rejects when they were not: nothing of them stored). */
  submit(events: InboundEvent[], meta: IntakeMeta): Promise<Accepted[]>;
}

type Outcome = { ok: true; accepted: Accepted[] } | { ok: false; error: unknown };

interface Waiting {
  events: InboundEvent[];
  meta: IntakeMeta;
  resolve: (accepted: Accepted[]) => void;
  reject: (err: unknown) => void;
}

/** Most events one commit carries; a fuller queue commits at once. */
export const GROUP_COMMIT_MAX_EVENTS = 512;

/**
 * Group commit for inbound requests. Requests that arrive together (within one turn of the event loop,
 * so under load as many as came in while the previous commit ran) are stored in ONE transaction, and
 * each is answered only after that transaction has committed. Requests are applied in arrival order,
 * so idempotency keys and dedupe see earlier requests of the same batch exactly as they would see
 * earlier transactions.
 *
 * Should one request's work throw, the whole transaction is rolled back and the batch stored again
 * with each request in its own savepoint, so the failing request fails alone. (Savepoints are not
 * used up front: SQLite journals every page a savepoint touches, which doubled the cost per event.)
 * A failed commit fails them all, and nothing of theirs is stored.
 *
 * At low load a request waits for nothing: the batch is committed on the next check phase.
 */
export function createGroupCommit(deps: IntakeDeps, opts: { maxEvents?: number } = {}): GroupCommit {
  const maxEvents = opts.maxEvents ?? GROUP_COMMIT_MAX_EVENTS;
  const db: Db = deps.db;
  let queue: Waiting[] = [];
  let queuedEvents = 0;
  let scheduled: NodeJS.Immediate | undefined;

  function flush(): void {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    const batch = queue;
    queue = [];
    queuedEvents = 0;
    if (!batch.length) return;
    let outcomes: Outcome[];
    try {
      outcomes = commit(batch, false);
    } catch (error) {
      try {
        if (batch.length === 1) throw error;
        outcomes = commit(batch, true);
      } catch (again) {
        for (const w of batch) w.reject(again);
        return;
      }
    }
    batch.forEach((w, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) w.resolve(outcome.accepted);
      else w.reject(outcome.error);
    });
  }

  /** Stores the batch in one transaction; `isolated` puts each request in a savepoint of its own. */
  function commit(batch: Waiting[], isolated: boolean): Outcome[] {
    const outcomes: Outcome[] = [];
    db.$client
      .transaction(() => {
        if (!isolated) {
          for (const accepted of storeRequests(deps, batch)) outcomes.push({ ok: true, accepted });
          return;
        }
        for (const w of batch) {
          try {
            outcomes.push({ ok: true, accepted: ingestEvents(deps, w.events, w.meta) });
          } catch (error) {
            // Some errors (disk full, I/O) roll back the whole transaction, not just the savepoint:
            // then nothing of the batch is stored, and all of it fails.
            if (!db.$client.inTransaction) throw error;
            outcomes.push({ ok: false, error });
          }
        }
      })
      .immediate();
    noteCommit(db, batch.reduce((n, w) => n + w.events.length, 0));
    return outcomes;
  }

  return {
    submit(events, meta) {
      return new Promise<Accepted[]>((resolve, reject) => {
        queue.push({ events, meta, resolve, reject });
        queuedEvents += events.length;
        if (queuedEvents >= maxEvents) flush();
        else scheduled ??= setImmediate(flush);
      });
    },
  };
}
