// The CLI's way to the appliance: the token (and signing secret) read once, each request signed when
// there is a secret, 503 answers and network errors retried with backoff. Every effect comes in
// through the caller's io.
import { createHmac } from 'node:crypto';
import type { Connection } from './notifyArgs.ts';

export interface ClientIo {
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  readFile: (path: string) => Promise<string>;
  err: (line: string) => void;
}

export type Answer = { status: number; json: Record<string, unknown> };

/** The appliance could not be reached, or kept answering 503, after the retries. */
export class Unreachable extends Error {}

/** fetch would not make the request at all (not a network error): retrying cannot help. */
export class Unsendable extends Error {}

/** undici's network failure ("fetch failed", with the reason as its cause) or the request's timeout. */
function isNetworkError(e: unknown): boolean {
  return (e instanceof TypeError && e.cause !== undefined) || (e instanceof Error && e.name === 'TimeoutError');
}

export interface ApplianceClient {
  /** The request with retries after 503 and network errors; throws Unreachable once they are used up, Unsendable at once. */
  request(method: 'GET' | 'POST', path: string, body?: string): Promise<Answer>;
}

/** Backoff before retry `attempt` (1-based): 1 s, 2 s, 4 s … up to 30 s, or what Retry-After asks. */
export function retryDelayMs(attempt: number, retryAfter: string | null, random: number): number {
  const asked = retryAfter !== null && /^\d{1,4}$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
  const backoff = Math.min(30_000, 1000 * 2 ** (attempt - 1)) * (1 + random / 2);
  // Never under a second: a signature made in the same second as the last one would be a replay.
  return Math.max(1000, Math.min(30_000, asked ?? backoff));
}

/** Reads the token and secret (from their files when given); the reason when that fails. */
export async function openClient(conn: Connection, io: ClientIo): Promise<{ ok: true; client: ApplianceClient } | { ok: false; message: string }> {
  let token: string;
  let secret: string | undefined;
  try {
    token = 'file' in conn.token ? (await io.readFile(conn.token.file)).trim() : conn.token.value;
    secret = conn.signingSecret === undefined ? undefined : 'file' in conn.signingSecret ? (await io.readFile(conn.signingSecret.file)).trim() : conn.signingSecret.value;
  } catch (e) {
    return { ok: false, message: `cannot read ${(e as NodeJS.ErrnoException).path ?? 'the file'}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  if (token === '') return { ok: false, message: 'the token is empty' };
  let lastSecond = 0;

  /** One request, signed when there is a secret; a network failure throws Unreachable, any other failure of fetch Unsendable. */
  async function once(method: 'GET' | 'POST', path: string, body: string | undefined): Promise<Answer & { retryAfter: string | null }> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (secret !== undefined) {
      while (Math.floor(io.now() / 1000) <= lastSecond) await io.sleep(1000 - (io.now() % 1000));
      lastSecond = Math.floor(io.now() / 1000);
      const timestamp = String(lastSecond);
      headers['x-signature-timestamp'] = timestamp;
      headers['x-signature'] = 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${method === 'POST' ? (body ?? '') : path}`).digest('hex');
    }
    let res: Response;
    try {
      res = await io.fetch(conn.baseUrl + path, { method, headers, ...(body !== undefined && { body }), signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      // fetch's own message may quote the URL or a header (the token): only its kind is said.
      if (!isNetworkError(e)) throw new Unsendable(`the request could not be made (${(e as Error).name}): check --url and the token`);
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

  return {
    ok: true,
    client: {
      async request(method, path, body) {
        for (let attempt = 0; ; attempt++) {
          let problem: string;
          let retryAfter: string | null = null;
          try {
            const answer = await once(method, path, body);
            if (answer.status !== 503) return answer;
            problem = `503 ${String(answer.json.message ?? 'unavailable')}`;
            retryAfter = answer.retryAfter;
          } catch (e) {
            if (!(e instanceof Unreachable)) throw e;
            problem = e.message;
          }
          if (attempt >= conn.retries) throw new Unreachable(problem);
          const delay = retryDelayMs(attempt + 1, retryAfter, Math.random());
          io.err(`storeclaw-notify: ${problem}; retrying in ${Math.round(delay / 1000)} s`);
          await io.sleep(delay);
        }
      },
    },
  };
}
