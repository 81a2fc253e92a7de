// GET /api/v1/openapi.json: the OpenAPI 3.1 description of every /api/ route, generated from the
// valibot schemas that check the requests and shape the answers, so the document follows the code.
import { toJsonSchema, type ConversionConfig, type JsonSchema } from '@valibot/to-json-schema';
import type * as v from 'valibot';
import { alertmanagerSchema, labelObject } from '../events/alertmanager.ts';
import { METRIC_BATCH_MAX } from '../events/metricBatch.ts';
import { EVENT_LIMITS, eventSchema, metricPointSchema } from '../events/schema.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../security/apiAuth.ts';
import { acceptedAnswer, alertmanagerAnswer, configImportAnswer, droppedAnswer, errorAnswer } from './answers.ts';
import { CONFIG_MAX_BYTES, configDocumentSchema } from '../configAsCode/document.ts';
import type { ApiScope } from '../security/apiScopes.ts';
import { eventStatusAnswer, MAX_EVENT_ID } from './eventStatus.ts';
import { heartbeatAnswer, heartbeatPauseAnswer, heartbeatPingSchema } from './heartbeatPing.ts';

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

const labelsJsonSchema: JsonSchema = { type: 'object', additionalProperties: { type: 'string' }, description: 'name → string' };

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
  ignoreActions: ['check', 'finite', 'transform', 'raw_check'],
  overrideSchema: ({ valibotSchema }) =>
    valibotSchema === labelObject
      ? labelsJsonSchema
      : valibotSchema.type === 'custom'
        ? fieldsJsonSchema
        : valibotSchema.type === 'lazy'
          ? mentionJsonSchema
          : undefined,
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

/**
 * Every route takes a bearer token with the scope it names (OpenAPI 3.1 roles); a signature (two
 * headers) is optional, except for tokens created with "require signature", which must sign every
 * request. OpenAPI says this as two alternatives.
 */
const signedOrNot = (scope: ApiScope) => [{ bearer: [scope] }, { bearer: [scope], signature: [], signatureTimestamp: [] }];
/** A 403: the token lacks the scope, or (`hooks`: why a token limited to named hooks is refused here) it is limited to hooks. */
const forbidden = (scope: ApiScope, hooks?: string) =>
  ({ '403': error(`The token does not have the "${scope}" scope${scope === 'read' ? ' (or "admin")' : ''}${hooks ? `, or ${hooks}` : ''}`) }) as const;
const HOOK_TOKEN_ELSEWHERE = 'it is limited to named hooks and this is not one of them';

const UNAUTHORIZED = {
  '401': {
    ...error('Missing, unknown or revoked token, or a bad, stale or replayed signature (or none from a token that requires one)'),
    headers: { 'www-authenticate': { description: '`Bearer`', schema: { type: 'string' } } },
  },
} as const;
const TOO_LARGE = { '413': error('The body is larger than 64 KiB') } as const;
const UNAVAILABLE = (what: string) =>
  ({
    '503': {
      ...error(what),
      headers: { 'retry-after': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } },
    },
  }) as const;
const INTAKE_ERRORS = {
  '400': error('Not valid JSON, or not a valid body: the message names the field and why'),
  ...UNAUTHORIZED,
  ...forbidden('send', HOOK_TOKEN_ELSEWHERE),
  ...TOO_LARGE,
  '415': error('Not sent as application/json'),
  ...UNAVAILABLE('The database cannot be written (disk full, read-only or locked): nothing was stored; retry (a signed request may be sent again as it was)'),
} as const;


/**
 * The licence the API description is offered under: none is granted yet (package.json names none, the
 * package is private); kept in step with package.json's `license` by the OpenAPI test.
 */
export const API_LICENSE = { name: 'UNLICENSED: all rights reserved, no licence granted' } as const;

/** The version of this API description (paths are /api/v1). */
export const API_DOCUMENT_VERSION = '1.1.0';

