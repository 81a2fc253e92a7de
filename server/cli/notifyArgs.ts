// storeclaw-notify's command line: argv and environment in, a checked request (or the reason it is
// not one) out. Pure, so every rule here is tested without a process.
import { parseArgs } from 'node:util';
import * as v from 'valibot';
import { CATEGORIES, SEVERITIES, TASK_STATUSES } from '../events/schema.ts';

export const COMMANDS = ['alert', 'task', 'metric'] as const;
export type NotifyCommand = (typeof COMMANDS)[number];

/** Where and how to reach the appliance: shared by every command. */
export interface Connection {
  baseUrl: string;
  token: { value: string } | { file: string };
  signingSecret?: { value: string } | { file: string };
  retries: number;
}

export interface NotifyRequest extends Connection {
  body: Record<string, unknown>;
  wait: boolean;
  timeoutSeconds: number;
  json: boolean;
}

export type ParsedCommand = { kind: 'help' } | { kind: 'version' } | { kind: 'error'; message: string } | { kind: 'request'; request: NotifyRequest };

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
  url: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  'signing-secret': { type: 'string' },
  'signing-secret-file': { type: 'string' },
  wait: { type: 'boolean' },
  timeout: { type: 'string' },
  retries: { type: 'string' },
  json: { type: 'boolean' },
  title: { type: 'string' },
  summary: { type: 'string' },
  severity: { type: 'string' },
  category: { type: 'string' },
  store: { type: 'string' },
  link: { type: 'string' },
  field: { type: 'string', multiple: true },
  'idempotency-key': { type: 'string' },
  mention: { type: 'string' },
  name: { type: 'string' },
  status: { type: 'string' },
  'duration-ms': { type: 'string' },
  value: { type: 'string' },
  unit: { type: 'string' },
} as const;

const ALLOWED: Record<NotifyCommand, readonly string[]> = {
  alert: ['title', 'summary', 'severity', 'category', 'store', 'link', 'field', 'idempotency-key', 'mention'],
  task: ['name', 'status', 'duration-ms', 'title', 'summary', 'severity', 'category', 'store', 'link', 'field', 'idempotency-key', 'mention'],
  metric: ['name', 'value', 'unit', 'title', 'store', 'field', 'idempotency-key'],
};
const GENERAL = ['help', 'version', 'url', 'token', 'token-file', 'signing-secret', 'signing-secret-file', 'wait', 'timeout', 'retries', 'json'];

const NUMBER = /^-?\d+(\.\d+)?$/;

const wholeNumber = (option: string, min: number, max: number) =>
  v.pipe(
    v.string(),
    v.regex(/^\d{1,9}$/, `--${option} must be a whole number`),
    v.transform(Number),
    v.minValue(min, `--${option} must be at least ${min}`),
    v.maxValue(max, `--${option} must be at most ${max}`),
  );
const timeoutSchema = wholeNumber('timeout', 1, 86_400);
const retriesSchema = wholeNumber('retries', 0, 20);
const baseUrlSchema = v.pipe(
  v.string(),
  v.check((s) => URL.canParse(s) && ['http:', 'https:'].includes(new URL(s).protocol), '--url (or STORECLAW_NOTIFY_URL) must be the appliance’s http:// or https:// address, e.g. http://localhost:8080'),
  // fetch refuses such a URL, quoting it whole; the message never repeats what was given.
  v.check((s) => !URL.canParse(s) || (new URL(s).username === '' && new URL(s).password === ''), '--url (or STORECLAW_NOTIFY_URL) must not carry a user or password: the appliance takes its token from --token-file, --token or STORECLAW_NOTIFY_TOKEN'),
);
const oneOf = (option: string, values: readonly string[]) => v.picklist(values, `--${option} must be one of ${values.join(', ')}`);

function first<T>(result: v.SafeParseResult<v.GenericSchema<unknown, T>>): { ok: true; value: T } | { ok: false; message: string } {
  return result.success ? { ok: true, value: result.output } : { ok: false, message: result.issues[0].message };
}

/** A number only when JSON carries it back as written: "007" or a 19-digit order id stays text. */
function exactNumber(value: string): number | undefined {
  const n = Number(value);
  const exact = NUMBER.test(value) && String(n) === value && (Number.isInteger(n) ? Number.isSafeInteger(n) : Number.isFinite(n));
  return exact ? n : undefined;
}

