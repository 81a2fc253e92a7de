import { randomBytes } from 'node:crypto';
import { safeEqual } from './tokens.ts';

// No 0/O, 1/I/L: the code is read from a log and typed by hand.
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/**
 * The one-time code that proves the person at /setup can read the appliance's log (as Jenkins and
 * Grafana do): without it, anyone who reaches an unconfigured appliance could claim it.
 */
export interface SetupCode {
  /** Compared in constant time; case, spaces and dashes do not matter. */
  matches(input: string): boolean;
  /** The code as printed: five groups of four characters (about 99 bits). */
  readonly display: string;
}

export function createSetupCode(): SetupCode {
  // 256 is not a multiple of 31: drop bytes above the last whole multiple so every character is equally likely.
  const chars: string[] = [];
  while (chars.length < 20) {
    for (const byte of randomBytes(32)) {
      if (byte < 248 && chars.length < 20) chars.push(ALPHABET[byte % ALPHABET.length]!);
    }
  }
  const code = chars.join('');
  return {
    display: code.match(/.{4}/g)!.join('-'),
    matches: (input) => safeEqual(input.toUpperCase().replace(/[\s-]/g, ''), code),
  };
}
