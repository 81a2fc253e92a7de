// storeclaw-notify ping KEY and storeclaw-notify run KEY -- command args…: heartbeat check-ins from
// the command line. `run` pings start as it starts the command with its output passed through, then
// pings success or failure with the exit code and the output's last lines, and exits as the command did.
// The job always runs: the appliance being unreachable, or the token file unreadable, is reported on
// stderr, never blocks it.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { openClient, Unreachable, Unsendable, type ApplianceClient, type ClientIo } from './applianceClient.ts';
import { parseConnection, type Connection } from './notifyArgs.ts';

export const HEARTBEAT_COMMANDS = ['ping', 'run'] as const;

/** What `run` keeps of the command's output for the fail ping: the last lines, at most this much. */
export const TAIL_LINES = 20;
export const TAIL_CHARS = 2000;

export type HeartbeatRequest =
  | { kind: 'ping'; connection: Connection; key: string; ping: 'success' | 'start' | 'fail'; message?: string; exitCode?: number }
  | { kind: 'run'; connection: Connection; key: string; command: string; args: string[] };

export type ParsedHeartbeat = { kind: 'error'; message: string } | { kind: 'request'; request: HeartbeatRequest };

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  'signing-secret': { type: 'string' },
  'signing-secret-file': { type: 'string' },
  retries: { type: 'string' },
  start: { type: 'boolean' },
  fail: { type: 'boolean' },
  message: { type: 'string' },
  'exit-code': { type: 'string' },
} as const;

