// storeclaw-notify's work: send the event (retrying 503 and network errors), then with --wait poll
// GET /api/v1/events/{id} until it has an outcome. Every effect comes in through NotifyIo.
import { randomUUID } from 'node:crypto';
import { openClient, Unreachable, Unsendable, type Answer } from './applianceClient.ts';
import { HEARTBEAT_COMMANDS, HEARTBEAT_HELP, parseHeartbeatArgs, runHeartbeat, type HeartbeatIo } from './heartbeatCommands.ts';
import { NOTIFY_HELP, parseNotifyArgs, type NotifyRequest } from './notifyArgs.ts';

export const EXIT = { ok: 0, usage: 2, refused: 3, unreachable: 4, timeout: 5, digested: 10, suppressed: 11, dead: 12 } as const;

export interface NotifyIo {
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  readFile: (path: string) => Promise<string>;
  out: (line: string) => void;
  err: (line: string) => void;
  /** For `run`: the command with its output passed through (absent where nothing may be run). */
  spawn?: HeartbeatIo['spawn'];
  signalNumber?: (signal: string) => number | undefined;
  /** What --version prints: the version and commit of the build (read only when asked). */
  version: () => string;
}

/** The exit code for an event's status once it is final (see GET /api/v1/events/{id}). */
export function exitCodeForOutcome(status: string): number {
  switch (status) {
    case 'sent':
    case 'stored':
      return EXIT.ok;
    case 'digested':
      return EXIT.digested;
    case 'suppressed':
      return EXIT.suppressed;
    default:
      return EXIT.dead;
  }
}

/** The exit for a request that failed: one fetch would not make, or the appliance unreachable after the retries. */
function failed(e: unknown, baseUrl: string, io: NotifyIo): number {
  if (e instanceof Unsendable) {
    io.err(`storeclaw-notify: ${e.message}`);
    return EXIT.usage;
  }
  if (!(e instanceof Unreachable)) throw e;
  io.err(`storeclaw-notify: could not reach ${baseUrl}: ${e.message}`);
  return EXIT.unreachable;
}

export async function runNotify(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: NotifyIo): Promise<number> {
  if ((HEARTBEAT_COMMANDS as readonly string[]).includes(argv[0] ?? '')) {
    const hb = parseHeartbeatArgs(argv, env);
    if (hb.kind === 'error') {
      io.err(`storeclaw-notify: ${hb.message}\nRun storeclaw-notify --help for usage.`);
      return EXIT.usage;
    }
    const spawn = io.spawn ?? (() => Promise.resolve({ code: null, signal: null, error: 'running commands is not available here', tail: '' }));
    return runHeartbeat(hb.request, { ...io, spawn }, io.signalNumber ?? (() => undefined));
  }
  const parsed = parseNotifyArgs(argv, env);
  if (parsed.kind === 'help') {
    io.out(NOTIFY_HELP + HEARTBEAT_HELP);
    return EXIT.ok;
  }
  if (parsed.kind === 'version') {
    io.out(`storeclaw-notify ${io.version()}`);
    return EXIT.ok;
  }
  if (parsed.kind === 'error') {
    io.err(`storeclaw-notify: ${parsed.message}\nRun storeclaw-notify --help for usage.`);
    return EXIT.usage;
  }
  const req = parsed.request;
  const opened = await openClient(req, io);
  if (!opened.ok) {
    io.err(`storeclaw-notify: ${opened.message}`);
    return EXIT.usage;
  }
  const client = opened.client;
  const body = JSON.stringify({ idempotency_key: `cli:${randomUUID()}`, ...req.body });

  let sent: Answer;
  try {
    sent = await client.request('POST', '/api/v1/events', body);
  } catch (e) {
    return failed(e, req.baseUrl, io);
  }
  if (sent.status !== 200 && sent.status !== 202) {
    io.err(`storeclaw-notify: refused (${sent.status}): ${String(sent.json.message ?? sent.json.error ?? '')}`);
    return EXIT.refused;
  }
  const id = sent.json.id as number;
  if (!req.wait) {
    io.out(req.json ? JSON.stringify(sent.json) : `event ${id}: ${String(sent.json.status)}${sent.json.duplicate ? ' (repeat of an earlier event)' : ''}`);
    return EXIT.ok;
  }

  const deadline = io.now() + req.timeoutSeconds * 1000;
  let pause = 1000;
  let last: Answer | undefined;
  for (;;) {
    try {
      last = await client.request('GET', `/api/v1/events/${id}`);
    } catch (e) {
      return failed(e, req.baseUrl, io);
    }
    if (last.status !== 200) {
      io.err(`storeclaw-notify: could not read event ${id} (${last.status}): ${String(last.json.message ?? '')}`);
      return EXIT.refused;
    }
    if (last.json.final === true) break;
    if (io.now() + pause > deadline) {
      io.out(req.json ? JSON.stringify(last.json) : `event ${id}: still ${String(last.json.status)} after ${req.timeoutSeconds} s`);
      return EXIT.timeout;
    }
    await io.sleep(pause);
    pause = Math.min(5000, pause * 1.5);
  }
  const status = String(last.json.status);
  const reason = last.json.reason ? ` (${String(last.json.reason)})` : '';
  io.out(req.json ? JSON.stringify(last.json) : `event ${id}: ${status}${reason}`);
  return exitCodeForOutcome(status);
}
