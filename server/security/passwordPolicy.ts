import * as v from 'valibot';

/** ASVS 2.1.1: at least 12 characters (existing shorter passwords keep working until the next change). */
export const MIN_PASSWORD_LENGTH = 12;

/**
 * The minimum for every password set (first-run setup, Settings, ADMIN_PASSWORD), in characters as
 * typed: code points, as String.length counts an emoji twice and six of them would pass as twelve.
 */
export const passwordMinLength = (message: string) => v.check((s: string) => [...s].length >= MIN_PASSWORD_LENGTH, message);