export function parseHeartbeatArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedHeartbeat {
  const split = argv.indexOf('--');
  const own = split === -1 ? [...argv] : argv.slice(0, split);
  const command = split === -1 ? [] : argv.slice(split + 1);
  let parsed;
  try {
    parsed = parseArgs({ args: own, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
  const { values: o, positionals } = parsed;
  const verb = positionals[0] as 'ping' | 'run';
  const key = positionals[1];
  if (key === undefined || key === '') return { kind: 'error', message: `${verb} needs the check's KEY (Heartbeats page)` };
  if (positionals.length > 2) return { kind: 'error', message: `unexpected argument "${positionals[2]}"${verb === 'run' ? ': put the command after --' : ''}` };
  const connection = parseConnection(o, env);
  if ('error' in connection) return { kind: 'error', message: connection.error };
  if (verb === 'run') {
    const foreign = ['start', 'fail', 'message', 'exit-code'].find((k) => k in o);
    if (foreign) return { kind: 'error', message: `--${foreign} does not apply to "run": it pings start, then success or failure itself` };
    if (!command.length || command[0] === '') return { kind: 'error', message: 'run needs a command after --, e.g. storeclaw-notify run price-sync -- /opt/jobs/price-sync.sh' };
    return { kind: 'request', request: { kind: 'run', connection, key, command: command[0]!, args: command.slice(1) } };
  }
  if (split !== -1) return { kind: 'error', message: 'ping takes no command: use run KEY -- command' };
  if (o.start && o.fail) return { kind: 'error', message: 'give --start or --fail, not both' };
  let exitCode: number | undefined;
  if (o['exit-code'] !== undefined) {
    if (!/^-?\d{1,10}$/.test(o['exit-code']) || Math.abs(Number(o['exit-code'])) > 2147483647) return { kind: 'error', message: '--exit-code must be a whole number' };
    exitCode = Number(o['exit-code']);
  }
  return {
    kind: 'request',
    request: { kind: 'ping', connection, key, ping: o.start ? 'start' : o.fail ? 'fail' : 'success', ...(o.message !== undefined ? { message: o.message } : {}), ...(exitCode !== undefined ? { exitCode } : {}) },
  };
}

/** Keeps the last lines of a stream of output chunks (stdout and stderr as they interleave). */
export class OutputTail {
  private text = '';
  push(chunk: string): void {
    // Bounded whatever the command prints: only the end can ever be kept.
    this.text = (this.text + chunk).slice(-TAIL_CHARS * 4);
  }
  lines(): string {
    const lines = this.text.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n').slice(-TAIL_LINES).join('\n');
    return lines.length <= TAIL_CHARS ? lines : '…' + lines.slice(lines.length - TAIL_CHARS + 1);
  }
}

export interface RunResult {
  /** null when the command was ended by a signal, or could not be started. */
  code: number | null;
  signal: string | null;
  /** Set when it could not be started (ENOENT, EACCES …). */
  error?: string;
  tail: string;
}

export interface HeartbeatIo extends ClientIo {
  out: (line: string) => void;
  /** Runs the command with its output passed through, keeping the tail. */
  spawn: (command: string, args: readonly string[]) => Promise<RunResult>;
}

export const HEARTBEAT_EXIT = { ok: 0, usage: 2, refused: 3, unreachable: 4, notStarted: 127 } as const;

/** The exit code `run` ends with: the command's own, 128 + the signal's number, or 127 when it never started. */
export function runExitCode(r: RunResult, signalNumber: (signal: string) => number | undefined): number {
  if (r.error !== undefined) return HEARTBEAT_EXIT.notStarted;
  if (r.code !== null) return r.code;
  return 128 + (signalNumber(r.signal ?? '') ?? 1);
}

type PingOutcome = { ok: true; status: string } | { ok: false; exit: number; message: string };

async function sendPing(client: ApplianceClient, key: string, kind: 'success' | 'start' | 'fail', body: { message?: string; exit_code?: number }): Promise<PingOutcome> {
  const path = `/api/v1/heartbeats/${encodeURIComponent(key)}${kind === 'success' ? '' : `/${kind}`}`;
  try {
    // A ping id of its own: `run` around a quick command pings start and success within one second,
    // and two signed requests with the same body in the same second would read as a replay.
    const answer = await client.request('POST', path, JSON.stringify({ ...body, ping_id: randomUUID() }));
    if (answer.status === 200) return { ok: true, status: String(answer.json.status) };
    return { ok: false, exit: HEARTBEAT_EXIT.refused, message: `refused (${answer.status}): ${String(answer.json.message ?? answer.json.error ?? '')}` };
  } catch (e) {
    if (e instanceof Unsendable) return { ok: false, exit: HEARTBEAT_EXIT.usage, message: e.message };
    if (!(e instanceof Unreachable)) throw e;
    return { ok: false, exit: HEARTBEAT_EXIT.unreachable, message: `could not reach the appliance: ${e.message}` };
  }
}

export async function runHeartbeat(request: HeartbeatRequest, io: HeartbeatIo, signalNumber: (signal: string) => number | undefined): Promise<number> {
  const opened = await openClient(request.connection, io);
  if (!opened.ok) {
    if (request.kind === 'ping') {
      io.err(`storeclaw-notify: ${opened.message}`);
      return HEARTBEAT_EXIT.usage;
    }
    // A token file missing or unreadable tonight must not cost the job its run: it runs, unreported.
    io.err(`storeclaw-notify: heartbeat ${request.key}: ${opened.message}; running the command without pings`);
    return runExitCode(await io.spawn(request.command, request.args), signalNumber);
  }
  const { client } = opened;
  if (request.kind === 'ping') {
    const sent = await sendPing(client, request.key, request.ping, { ...(request.message !== undefined ? { message: request.message } : {}), ...(request.exitCode !== undefined ? { exit_code: request.exitCode } : {}) });
    if (!sent.ok) {
      io.err(`storeclaw-notify: ${sent.message}`);
      return sent.exit;
    }
    io.out(`heartbeat ${request.key}: ${request.ping} recorded, check is ${sent.status}`);
    return HEARTBEAT_EXIT.ok;
  }
  const warn = (o: PingOutcome) => {
    if (!o.ok) io.err(`storeclaw-notify: heartbeat ${request.key}: ${o.message}`);
  };
  // The job starts at once, the start ping alongside it: an unreachable appliance's retries must not
  // hold the job back. The end ping waits for both, so the appliance hears start before end.
  const [, result] = await Promise.all([sendPing(client, request.key, 'start', {}).then(warn), io.spawn(request.command, request.args)]);
  const exit = runExitCode(result, signalNumber);
  if (exit === 0) {
    warn(await sendPing(client, request.key, 'success', {}));
    return exit;
  }
  const why = result.error !== undefined ? `could not start ${request.command}: ${result.error}` : result.signal ? `ended by ${result.signal}` : '';
  const message = [why, result.tail].filter((s) => s !== '').join('\n');
  warn(await sendPing(client, request.key, 'fail', { exit_code: exit, ...(message !== '' ? { message } : {}) }));
  return exit;
}

export const HEARTBEAT_HELP = `
Heartbeats (a check per task, on the console's Heartbeats page):
  storeclaw-notify ping KEY [--start | --fail] [--message TEXT] [--exit-code N] [options]
  storeclaw-notify run  KEY [options] -- COMMAND [ARGS...]
      runs COMMAND at once (its output passes through), pinging start alongside, then pings success,
      or failure with the exit code and the last ${TAIL_LINES} lines of output; exits with COMMAND's
      exit code. The command runs even when the appliance cannot be reached or the token file cannot
      be read (a warning goes to stderr).
  e.g. in a crontab:  0 2 * * * storeclaw-notify run price-sync -- /opt/jobs/price-sync.sh
  ping exit codes: 0 recorded, 2 usage, 3 refused (e.g. no check with this KEY), 4 unreachable
`;
