import type { Clock } from '../clock.ts';

export interface CachedLoad<T> {
  get(): Promise<T>;
}

/**
 * A value loaded at most once per `ttlMs`: callers within that time share the last result, and
 * callers while a load runs share that load (concurrent scrapes collapse into one). A failed load
 * is not kept.
 */
export function cachedLoad<T>(opts: { clock: Clock; ttlMs: number; load: () => Promise<T> }): CachedLoad<T> {
  let last: { at: number; value: T } | undefined;
  let running: Promise<T> | undefined;
  return {
    get() {
      // A wall clock stepped back makes the age negative: load again rather than serve it for the size of the step.
      const age = last ? opts.clock.now() - last.at : -1;
      if (last && age >= 0 && age < opts.ttlMs) return Promise.resolve(last.value);
      running ??= opts.load().then(
        (value) => {
          last = { at: opts.clock.now(), value };
          running = undefined;
          return value;
        },
        (err: unknown) => {
          running = undefined;
          throw err;
        },
      );
      return running;
    },
  };
}
