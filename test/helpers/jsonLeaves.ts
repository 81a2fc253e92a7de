// Walking a JSON value by paths, for property tests that change one value of a document at a time.

/** Every path to a leaf of a JSON value, as keys; an empty list or object is a leaf of its own. */
export function leaves(value: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return value.length ? value.flatMap((v, i) => leaves(v, [...at, i])) : [at];
  if (typeof value === 'object' && value !== null && Object.keys(value).length) return Object.entries(value).flatMap(([k, v]) => leaves(v, [...at, k]));
  return [at];
}

/** A copy of `value` with the leaf at `path` replaced. */
export function setAt(value: unknown, path: Array<string | number>, leaf: unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1)!] = leaf;
  return copy;
}