/** A JSON Schema for "any JSON value", so generated clients type it as a union instead of `unknown`. */
const ANY_JSON = { type: ['object', 'array', 'string', 'number', 'boolean', 'null'], additionalProperties: true } as const;

/** The document without `servers`, which depend on the request (see withServers). */
export function buildOpenApiDocument(): Json {
  const configDocument = schemaOf(configDocumentSchema);
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'StoreClaw WeCom Notifier inbound API',
      version: API_DOCUMENT_VERSION,
      description:
        'Events in, WeCom messages out. Every route takes an inbound API token created on the console’s Inbound API page; tokens created with “require signature” must also sign every request (the `signature` scheme).',
      license: API_LICENSE,
    },
    security: signedOrNot('send'),
    paths: {
      '/api/v1/events': {
        post: {
          operationId: 'postEvent',
          summary: 'Send an event',
          security: signedOrNot('send'),
          requestBody: { required: true, content: { 'application/json': { schema: ref('Event') } } },
          responses: {
            '202': json(ref('Accepted'), 'Stored (committed) with the rules’ decision'),
            '200': json(ref('Accepted'), 'A repeat of an idempotency_key this token sent within 7 days: the first event’s id'),
            ...INTAKE_ERRORS,
          },
        },
      },
      '/api/v1/events/{id}': {
        get: {
          operationId: 'getEvent',
          summary: 'An event’s status, its messages and their outcomes',
          description: 'A signed GET signs `<timestamp>.<path and query>` instead of a body.',
          security: signedOrNot('send'),
          parameters: [{ name: 'id', in: 'path', required: true, description: 'The id a POST answered', schema: { type: 'integer', minimum: 1, maximum: MAX_EVENT_ID } }],
          responses: {
            '200': json(ref('EventStatus'), 'The event; `final` is true once its status will not change on its own'),
            '400': error(`The id is not a whole number from 1 to ${MAX_EVENT_ID}`),
            ...UNAUTHORIZED,
            ...forbidden('send'),
            '404': error('No such event sent with this token (another token’s events answer the same)'),
            ...TOO_LARGE,
            ...UNAVAILABLE('The database cannot be read right now (locked or failing); retry'),
          },
        },
      },
      '/api/v1/alertmanager': {
        post: {
          operationId: 'postAlertmanager',
          summary: 'Prometheus Alertmanager webhook (version 4): one alert event per alert',
          security: signedOrNot('send'),
          requestBody: { required: true, content: { 'application/json': { schema: ref('AlertmanagerWebhook') } } },
          responses: { '202': json(ref('BatchAccepted'), 'Every alert stored'), ...INTAKE_ERRORS },
        },
      },
      '/api/v1/metrics': {
        post: {
          operationId: 'postMetrics',
          summary: 'Up to 500 metric points in one request and one commit; metric rules judge them in that commit',
          description: 'A refusal names the item and field: "3.value: must be a number, not a string"; nothing of the batch is stored.',
          security: signedOrNot('send'),
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { type: 'array', minItems: 1, maxItems: METRIC_BATCH_MAX, items: ref('MetricPoint') } } },
          },
          responses: { '202': json(ref('BatchAccepted'), 'Every point stored'), ...INTAKE_ERRORS },
        },
      },
      '/api/v1/hooks/{name}': {
        post: {
          operationId: 'postHook',
          summary: 'Any JSON webhook, mapped to an alert by the console-defined mapping {name}',
          security: signedOrNot('send'),
          parameters: [
            { name: 'name', in: 'path', required: true, description: 'The mapping’s name on the console’s Hooks page', schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,39}$' } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: ref('HookPayload') } } },
          responses: {
            '202': json(ref('Accepted'), 'Mapped and stored'),
            '200': json({ oneOf: [ref('Accepted'), ref('Dropped')] }, 'A repeated idempotency key from this token (the first event), or dropped by the mapping’s condition'),
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
              security: signedOrNot('send'),
              parameters: [{ name: 'key', in: 'path', required: true, description: 'The check’s key (Heartbeats page), URL-encoded', schema: { type: 'string', minLength: 1, maxLength: 100 } }],
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
      ...Object.fromEntries(
        (
          [
            ['pause', 'pauseHeartbeat', 'Pause a check: it records check-ins but never fires until resumed'],
            ['resume', 'resumeHeartbeat', 'Resume a check: watched again from now (the paused time is never “missed”)'],
          ] as const
        ).map(([action, operationId, summary]) => [
          `/api/v1/heartbeats/{key}/${action}`,
          {
            post: {
              operationId,
              summary,
              security: signedOrNot('send'),
              parameters: [{ name: 'key', in: 'path', required: true, description: 'The check’s key (Heartbeats page), URL-encoded', schema: { type: 'string', minLength: 1, maxLength: 100 } }],
              responses: {
                '200': json(ref('HeartbeatPaused'), 'Done (also when it already was)'),
                ...UNAUTHORIZED,
                ...forbidden('send', HOOK_TOKEN_ELSEWHERE),
                '404': error('No heartbeat check has this key'),
                ...TOO_LARGE,
                ...UNAVAILABLE('The database cannot be written (disk full, read-only or locked): nothing was changed; retry (a signed request may be sent again as it was)'),
              },
            },
          },
        ]),
      ),
      '/api/v1/config': {
        get: {
          operationId: 'getConfig',
          summary: 'Export the configuration: notification rules, quiet hours, message templates, hook mappings, metric rules, report jobs and active silences, as one versioned document (no secrets)',
          description: 'The ETag names this state of the configuration; a signed GET signs `<timestamp>.<path and query>`.',
          security: signedOrNot('read'),
          responses: {
            '200': {
              ...json(ref('ConfigExport'), 'The configuration; every section is present'),
              headers: { etag: { description: 'This state of the configuration, for If-Match on PUT', schema: { type: 'string' } } },
            },
            ...UNAUTHORIZED,
            ...forbidden('read', HOOK_TOKEN_ELSEWHERE),
            ...TOO_LARGE,
            ...UNAVAILABLE('The database cannot be read right now (locked or failing); retry'),
          },
        },
        put: {
          operationId: 'putConfig',
          summary: 'Import a configuration document: a dry run lists the changes, an import applies them all or none, audited',
          description:
            'Sections left out stay as they are; a section given replaces that part of the configuration (items are matched by name; missing ones are deleted). Every problem is answered at once, each with its document path.',
          security: signedOrNot('admin'),
          parameters: [
            { name: 'dry_run', in: 'query', required: false, description: 'true: plan and answer the changes, apply nothing', schema: { type: 'boolean', default: false } },
            { name: 'If-Match', in: 'header', required: false, description: 'Apply only onto this state (a dry run’s `base`, or GET’s ETag)', schema: { type: 'string' } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: ref('ConfigDocument') } } },
          responses: {
            '200': json(ref('ConfigImportResult'), 'Planned (dry run) or applied'),
            '400': error('Not valid JSON, a bad dry_run, or a document with problems: `issues` names each path and why; nothing was changed'),
            ...UNAUTHORIZED,
            ...forbidden('admin', HOOK_TOKEN_ELSEWHERE),
            '412': error('The configuration is no longer in the If-Match state: dry-run again'),
            '413': error(`The body is larger than ${CONFIG_MAX_BYTES / 1024} KiB`),
            '415': error('Not sent as application/json'),
            ...UNAVAILABLE('The database cannot be written (disk full, read-only or locked): nothing was changed; retry (a signed request may be sent again as it was)'),
          },
        },
      },
      '/api/v1/openapi.json': {
        get: {
          operationId: 'getOpenApi',
          summary: 'This document',
          description: '`servers` holds PUBLIC_URL when it is set, else the address this request was sent to.',
          security: [],
          responses: {
            '200': json(ref('OpenApiDocument'), 'OpenAPI 3.1'),
            ...TOO_LARGE,
          },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An inbound API token (scn_…), created on the console’s Inbound API page with its scopes: `send` (events, metrics, Alertmanager, hooks, and reading back the events it sent), `read` (export the configuration), `admin` (import it; includes read). Each operation names the scope it needs. A token may also be limited to named hooks: it then posts only to `POST /api/v1/hooks/{name}` for those names (and reads back its events), 403 elsewhere.',
        },
        signature: {
          type: 'apiKey',
          in: 'header',
          name: SIGNATURE_HEADER,
          description:
            '"sha256=" + hex HMAC-SHA256 of "<timestamp>.<body>" (for a GET: "<timestamp>.<path and query>"), keyed with the token’s signing secret (scs_…, shown once with the token; never sent). Each signature is accepted once (a request refused after its token was checked, 4xx or 5xx, stored nothing and may be sent again as it was). Required for tokens created with “require signature”, optional (but checked when sent) for others.',
        },
        signatureTimestamp: {
          type: 'apiKey',
          in: 'header',
          name: TIMESTAMP_HEADER,
          description: 'Unix time in seconds, within 5 minutes of the appliance’s clock; sent with every signature.',
        },
      },
      schemas: {
        Event: withLimits(schemaOf(eventSchema)),
        MetricPoint: { ...(withLimits(schemaOf(metricPointSchema)) as Json), description: 'A metric point: the fields of a `kind: "metric"` Event (kind may be left out)' },
        AlertmanagerWebhook: schemaOf(alertmanagerSchema),
        HookPayload: { ...ANY_JSON, description: 'Any JSON the mapping reads' },
        Accepted: schemaOf(acceptedAnswer),
        BatchAccepted: schemaOf(alertmanagerAnswer),
        Dropped: schemaOf(droppedAnswer),
        EventStatus: schemaOf(eventStatusAnswer),
        Error: schemaOf(errorAnswer),
        HeartbeatPing: schemaOf(heartbeatPingSchema),
        HeartbeatAnswer: schemaOf(heartbeatAnswer),
        HeartbeatPaused: schemaOf(heartbeatPauseAnswer),
        ConfigDocument: { ...configDocument, description: 'The configuration as code (format "storeclaw-notifier-config", version 1); no secrets. Sections left out of an import stay as they are' },
        ConfigExport: { ...configDocument, required: Object.keys(configDocument.properties as Json), description: 'The configuration as code, every section present; importable as it is' },
        ConfigImportResult: schemaOf(configImportAnswer),
        OpenApiDocument: {
          type: 'object',
          required: ['openapi', 'info', 'servers', 'paths', 'components'],
          properties: {
            openapi: { type: 'string' },
            jsonSchemaDialect: { type: 'string' },
            info: {
              type: 'object',
              required: ['title', 'version'],
              properties: { title: { type: 'string' }, version: { type: 'string' }, description: { type: 'string' }, license: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
            },
            servers: { type: 'array', items: { type: 'object', required: ['url'], properties: { url: { type: 'string' }, description: { type: 'string' } } } },
            security: { type: 'array', items: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } } },
            paths: { type: 'object', additionalProperties: { type: 'object', additionalProperties: true } },
            components: { type: 'object', additionalProperties: { type: 'object', additionalProperties: true } },
          },
          description: 'An OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.0)',
        },
      },
    },
  };
}

/** The document for one request: `servers` holds where clients reach the API (PUBLIC_URL, else the request's origin). */
export function withServers(document: Json, serverUrl: string): Json {
  const { openapi, jsonSchemaDialect, info, ...rest } = document;
  return { openapi, jsonSchemaDialect, info, servers: [{ url: serverUrl, description: 'This appliance' }], ...rest };
}
