// One POST over node:http(s), for the WeCom client. Not fetch: Node's fetch (undici) costs the
// appliance ~30 MB of memory from its first call on (measured: idle RSS after a first message
// 112 MB with fetch), for a client that sends at most 20 small requests a minute.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export type HttpAnswer = { status: number; text: string };

/**
 * POSTs `body` to `url` and reads the whole answer. Rejects on transport problems, with an error
 * named `TimeoutError` when the answer is not complete within `timeoutMs`, and `CutOffError` when
 * it broke off after its status line; both carry that status (`status`) once one came. Redirects
 * are answers like any other (never followed), and an answer over 64 KiB is returned as empty text.
 */
export type HttpPost = (url: string, body: string | Uint8Array, headers: Record<string, string>, timeoutMs: number) => Promise<HttpAnswer>;

/** WeCom answers are a few hundred bytes; more is not an answer worth reading. */
const MAX_ANSWER_BYTES = 64 * 1024;

export const httpPost: HttpPost = (url, body, headers, timeoutMs) =>
  new Promise<HttpAnswer>((resolve, reject) => {
    const target = new URL(url);
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    // agent: false, a connection per request: at 20 per minute, reuse saves nothing, and a kept-alive
    // socket the server already closed would fail a send.
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, { method: 'POST', agent: false, headers: { ...headers, 'content-length': String(payload.byteLength) } });
    let timedOut = false;
    let status: number | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy();
    }, timeoutMs);
    const fail = (error: unknown) => {
      clearTimeout(timer);
      const named = timedOut
        ? Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' })
        : status !== undefined
          ? Object.assign(new Error('the answer was cut off'), { name: 'CutOffError' })
          : error;
      reject(status !== undefined ? Object.assign(named as Error, { status }) : named);
    };
    req.once('error', fail);
    req.once('response', (res: IncomingMessage) => {
      status = res.statusCode;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
      });
      res.once('error', fail);
      res.once('close', () => {
        if (!res.complete) return fail(undefined);
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: size > MAX_ANSWER_BYTES ? '' : Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end(payload);
  });
