/** ASVS 2.1.1: at least 12 characters (existing shorter passwords keep working until the next change). */
export const MIN_PASSWORD_LENGTH = 12;
