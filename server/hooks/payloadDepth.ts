// How deep a hook payload may nest. Paths read at most 20 parts, so nothing a mapping can read lies
// deeper; a bound also keeps every walk over the payload cheap and far from the stack's limit.
export const HOOK_PAYLOAD_DEPTH = 32;

/** True when `json` nests objects or arrays more than `limit` levels deep (iterative: no recursion to overflow). */
export function nestsDeeperThan(json: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[json, 0]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(value)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}
