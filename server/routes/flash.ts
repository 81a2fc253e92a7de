// Post/redirect/get: a form's outcome waits here for the one GET the redirect leads to, so a reload
// of the result page repeats nothing and shows nothing stale. In memory, per session, short-lived:
// an outcome nobody came back for (or lost in a restart) only costs its message.
import type { Context } from 'hono';
import type { Clock } from '../clock.ts';
import type { AppEnv } from '../env.ts';

export const FLASH_TTL_MS = 5 * 60_000;

export interface FlashStore {
  /** Keeps `value` for the session under `slot`, replacing an earlier one. */
  put<T>(session: string, slot: string, value: T): void;
  /** The value, once: a second take (a reload) gets nothing. */
  take<T>(session: string, slot: string): T | undefined;
}

export function createFlashStore(clock: Clock): FlashStore {
  const entries = new Map<string, { value: unknown; expires: number }>();
  const forgetExpired = (now: number) => {
    for (const [id, e] of entries) if (e.expires <= now) entries.delete(id);
  };
  return {
    put(session, slot, value) {
      const now = clock.now();
      forgetExpired(now);
      entries.set(`${session}\n${slot}`, { value, expires: now + FLASH_TTL_MS });
    },
    take<T>(session: string, slot: string) {
      const id = `${session}\n${slot}`;
      const e = entries.get(id);
      entries.delete(id);
      return e && e.expires > clock.now() ? (e.value as T) : undefined;
    },
  };
}

/** The flash belongs to the signed-in session (its stored hash, never the cookie itself). */
export function sessionKey(c: Context<AppEnv>): string {
  return c.var.session?.tokenHash ?? '';
}
