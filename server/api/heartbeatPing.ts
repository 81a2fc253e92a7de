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
  },
  (issue) => (issue.expected === 'never' ? `unknown field "${String(issue.input)}" (fields: message, exit_code)` : 'must be a JSON object with optional "message" and "exit_code"'),
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
