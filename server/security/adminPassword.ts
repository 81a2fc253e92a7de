import type { Db } from '../../db/client.ts';
import { getAdminPasswordHash, setAdminPasswordHash } from '../../db/queries/admin.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { throttleKey } from './clientAddress.ts';
import type { LoginThrottle } from './loginThrottle.ts';
import type { PasswordHasher } from './passwords.ts';

export type AdminPasswordCheck =
  | { kind: 'ok' }
  | { kind: 'wrong' }
  /** Refused before any check: this client's attempts are used up, or too many checks run at once. */
  | { kind: 'throttled' | 'busy'; seconds: number; minutes: number };

export interface AdminPasswordDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  loginThrottle: LoginThrottle;
  passwords: PasswordHasher;
}

/**
 * The one way the console checks the admin password (sign-in and password change): admitted by the
 * throttle first, then scrypt; a correct password under an outdated cost is hashed again at once.
 */
export async function checkAdminPassword(deps: AdminPasswordDeps, client: string | null, password: string): Promise<AdminPasswordCheck> {
  const stored = getAdminPasswordHash(deps.db);
  if (!stored) return { kind: 'wrong' };
  const verdict = deps.loginThrottle.begin(throttleKey(client));
  if (!verdict.allowed) {
    const ms = verdict.retryAfterMs;
    return { kind: verdict.reason, seconds: Math.ceil(ms / 1000), minutes: Math.max(1, Math.ceil(ms / 60_000)) };
  }
  const { attempt } = verdict;
  try {
    const check = await deps.passwords.verify(password, stored);
    if (!check.ok) return { kind: 'wrong' };
    if (check.needsRehash) {
      const upgraded = await deps.passwords.hash(password);
      // Only if nobody changed the password meanwhile.
      if (getAdminPasswordHash(deps.db) === stored) {
        setAdminPasswordHash(deps.db, upgraded, deps.clock.now());
        deps.log.info('admin password hash upgraded to the current scrypt cost');
      }
    }
    attempt.succeeded();
    return { kind: 'ok' };
  } finally {
    attempt.failed(); // a wrong password or a thrown error; a no-op after succeeded()
  }
}
