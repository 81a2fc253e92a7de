// The inbound API's answers as valibot schemas: the OpenAPI document is generated from them, and the
// OpenAPI test checks real answers against that document.
import * as v from 'valibot';
import { EVENT_STATUSES } from '../../db/schema.ts';
import { SECTIONS } from '../configAsCode/document.ts';

export const acceptedAnswer = v.strictObject({
  id: v.pipe(v.number(), v.integer(), v.description('The event id, for GET /api/v1/events/{id}')),
  status: v.pipe(v.picklist(EVENT_STATUSES), v.description('What the rules decided when it arrived')),
  duplicate: v.pipe(v.optional(v.literal(true)), v.description('Present on a 200: an earlier event with the same idempotency_key answered')),
});

export const alertmanagerAnswer = v.strictObject({
  accepted: v.pipe(v.number(), v.integer()),
  events: v.array(acceptedAnswer),
});

export const droppedAnswer = v.strictObject({
  dropped: v.literal(true),
  condition: v.pipe(v.string(), v.description("The mapping's drop condition that held; nothing was stored")),
});

export const errorAnswer = v.strictObject({
  error: v.pipe(v.string(), v.description('A stable code: invalid_event, invalid_json, invalid_encoding, invalid_id, invalid_ping, store_limit, unauthorized, not_found, hook_not_found, unknown_check, payload_too_large, unsupported_media_type, storage_unavailable, internal_error')),
  message: v.pipe(v.string(), v.description('What is wrong, in English; for invalid_event "<field path>: <reason>"')),
  issues: v.optional(v.array(v.strictObject({ path: v.string(), message: v.string() }))),
});

export const configImportAnswer = v.strictObject({
  dry_run: v.pipe(v.boolean(), v.description('True when nothing was applied on purpose (?dry_run=true)')),
  applied: v.pipe(v.boolean(), v.description('Whether the changes were applied (false for a dry run, or when there was nothing to change)')),
  base: v.pipe(v.string(), v.description('The state the changes were planned from: send it as If-Match to apply exactly these changes')),
  result: v.pipe(v.string(), v.description('The state after the import (the ETag GET /api/v1/config now answers)')),
  changes: v.array(
    v.strictObject({
      section: v.picklist(SECTIONS),
      action: v.picklist(['create', 'update', 'delete']),
      item: v.pipe(v.string(), v.description('A name; "kind/category/lang" for a template ("*": every category); "category/title/store" for a silence')),
      fields: v.pipe(v.optional(v.array(v.string())), v.description('For an update: the fields that change')),
    }),
  ),
  ended_silences: v.pipe(v.array(v.string()), v.description('Silences in the document that have already ended: not imported')),
  untouched: v.pipe(v.array(v.picklist(SECTIONS)), v.description('Sections the document leaves out: left as they are')),
  report_jobs_kept_off: v.pipe(
    v.array(v.string()),
    v.description('Seeded report jobs that would switch on by themselves once a bot is connected, named off by the document: the import keeps them off'),
  ),
});
