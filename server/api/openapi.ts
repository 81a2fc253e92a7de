// GET /api/v1/openapi.json: the OpenAPI 3.1 description of every /api/ route, generated from the
// valibot schemas that check the requests and shape the answers, so the document follows the code.
import { toJsonSchema, type ConversionConfig, type JsonSchema } from '@valibot/to-json-schema';
import type * as v from 'valibot';
import { alertmanagerSchema } from '../events/alertmanager.ts';
import { METRIC_BATCH_MAX } from '../events/metricBatch.ts';
import { EVENT_LIMITS, eventSchema } from '../events/schema.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../security/apiAuth.ts';
import { acceptedAnswer, alertmanagerAnswer, droppedAnswer, errorAnswer } from './answers.ts';
import { eventStatusAnswer } from './eventStatus.ts';
import { heartbeatAnswer, heartbeatPingSchema } from './heartbeatPing.ts';

type Json = Record<string, unknown>;

const MAX_LENGTH: Record<string, number> = {
  title: EVENT_LIMITS.title,
  summary: EVENT_LIMITS.summary,
  url: EVENT_LIMITS.url,
  store: EVENT_LIMITS.store,
  idempotency_key: EVENT_LIMITS.idempotencyKey,
  task_name: EVENT_LIMITS.taskName,
  name: EVENT_LIMITS.metricName,
  unit: EVENT_LIMITS.unit,
};

const fieldsJsonSchema: JsonSchema = {
  type: 'object',
  maxProperties: EVENT_LIMITS.fields,
  propertyNames: { minLength: 1, maxLength: EVENT_LIMITS.fieldKey },
  additionalProperties: { anyOf: [{ type: 'string', maxLength: EVENT_LIMITS.fieldValue }, { type: 'number' }] },
  description: 'name → string or number',
};

const mentionJsonSchema: JsonSchema = {
  anyOf: [
    { enum: ['none', 'all'] },
    { type: 'array', minItems: 1, maxItems: EVENT_LIMITS.mentions, items: { type: 'string', maxLength: EVENT_LIMITS.mentionTarget } },
  ],
  description: '"none", "all", or WeCom user ids / mobile numbers',
};

// The checks valibot runs that JSON Schema cannot say (limits counted in code points, URL schemes,
// ISO dates) are left out here and the limits added below; the server's answer stays the authority.
const conversion: ConversionConfig = {
  target: 'draft-2020-12',
  typeMode: 'input',
  errorMode: 'throw',
  ignoreActions: ['check', 'finite', 'transform'],
  overrideSchema: ({ valibotSchema }) =>
    valibotSchema.type === 'custom' ? fieldsJsonSchema : valibotSchema.type === 'lazy' ? mentionJsonSchema : undefined,
};

function schemaOf(schema: v.GenericSchema): Json {
  const json = toJsonSchema(schema, conversion) as Json;
  delete json.$schema; // OpenAPI 3.1 sets the dialect once for the whole document
  // The converter files lazy schemas under $defs; ours are overridden inline, so nothing refers to them.
  if (JSON.stringify(json).includes('"$ref"')) throw new Error('a schema refers to $defs: move them to components/schemas');
  delete json.$defs;
  return json;
}

/** Adds the event limits to each string property named in MAX_LENGTH (also inside nullable anyOf). */
function withLimits(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withLimits);
  if (typeof node !== 'object' || node === null) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) out[key] = withLimits(value);
  const properties = out.properties as Record<string, Json> | undefined;
  if (properties) {
    for (const [name, max] of Object.entries(MAX_LENGTH)) {
      const prop = properties[name];
      if (!prop) continue;
      const branches = (prop.anyOf as Json[] | undefined) ?? [prop];
      for (const b of branches) if (b.type === 'string') b.maxLength = max;
    }
  }
  return out;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description: string) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(ref('Error'), description);

const COMMON_ERRORS = {
  '401': error('Missing, unknown or revoked token, or a bad, stale or replayed signature'),
} as const;
const INTAKE_ERRORS = {
  '400': error('Not valid JSON, or not a valid body: the message names the field and why'),
  ...COMMON_ERRORS,
  '413': error('The body is larger than 64 KiB'),
  '415': error('Not sent as application/json'),
  '503': error('The database cannot be written (disk full, read-only or locked): nothing was stored; retry'),
} as const;

const signatureParameters = [
  {
    name: TIMESTAMP_HEADER,
    in: 'header',
    required: false,
    description: 'Unix time in seconds; required with a signature, and for tokens that require signatures. Within 5 minutes of the appliance clock.',
    schema: { type: 'string', pattern: '^\\d{9,13}$' },
  },
  {
    name: SIGNATURE_HEADER,
    in: 'header',
    required: false,
    description: '"sha256=" + hex HMAC-SHA256 of "<timestamp>.<body>" (for GET: "<timestamp>.<path and query>"), keyed with the signing secret. Each signature is accepted once.',
    schema: { type: 'string', pattern: '^sha256=[0-9a-f]{64}$' },
  },
];

/** The version of this API description (paths are /api/v1). */
export const API_DOCUMENT_VERSION = '1.0.0';

