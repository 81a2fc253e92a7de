// POST /api/v1/heartbeats/{key}[/start|/fail]: the optional body and the answer, as valibot schemas
// (the route checks with them; the OpenAPI document is generated from them).
import * as v from 'valibot';

export const heartbeatPingSchema = v.strictObject(
  {
    message: v.pipe(
      v.optional(v.string('must be a string: the task\'s message or the last lines of its output')),
      v.description("The task's message or the last lines of its output; the last 2000 characters are kept"),
    ),
    exit_code: v.pipe(
      v.optional(v.pipe(v.number('must be a number'), v.integer('must be a whole number'), v.minValue(-2147483648), v.maxValue(2147483647))),
      v.description("The task's exit code"),
    ),
    ping_id: v.pipe(
      v.optional(v.pipe(v.string('must be a string'), v.maxLength(100, 'must be at most 100 characters'))),
      v.description('Any value unique to this check-in, not stored: a signed request is accepted once, and the signature covers only the time (in seconds) and the body, so two identical check-ins within a second need it (storeclaw-notify always sends one)'),
    ),
  },
  (issue) => (issue.expected === 'never' ? `unknown field "${String(issue.input)}" (fields: message, exit_code, ping_id)` : 'must be a JSON object with optional "message", "exit_code" and "ping_id"'),
);

export const heartbeatPauseAnswer = v.strictObject({
  check: v.pipe(v.string(), v.description("The check's key")),
  paused: v.boolean(),
  status: v.pipe(v.picklist(['new', 'up', 'late', 'down', 'paused']), v.description("The check's state now")),
});

export const heartbeatAnswer = v.strictObject({
  check: v.pipe(v.string(), v.description("The check's key")),
  kind: v.pipe(v.picklist(['start', 'success', 'fail']), v.description('The check-in recorded')),
  status: v.pipe(v.picklist(['new', 'up', 'late', 'down', 'paused']), v.description("The check's state after it")),
});