/** `--field k=v`: numbers stay numbers, so a report can compare them. */
function parseFields(entries: readonly string[]): Record<string, string | number> | string {
  const fields: Record<string, string | number> = {};
  for (const entry of entries) {
    const i = entry.indexOf('=');
    if (i <= 0) return `--field must be name=value, not "${entry}"`;
    const value = entry.slice(i + 1);
    fields[entry.slice(0, i)] = exactNumber(value) ?? value;
  }
  return fields;
}

export type ConnectionOptions = { url?: string; token?: string; 'token-file'?: string; 'signing-secret'?: string; 'signing-secret-file'?: string; retries?: string };

/** --url, --token(-file), --signing-secret(-file), --retries and their environment variables. */
export function parseConnection(o: ConnectionOptions, env: Readonly<Record<string, string | undefined>>): Connection | { error: string } {
  const baseUrl = first(v.safeParse(baseUrlSchema, o.url ?? env.STORECLAW_NOTIFY_URL ?? ''));
  if (!baseUrl.ok) return { error: baseUrl.message };
  const tokenSources = [o.token, o['token-file']].filter((x) => x !== undefined).length;
  if (tokenSources > 1) return { error: 'give --token or --token-file, not both' };
  const token = o['token-file'] !== undefined ? { file: o['token-file'] } : (o.token ?? env.STORECLAW_NOTIFY_TOKEN) ? { value: (o.token ?? env.STORECLAW_NOTIFY_TOKEN)! } : undefined;
  if (!token) return { error: 'a token is required: --token, --token-file or STORECLAW_NOTIFY_TOKEN' };
  if (o['signing-secret'] !== undefined && o['signing-secret-file'] !== undefined) return { error: 'give --signing-secret or --signing-secret-file, not both' };
  const secretValue = o['signing-secret'] ?? env.STORECLAW_NOTIFY_SIGNING_SECRET;
  const signingSecret = o['signing-secret-file'] !== undefined ? { file: o['signing-secret-file'] } : secretValue ? { value: secretValue } : undefined;
  const retries = first(v.safeParse(retriesSchema, o.retries ?? '5'));
  if (!retries.ok) return { error: retries.message };
  return { baseUrl: baseUrl.value.replace(/\/+$/, ''), token, ...(signingSecret && { signingSecret }), retries: retries.value };
}

export function parseNotifyArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedCommand {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
  const { values: o, positionals } = parsed;
  if (o.version && !o.help) return { kind: 'version' };
  if (o.help || positionals.length === 0 || positionals[0] === 'help') return { kind: 'help' };
  const command = positionals[0] as NotifyCommand;
  if (!COMMANDS.includes(command)) return { kind: 'error', message: `unknown command "${positionals[0]}": use alert, task, metric, ping or run` };
  if (positionals.length > 1) return { kind: 'error', message: `unexpected argument "${positionals[1]}" (values go after their --option)` };
  const foreign = Object.keys(o).find((k) => !GENERAL.includes(k) && !ALLOWED[command].includes(k));
  if (foreign) return { kind: 'error', message: `--${foreign} does not apply to "${command}"` };

  const connection = parseConnection(o, env);
  if ('error' in connection) return { kind: 'error', message: connection.error };

  const timeout = first(v.safeParse(timeoutSchema, o.timeout ?? '300'));
  if (!timeout.ok) return { kind: 'error', message: timeout.message };

  const fields = parseFields(o.field ?? []);
  if (typeof fields === 'string') return { kind: 'error', message: fields };
  for (const [option, values] of [['severity', SEVERITIES], ['category', CATEGORIES]] as const) {
    const given = o[option];
    if (given !== undefined) {
      const r = first(v.safeParse(oneOf(option, values), given));
      if (!r.ok) return { kind: 'error', message: r.message };
    }
  }
  const mention = o.mention === undefined ? undefined : o.mention === 'all' || o.mention === 'none' ? o.mention : o.mention.split(',').map((s) => s.trim()).filter(Boolean);

  const common = {
    ...(o.title !== undefined && { title: o.title }),
    ...(o.summary !== undefined && { summary: o.summary }),
    ...(o.severity !== undefined && { severity: o.severity }),
    ...(o.category !== undefined && { category: o.category }),
    ...(o.store !== undefined && { store: o.store }),
    ...(o.link !== undefined && { url: o.link }),
    ...(o.field !== undefined && { fields }),
    ...(o['idempotency-key'] !== undefined && { idempotency_key: o['idempotency-key'] }),
    ...(mention !== undefined && { mention }),
  };
  let body: Record<string, unknown>;
  switch (command) {
    case 'alert':
      if (o.title === undefined) return { kind: 'error', message: 'alert needs --title' };
      body = { kind: 'alert', ...common };
      break;
    case 'task': {
      if (o.name === undefined) return { kind: 'error', message: 'task needs --name (the task’s name)' };
      const status = first(v.safeParse(oneOf('status', TASK_STATUSES), o.status ?? ''));
      if (!status.ok) return { kind: 'error', message: status.message };
      const duration = o['duration-ms'] === undefined ? undefined : first(v.safeParse(wholeNumber('duration-ms', 0, 2 ** 31), o['duration-ms']));
      if (duration && !duration.ok) return { kind: 'error', message: duration.message };
      body = { kind: 'task_result', task_name: o.name, status: status.value, ...(duration && { duration_ms: duration.value }), ...common };
      break;
    }
    case 'metric': {
      if (o.name === undefined) return { kind: 'error', message: 'metric needs --name' };
      if (o.value === undefined || !NUMBER.test(o.value)) return { kind: 'error', message: '--value must be a number, e.g. 12.5' };
      body = { kind: 'metric', name: o.name, value: Number(o.value), ...(o.unit !== undefined && { unit: o.unit }), ...common };
      break;
    }
  }
  return {
    kind: 'request',
    request: { ...connection, body, wait: o.wait ?? false, timeoutSeconds: timeout.value, json: o.json ?? false },
  };
}

