/**
 * SQLite errors that mean "cannot store right now" (disk full, read-only, locked past busy_timeout,
 * I/O trouble): the answer is 503 and the transaction rolled back, never a 500.
 */
export function isStorageUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^SQLITE_(FULL|IOERR|READONLY|BUSY|LOCKED|CANTOPEN|CORRUPT|NOTADB)/.test(code);
}
