// HTTP client for the group-bot webhook. It never throws for transport problems: every outcome is a
// result the delivery worker can branch on. The key travels only in the request URL; every string
// it returns is either ours or WeCom's errmsg scrubbed of the key.
import { randomUUID } from 'node:crypto';
import {
  classifyErrcode,
  classifyTransportFailure,
  type Explanation,
  type FailureInfo,
  type FailureClass,
  type TransportFailure,
} from './errcodes.ts';
import { httpPost, type HttpPost } from './httpPost.ts';
import { assertUploadable, type MediaType, type WecomMessage } from './messages.ts';
import { scrubKey } from './webhookUrl.ts';

export type WecomClientOptions = {
  /** `https://qyapi.weixin.qq.com`, or WECOM_API_ORIGIN in tests and demos. */
  origin: string;
  timeoutMs: number;
  /** The HTTP POST (node:http(s) by default); tests pass their own. */
  post?: HttpPost;
  /** Monotonic milliseconds, for latency. */
  now?: () => number;
};

export type FailureReason = 'errcode' | TransportFailure;

export type WecomFailure = {
  ok: false;
  failure: FailureClass;
  reason: FailureReason;
  errcode: number | null;
  errmsg: string | null;
  httpStatus: number | null;
  latencyMs: number;
  explanation: Explanation;
};

export type SendResult = { ok: true; errcode: 0; latencyMs: number; httpStatus: number } | WecomFailure;

export type UploadResult =
  | { ok: true; mediaId: string; type: MediaType; createdAt: string; latencyMs: number; httpStatus: number }
  | WecomFailure;

export type UploadInput = { type: MediaType; filename: string; contentType: string; bytes: Uint8Array };

export type WecomClient = {
  send(key: string, message: WecomMessage): Promise<SendResult>;
  /** Rejects with WecomMessageError (before any request) for sizes or formats WeCom refuses. */
  uploadMedia(key: string, media: UploadInput): Promise<UploadResult>;
};

// WeCom's errmsg is short; anything longer is not worth keeping in logs.
const MAX_ERRMSG = 500;

type Answer = { errcode: number; errmsg: string | null; body: Record<string, unknown> };

/** WeCom answers `{"errcode":N,"errmsg":"…"}`; anything else is not an answer from WeCom. */
function readAnswer(text: string): Answer | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const body = parsed as Record<string, unknown>;
  const { errcode, errmsg } = body;
  if (typeof errcode !== 'number' || !Number.isInteger(errcode)) return null;
  return { errcode, errmsg: typeof errmsg === 'string' ? errmsg : null, body };
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

/** multipart/form-data with the one `media` part WeCom reads (what a browser's FormData would send). */
function multipartBody(media: UploadInput): { body: Buffer; contentType: string } {
  const boundary = `----StoreClawNotifier${randomUUID().replaceAll('-', '')}`;
  // Quotes and line breaks escaped as the HTML form encoding does; nothing can break out of the header.
  const filename = media.filename.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const type = media.contentType.replace(/[\r\n]/g, '');
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`;
  return {
    body: Buffer.concat([Buffer.from(head), media.bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

export function createWecomClient(options: WecomClientOptions): WecomClient {
  // Validates the configured origin once and drops any path or trailing slash.
  const origin = new URL(options.origin).origin;
  const post = options.post ?? httpPost;
  const now = options.now ?? (() => performance.now());

  /**
   * POSTs and reads WeCom's answer, calling `onOk` for errcode 0. Every failure, thrown or
   * answered, becomes a WecomFailure whose strings cannot hold the key.
   */
  async function call<T>(
    key: string,
    path: string,
    query: string,
    body: string | Uint8Array,
    contentType: string,
    onOk: (answer: Answer, httpStatus: number, latencyMs: number) => T | null,
  ): Promise<T | WecomFailure> {
    const started = now();
    const latency = () => Math.round(now() - started);
    let httpStatus: number | null = null;
    const fail = (reason: FailureReason, info: FailureInfo, answer: Answer | null = null): WecomFailure => ({
      ok: false,
      failure: info.classification,
      reason,
      errcode: answer?.errcode ?? null,
      errmsg: answer?.errmsg ? scrubKey(answer.errmsg, key).slice(0, MAX_ERRMSG) : null,
      httpStatus,
      latencyMs: latency(),
      explanation: info.explanation,
    });
    try {
      // A redirect could carry the request to another host: post() never follows one, and any
      // status but 2xx is an unexpected status.
      const response = await post(`${origin}${path}?key=${encodeURIComponent(key)}${query}`, body, { 'Content-Type': contentType }, options.timeoutMs);
      httpStatus = response.status;
      if (httpStatus < 200 || httpStatus > 299) return fail('http_status', classifyTransportFailure('http_status', httpStatus));
      const answer = readAnswer(response.text);
      if (!answer) return fail('malformed_response', classifyTransportFailure('malformed_response'));
      const { classification, explanation } = classifyErrcode(answer.errcode);
      if (classification !== 'ok') return fail('errcode', { classification, explanation }, answer);
      return onOk(answer, httpStatus, latency()) ?? fail('malformed_response', classifyTransportFailure('malformed_response'));
    } catch (error) {
      // Transport errors may quote the URL (and so the key) in message or cause: never kept; only
      // the status of an answer that broke off after it is.
      const status = (error as { status?: unknown } | null)?.status;
      if (typeof status === 'number') httpStatus = status;
      const reason = isTimeout(error) ? 'timeout' : typeof status === 'number' ? 'cut_off' : 'network';
      return fail(reason, classifyTransportFailure(reason, httpStatus));
    }
  }

  return {
    send(key, message) {
      return call(
        key,
        '/cgi-bin/webhook/send',
        '',
        JSON.stringify(message),
        'application/json',
        (_answer, httpStatus, latencyMs) => ({ ok: true as const, errcode: 0 as const, latencyMs, httpStatus }),
      );
    },

    async uploadMedia(key, media) {
      assertUploadable(media.type, media.bytes);
      const form = multipartBody(media);
      return call(key, '/cgi-bin/webhook/upload_media', `&type=${media.type}`, form.body, form.contentType, ({ body }, httpStatus, latencyMs) =>
        typeof body.media_id === 'string' && body.media_id !== ''
          ? {
              ok: true as const,
              mediaId: body.media_id,
              type: media.type,
              createdAt: String(body.created_at ?? ''),
              latencyMs,
              httpStatus,
            }
          : null,
      );
    },
  };
}
