// storeclaw-notify's work: send the event (retrying 503 and network errors), then with --wait poll
// GET /api/v1/events/{id} until it has an outcome. Every effect comes in through NotifyIo.
import { createHmac, randomUUID } from 'node:crypto';
import { NOTIFY_HELP, parseNotifyArgs } from './notifyArgs.ts';

export const EXIT = { ok: 0, usage: 2, refused: 3, unreachable: 4, timeout: 5, digested: 10, suppressed: 11, dead: 12 } as const;

export interface NotifyIo {
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  readFile: (path: string) => Promise<string>;
  out: (line: string) => void;
  err: (line: string) => void;
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

/** Backoff before retry `attempt` (1-based): 1 s, 2 s, 4 s … up to 30 s, or what Retry-After asks. */
export function retryDelayMs(attempt: number, retryAfter: string | null, random: number): number {
  const asked = retryAfter !== null && /^\d{1,4}$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
  const backoff = Math.min(30_000, 1000 * 2 ** (attempt - 1)) * (1 + random / 2);
  // Never under a second: a signature made in the same second as the last one would be a replay.
  return Math.max(1000, Math.min(30_000, asked ?? backoff));
}

type Answer = { status: number; json: Record<string, unknown> };
class Unreachable extends Error {}

export async function runNotify(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: NotifyIo): Promise<number> {
  const parsed = parseNotifyArgs(argv, env);
  if (parsed.kind === 'help') {
    io.out(NOTIFY_HELP);
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
  let token: string;
  let secret: string | undefined;
  try {
    token = 'file' in req.token ? (await io.readFile(req.token.file)).trim() : req.token.value;
    secret = req.signingSecret === undefined ? undefined : 'file' in req.signingSecret ? (await io.readFile(req.signingSecret.file)).trim() : req.signingSecret.value;
  } catch (e) {
    io.err(`storeclaw-notify: cannot read ${(e as NodeJS.ErrnoException).path ?? 'the file'}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return EXIT.usage;
  }
  if (token === '') {
    io.err('storeclaw-notify: the token is empty');
    return EXIT.usage;
  }
  const body = JSON.stringify({ idempotency_key: `cli:${randomUUID()}`, ...req.body });
  let lastSecond = 0;

  /** One request, signed when there is a secret; a network failure throws Unreachable. */
  async function once(method: 'GET' | 'POST', path: string): Promise<Answer & { retryAfter: string | null }> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (method === 'POST') headers['content-type'] = 'application/json';
    if (secret !== undefined) {
      while (Math.floor(io.now() / 1000) <= lastSecond) await io.sleep(1000 - (io.now() % 1000));
      lastSecond = Math.floor(io.now() / 1000);
      const timestamp = String(lastSecond);
      headers['x-signature-timestamp'] = timestamp;
      headers['x-signature'] = 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${method === 'POST' ? body : path}`).digest('hex');
    }
    let res: Response;
    try {
      res = await io.fetch(req.baseUrl + path, { method, headers, ...(method === 'POST' && { body }), signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      throw new Unreachable(((e as Error).cause as Error | undefined)?.message ?? (e as Error).message);
    }
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = { message: text.slice(0, 200) };
    }
    return { status: res.status, json, retryAfter: res.headers.get('retry-after') };
  }

  /** The request with retries after 503 and network errors; Unreachable once they are used up. */
  async function withRetries(method: 'GET' | 'POST', path: string): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      let problem: string;
      let retryAfter: string | null = null;
      try {
        const answer = await once(method, path);
        if (answer.status !== 503) return answer;
        problem = `503 ${String(answer.json.message ?? 'unavailable')}`;
        retryAfter = answer.retryAfter;
      } catch (e) {
        if (!(e instanceof Unreachable)) throw e;
        problem = e.message;
      }
      if (attempt >= req.retries) throw new Unreachable(problem);
      const delay = retryDelayMs(attempt + 1, retryAfter, Math.random());
      io.err(`storeclaw-notify: ${problem}; retrying in ${Math.round(delay / 1000)} s`);
      await io.sleep(delay);
    }
  }

  let sent: Answer;
  try {
    sent = await withRetries('POST', '/api/v1/events');
  } catch (e) {
    if (!(e instanceof Unreachable)) throw e;
    io.err(`storeclaw-notify: could not reach ${req.baseUrl}: ${e.message}`);
    return EXIT.unreachable;
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
      last = await withRetries('GET', `/api/v1/events/${id}`);
    } catch (e) {
      if (!(e instanceof Unreachable)) throw e;
      io.err(`storeclaw-notify: could not reach ${req.baseUrl}: ${e.message}`);
      return EXIT.unreachable;
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
