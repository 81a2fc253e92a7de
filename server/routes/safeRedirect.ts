/** Only same-site paths: no scheme, no `//host`, no backslashes that browsers read as slashes. */
export function safeLocalPath(candidate: string | undefined | null, fallback = '/'): string {
  if (!candidate || !candidate.startsWith('/') || candidate.startsWith('//')) return fallback;
  if (/[\\\s]/.test(candidate) || /[\u0000-\u001f\u007f]/.test(candidate)) return fallback;
  return candidate;
}