export function buildOpenApiDocument(): Json {
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'StoreClaw WeCom Notifier inbound API',
      version: API_DOCUMENT_VERSION,
      description: 'Events in, WeCom messages out. Every route takes an inbound API token created on the console’s Inbound API page.',
    },
    security: [{ bearer: [] }],
    paths: {
      '/api/v1/events': {
        post: {
          operationId: 'postEvent',
          summary: 'Send an event',
          parameters: signatureParameters,
          requestBody: { required: true, content: { 'application/json': { schema: ref('Event') } } },
          responses: {
            '202': json(ref('Accepted'), 'Stored (committed) with the rules’ decision'),
            '200': json(ref('Accepted'), 'A repeat of an idempotency_key seen within 7 days: the first event’s id'),
            ...INTAKE_ERRORS,
          },
        },
      },
      '/api/v1/events/{id}': {
        get: {
          operationId: 'getEvent',
          summary: 'An event’s status, its messages and their outcomes',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }, ...signatureParameters],
          responses: {
            '200': json(ref('EventStatus'), 'The event; `final` is true once its status will not change on its own'),
            '400': error('The id is not a positive whole number'),
            ...COMMON_ERRORS,
            '404': error('No such event sent with this token (another token’s events answer the same)'),
            '503': error('The database cannot be read right now (locked or failing); retry'),
          },
        },
      },
      '/api/v1/alertmanager': {
        post: {
          operationId: 'postAlertmanager',
          summary: 'Prometheus Alertmanager webhook (version 4): one alert event per alert',
          parameters: signatureParameters,
          requestBody: { required: true, content: { 'application/json': { schema: ref('AlertmanagerWebhook') } } },
          responses: { '202': json(ref('AlertmanagerAccepted'), 'Every alert stored'), ...INTAKE_ERRORS },
        },
      },
      '/api/v1/metrics': {
        post: {
          operationId: 'postMetrics',
          summary: 'Up to 500 metric points in one request and one commit; metric rules judge them in that commit',
          parameters: signatureParameters,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'array',
                  minItems: 1,
                  maxItems: METRIC_BATCH_MAX,
                  items: { type: 'object', description: 'A metric point: the fields of a `kind: "metric"` Event (kind may be left out). A refusal names the item: "3.value: …"' },
                },
              },
            },
          },
          responses: { '202': json(ref('BatchAccepted'), 'Every point stored'), ...INTAKE_ERRORS },
        },
      },
      '/api/v1/hooks/{name}': {
        post: {
          operationId: 'postHook',
          summary: 'Any JSON webhook, mapped to an alert by the console-defined mapping {name}',
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,39}$' } }, ...signatureParameters],
          requestBody: { required: true, content: { 'application/json': { schema: { description: 'Any JSON the mapping reads' } } } },
          responses: {
            '202': json(ref('Accepted'), 'Mapped and stored'),
            '200': json({ oneOf: [ref('Accepted'), ref('Dropped')] }, 'A repeated idempotency key (the first event), or dropped by the mapping’s condition'),
            ...INTAKE_ERRORS,
            '404': error('No mapping with this name'),
          },
        },
      },
      ...Object.fromEntries(
        (
          [
            ['', 'success', 'pingHeartbeat', 'A heartbeat check-in: the task ran and succeeded (a check that was down recovers)'],
            ['/start', 'start', 'startHeartbeat', 'The task started: it must finish (success or fail) within the check’s grace'],
            ['/fail', 'fail', 'failHeartbeat', 'The task failed: the check is down at once, with the message and exit code'],
          ] as const
        ).map(([suffix, , operationId, summary]) => [
          `/api/v1/heartbeats/{key}${suffix}`,
          {
            post: {
              operationId,
              summary,
              parameters: [{ name: 'key', in: 'path', required: true, description: 'The check’s key (Heartbeats page), URL-encoded', schema: { type: 'string', minLength: 1, maxLength: 100 } }, ...signatureParameters],
              requestBody: { required: false, content: { 'application/json': { schema: ref('HeartbeatPing') } } },
              responses: {
                '200': json(ref('HeartbeatAnswer'), 'Recorded (committed), with any alert it raised'),
                ...INTAKE_ERRORS,
                '400': error('Not valid JSON, or not a valid body: the message names the field and why'),
                '404': error('No heartbeat check has this key'),
                '415': error('A body that is not sent as application/json (an empty body needs no type)'),
              },
            },
          },
        ]),
      ),
      '/api/v1/openapi.json': {
        get: {
          operationId: 'getOpenApi',
          summary: 'This document',
          security: [],
          responses: { '200': json({ type: 'object' }, 'OpenAPI 3.1') },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An inbound API token (scn_…)' } },
      schemas: {
        Event: withLimits(schemaOf(eventSchema)),
        AlertmanagerWebhook: schemaOf(alertmanagerSchema),
        Accepted: schemaOf(acceptedAnswer),
        AlertmanagerAccepted: schemaOf(alertmanagerAnswer),
        BatchAccepted: schemaOf(alertmanagerAnswer),
        Dropped: schemaOf(droppedAnswer),
        EventStatus: schemaOf(eventStatusAnswer),
        Error: schemaOf(errorAnswer),
        HeartbeatPing: schemaOf(heartbeatPingSchema),
        HeartbeatAnswer: schemaOf(heartbeatAnswer),
      },
    },
  };
}
