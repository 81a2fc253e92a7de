// The hook mappings' path syntax: a small, documented subset of JSONPath that only reads, never
// evaluates. `$` is the payload; `.name` or `["any key"]` selects a member; `[2]` an array item,
// `[-1]` the last one. Examples: `alerts[0].labels.alertname`, `$.workflow_run.html_url`,
// `labels["app.kubernetes.io/name"]`.

export type PathSegment = string | number;
/** Why a path or template does not parse; `at` is the text in question. Worded by the caller (console, API). */
export type MappingSyntaxError =
  | { code: 'empty' | 'tooLong' | 'tooManyParts' | 'unopened' | 'unclosed' }
  | { code: 'leadingDot' | 'badName' | 'badBracket' | 'badQuoted' | 'unexpected'; at: string };
export type ParsedPath = { ok: true; segments: PathSegment[] } | { ok: false; error: MappingSyntaxError };

export const PATH_LIMITS = { chars: 200, segments: 20 } as const;

const NAME = /^[A-Za-z_$@][\w$@-]*/;

export function parsePath(text: string): ParsedPath {
  const source = text.trim();
  if (source === '') return { ok: false, error: { code: 'empty' } };
  if (source.length > PATH_LIMITS.chars) return { ok: false, error: { code: 'tooLong' } };
  if (source.startsWith('.')) return { ok: false, error: { code: 'leadingDot', at: source } };
  let rest = source === '$' ? '' : source.startsWith('$.') || source.startsWith('$[') ? source.slice(1) : source.startsWith('[') ? source : '.' + source;
  const segments: PathSegment[] = [];
  while (rest !== '') {
    if (rest.startsWith('.')) {
      const name = NAME.exec(rest.slice(1))?.[0];
      if (!name) return { ok: false, error: { code: 'badName', at: source } };
      segments.push(name);
      rest = rest.slice(1 + name.length);
    } else if (rest.startsWith('[')) {
      const index = /^\[(-?\d{1,6})\]/.exec(rest);
      const quoted = /^\[("(?:[^"\\]|\\.)*")\]/.exec(rest);
      if (index) {
        segments.push(Number(index[1]));
        rest = rest.slice(index[0].length);
      } else if (quoted) {
        let key: unknown;
        try {
          key = JSON.parse(quoted[1]!);
        } catch {
          return { ok: false, error: { code: 'badQuoted', at: source } };
        }
        segments.push(key as string);
        rest = rest.slice(quoted[0].length);
      } else {
        return { ok: false, error: { code: 'badBracket', at: source } };
      }
    } else {
      return { ok: false, error: { code: 'unexpected', at: source } };
    }
    if (segments.length > PATH_LIMITS.segments) return { ok: false, error: { code: 'tooManyParts' } };
  }
  return { ok: true, segments };
}

/** The value at the path, or undefined when any step is missing. Own members only: no prototype walks. */
export function readPath(json: unknown, segments: readonly PathSegment[]): unknown {
  let at: unknown = json;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      if (!Array.isArray(at)) return undefined;
      at = at[segment < 0 ? at.length + segment : segment];
    } else {
      if (typeof at !== 'object' || at === null || Array.isArray(at) || !Object.hasOwn(at, segment)) return undefined;
      at = (at as Record<string, unknown>)[segment];
    }
    if (at === undefined) return undefined;
  }
  return at;
}
