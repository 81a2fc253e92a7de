import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt cost: OWASP's minimum N = 2^17 with r = 8, p = 1 (128 MiB and a few hundred ms per check). */
export const SCRYPT_N = 2 ** 17;
const R = 8;
const P = 1;
const KEY_LEN = 64;
/** Hashes with a larger N than this are refused rather than run (a stored hash must not exhaust memory). */
const MAX_N = 2 ** 20;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; Node refuses above maxmem (32 MiB by default), so allow that plus room.
  const maxmem = 128 * n * r + 1024 * 1024;
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LEN, { N: n, r, p, maxmem }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export interface PasswordCheck {
  ok: boolean;
  /** The stored hash is weaker than today's cost: hash the (correct) password again. */
  needsRehash: boolean;
}

export interface PasswordHasher {
  /** `scrypt$N$r$p$salt$hash`, so the cost can be raised later without breaking old hashes. */
  hash(password: string): Promise<string>;
  verify(password: string, stored: string): Promise<PasswordCheck>;
}

/** `n` is the scrypt cost for new hashes; tests pass a smaller one to keep sign-ins fast. */
export function createPasswordHasher(opts: { n?: number } = {}): PasswordHasher {
  const n = opts.n ?? SCRYPT_N;
  return {
    async hash(password) {
      const salt = randomBytes(16);
      const key = await derive(password, salt, n, R, P);
      return ['scrypt', n, R, P, salt.toString('base64'), key.toString('base64')].join('$');
    },
    async verify(password, stored) {
      const [scheme, sn, sr, sp, salt, hash] = stored.split('$');
      const [hn, hr, hp] = [Number(sn), Number(sr), Number(sp)];
      const refused = { ok: false, needsRehash: false };
      if (scheme !== 'scrypt' || !salt || !hash || !(hn >= 2 && hn <= MAX_N) || !(hr >= 1 && hr <= 32) || !(hp >= 1 && hp <= 16)) return refused;
      const expected = Buffer.from(hash, 'base64');
      const actual = await derive(password, Buffer.from(salt, 'base64'), hn, hr, hp);
      const ok = actual.length === expected.length && timingSafeEqual(actual, expected);
      return { ok, needsRehash: ok && (hn < n || hr < R) };
    },
  };
}