export const NOTIFY_HELP = `storeclaw-notify: send an event to a StoreClaw WeCom Notifier appliance

Usage:
  storeclaw-notify alert  --title TEXT [--severity info|warning|critical] [--category C] [--summary TEXT]
                          [--store NAME] [--link URL] [--field NAME=VALUE]... [--idempotency-key KEY]
                          [--mention all|none|ID,ID...] [options]
  storeclaw-notify task   --name TASK --status succeeded|failed|partial [--duration-ms N] [--title TEXT]
                          [--summary TEXT] [--store NAME] [--link URL] [--field NAME=VALUE]... [options]
  storeclaw-notify metric --name NAME --value NUMBER [--unit UNIT] [--store NAME] [--field NAME=VALUE]... [options]

Categories: ${CATEGORIES.join(', ')}.
A --field value that is a number written exactly as JSON writes it (12, -3.5) is sent as a number;
anything else (007, 1.50, a 19-digit id) is sent as the text you wrote. Write a negative value as --value=-3.

Options:
  --url URL                    the appliance, e.g. http://localhost:8080, with no user or password
                               in it (or STORECLAW_NOTIFY_URL)
  --token-file FILE            read the inbound API token from FILE: it stays out of \`ps\` and the
                               shell history (or set STORECLAW_NOTIFY_TOKEN)
  --token TOKEN                the token on the command line, where every local user sees it in
                               \`ps\`: prefer --token-file
  --signing-secret-file FILE   sign requests with HMAC-SHA256, the secret read from FILE (or set
                               STORECLAW_NOTIFY_SIGNING_SECRET)
  --signing-secret SECRET      the same, the secret on the command line (visible in \`ps\`)
  --wait                       wait until the event is sent, digested, suppressed or dead
  --timeout SECONDS            how long --wait waits (default 300)
  --retries N                  retries after a 503 or a network error, with backoff (default 5)
  --json                       print the appliance's JSON answer instead of one line
  -V, --version                the appliance version and commit this CLI was built from
  -h, --help                   this help

Without --idempotency-key each run makes its own key, so a retry never sends the event twice.

Exit codes:
  0   accepted (without --wait); sent, or stored for a metric (with --wait)
  2   usage error: the command line is wrong (or the token cannot be sent as given)
  3   refused by the appliance (400 invalid event, 401 token or signature, 404, 413, 415)
  4   the appliance could not be reached, or kept answering 503, after the retries
  5   --wait timed out before the event reached an outcome
  10  digested: sent as part of a digest message
  11  suppressed by a notification rule (stored, not sent)
  12  dead: WeCom did not accept it before the maximum age
`;
