// POST /api/v1/hooks/{name}: the named mapping turns any JSON into the body of an event, which then
// goes through parseEvent and the same intake as POST /api/v1/events.
import type { Db } from '../../db/client.ts';
import { linkedElsewhere, parseEvent, type EventIssue, type InboundEvent } from '../events/schema.ts';
import { applyHook, HOOK_NAME } from './mapping.ts';
import { HOOK_PAYLOAD_DEPTH, nestsDeeperThan } from './payloadDepth.ts';
import { loadHook } from './storedHook.ts';

export type HookIntake =
  | { ok: true; events: InboundEvent[] }
  | { ok: false; issues: EventIssue[] }
  | { ok: 'answer'; status: 200 | 404; body: Record<string, unknown> };

export function hookIntake(db: Db, name: string, payload: unknown): HookIntake {
  const hook = loadHook(db, name);
  if (!hook) {
    // Only a well-formed name is echoed back.
    const named = HOOK_NAME.test(name) ? ` named "${name}"` : ' with this name';
    return { ok: 'answer', status: 404, body: { error: 'hook_not_found', message: `No hook${named}: create its mapping on the console's Hooks page` } };
  }
  if (nestsDeeperThan(payload, HOOK_PAYLOAD_DEPTH)) {
    return { ok: false, issues: [{ path: '(root)', message: `must not nest objects or arrays more than ${HOOK_PAYLOAD_DEPTH} levels deep` }] };
  }
  const mapped = applyHook(hook, payload);
  if (mapped.dropped) return { ok: 'answer', status: 200, body: { dropped: true, condition: mapped.condition } };
  const parsed = parseEvent(mapped.body);
  if (parsed.ok) return { ok: true, events: [linkedElsewhere(parsed.event)] };
  // The sender cannot fix the mapping; the message says the mapping made the field, so the admin can.
  return { ok: false, issues: parsed.issues.map((i) => ({ path: i.path, message: `${i.message} (as mapped by hook "${name}")` })) };
}
