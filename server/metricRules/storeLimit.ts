// How many stores one metric rule watches at most. A rule for "every store" keeps a state row per
// distinct store name a sender ever pushed; without a bound, one token could make it track any
// number (each read every minute and listed on the console). Past the limit, points for further
// stores are refused, the whole request with them (HTTP 400 naming each point), so nothing is half
// stored and the sender learns it at once; the console shows the rule at its limit.

export const MAX_STORES_PER_RULE = 5_000;

export interface StoreRefusal {
  /** Index of the point among those the intake judged together (a batch's item index). */
  point: number;
  ruleId: number;
  rule: string;
  metric: string;
  store: string;
}

export class StoreLimitError extends Error {
  override readonly name = 'StoreLimitError';
  constructor(
    readonly refusals: StoreRefusal[],
    readonly limit: number,
  ) {
    super(`metric rules at their limit of ${limit} stores refused ${refusals.length} point(s)`);
  }
}

/** The issue a sender reads: which point, which rule, why, and what to do. */
export function refusalMessage(r: StoreRefusal, limit: number): string {
  // Points without a store are a store of their own: sent that way already, only the admin can help.
  const [store, advice] = r.store === '' ? ['(no store)', 'ask the admin to narrow the rule'] : [`"${r.store}"`, 'send it without "store", or ask the admin to narrow the rule'];
  return `metric rule "${r.rule}" already watches its limit of ${limit} stores; a point for the new store ${store} is refused (${advice})`;
}
