import type { Context } from 'hono';
import * as v from 'valibot';
import type { Db } from '../../db/client.ts';
import { getEventOfToken, listEventMessages } from '../../db/queries/eventDetail.ts';
import { MAX_EVENT_ID, toEventStatus } from '../api/eventStatus.ts';
import { hasScope } from '../security/apiScopes.ts';
import type { ApiRefusals, VerifyRequest } from './configApi.ts';

const eventId = v.pipe(
  v.string(),
  v.regex(/^[1-9]\d*$/, 'id must be a positive whole number'),
  v.transform(Number),
  v.maxValue(MAX_EVENT_ID, `id must be at most ${MAX_EVENT_ID}`),
);

/**
 * GET /api/v1/events/{id}. Same tokens as intake; a request without a body signs its path and query
 * instead (`${timestamp}.${path}`), so a signature still names what it asks for.
 */
export function eventStatusHandler(deps: { db: Db; verify: VerifyRequest; refusals: Pick<ApiRefusals, 'unauthorized' | 'forbidden'> }) {
  return (c: Context) => {
    const url = new URL(c.req.url);
    const verdict = deps.verify(c, url.pathname + url.search);
    if (!verdict.ok) return deps.refusals.unauthorized(c, verdict);
    if (!hasScope(verdict.token, 'send')) return deps.refusals.forbidden(c, verdict.token, 'send');
    const id = v.safeParse(eventId, c.req.param('id'));
    if (!id.success) return c.json({ error: 'invalid_id', message: `id: ${id.issues[0].message}` }, 400);
    // Another token's event answers exactly like a missing one: ids are guessable, ownership is not.
    const event = getEventOfToken(deps.db, id.output, verdict.token.id);
    if (!event) return c.json({ error: 'not_found', message: `No event ${id.output} sent with this token` }, 404);
    return c.json(toEventStatus(event, listEventMessages(deps.db, event)), 200);
  };
}
