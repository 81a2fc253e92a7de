// A fake of WeCom's group-bot webhook API on real HTTP (127.0.0.1), answering as documented in the
// project's WeCom API notes: errcodes with HTTP 200, byte limits, 20 calls per rolling 60 s per key,
// media upload, and switchable transport failures. Where WeCom's behaviour is unconfirmed, the
// choice made here is the stricter one and is said so in a comment.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveGroupPage } from './fakeWecomGroup.tsx';

/** `slow` is no failure: the request is answered normally, `delayMs` later (a slow WeCom, for shutdown tests). */
export type FailureMode = 'http500' | 'hang' | 'reset' | 'malformed' | 'errcode' | 'slow' | 'cut';
export type FailureOptions = { times?: number; errcode?: number; errmsg?: string; delayMs?: number };

export type ReceivedMessage = { key: string; body: Record<string, unknown>; at: number; msgtype: string };

/**
 * One request as WeCom saw it, answered or not: when it arrived and how it was answered (an errcode,
 * or the transport failure it was told to play). Rate and send-log checks count these.
 */
export type FakeCall = {
  key: string;
  at: number;
  answer: number | Exclude<FailureMode, 'errcode' | 'slow'> | 'not_found';
  /** The client was gone before the answer was written (it timed out): WeCom acted, the client never heard. */
  unheard?: boolean;
};

export type FakeWecomOptions = {
  keys?: string[];
  limit?: number;
  windowMs?: number;
  now?: () => number;
  /** 0 (default) picks a free port. */
  port?: number;
  onMessage?: (message: ReceivedMessage) => void;
};

export type FakeWecom = {
  origin: string;
  addKey(key: string): void;
  removeKey(key: string): void;
  received: ReceivedMessage[];
  receivedFor(key: string): ReceivedMessage[];
  /** Every request in arrival order, each with its answer once it was given. */
  calls: FakeCall[];
  /** How many calls were refused with 45009 because the client sent too fast. */
  rateLimitedCount(): number;
  /** Requests received and not answered yet (a hanging or slow answer, or one being handled). */
  inFlight(): number;
  /** Whether a failure set with setFailure is still waiting to be played. */
  failureArmed(): boolean;
  /** Every later request fails this way (`times` requests, or until cleared with null). */
  setFailure(mode: FailureMode | null, options?: FailureOptions): void;
  close(): Promise<void>;
};

type Answer = { errcode: number; errmsg: string; [field: string]: unknown };

const CONTENT_LIMITS: Readonly<Record<string, number>> = { text: 2048, markdown: 4096, markdown_v2: 4096 };
const IMAGE_MAX = 2 * 1024 * 1024;
const IMAGE_MAGIC = [
  [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  [0xff, 0xd8, 0xff],
];
const MEDIA_MIN = 5;
const MEDIA_MAX = { file: 20 * 1024 * 1024, voice: 2 * 1024 * 1024 } as const;
// Enough for a 20 MB upload plus multipart framing; anything bigger is cut off.
const MAX_REQUEST_BYTES = 21 * 1024 * 1024;

const ok = (extra: Record<string, unknown> = {}): Answer => ({ errcode: 0, errmsg: 'ok', ...extra });
const err = (errcode: number, errmsg: string): Answer => ({ errcode, errmsg });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) req.destroy(new Error('request too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Checks a parsed send body the way WeCom does, returning the error answer or null if valid. */
function checkMessage(body: Record<string, unknown>, mediaOwnedBy: (mediaId: string) => string | undefined, key: string): Answer | null {
  const msgtype = body.msgtype;
  // WeCom's msgtypes are lower-case; "TEXT" or a missing msgtype is 40008 like any unknown one.
  if (typeof msgtype !== 'string') return err(40008, 'invalid message type');
  const payload = body[msgtype];
  switch (msgtype) {
    case 'text':
    case 'markdown':
    case 'markdown_v2': {
      const content = isRecord(payload) ? payload.content : undefined;
      if (!nonEmptyString(content)) return err(44004, 'empty content');
      const limit = CONTENT_LIMITS[msgtype] ?? 0;
      if (Buffer.byteLength(content, 'utf8') > limit) return err(40058, `${msgtype}.content exceed max length ${limit}`);
      return null;
    }
    case 'image': {
      if (!isRecord(payload) || !nonEmptyString(payload.base64)) return err(44004, 'empty content');
      // Buffer.from skips characters it cannot read; WeCom's decoder is assumed strict (unconfirmed).
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(payload.base64)) return err(40058, 'invalid image base64');
      const raw = Buffer.from(payload.base64, 'base64');
      if (raw.toString('base64') !== payload.base64) return err(40058, 'invalid image base64');
      if (raw.length > IMAGE_MAX) return err(40058, `image exceed max size ${IMAGE_MAX}`);
      if (payload.md5 !== createHash('md5').update(raw).digest('hex')) return err(40058, 'invalid image md5');
      // Only JPG and PNG are documented; the answer for other bytes is unconfirmed: 40058 here.
      if (!IMAGE_MAGIC.some((magic) => magic.every((b, i) => raw[i] === b))) return err(40058, 'invalid image format, only jpg and png are supported');
      return null;
    }
    case 'news': {
      const articles = isRecord(payload) ? payload.articles : undefined;
      // The docs give 1–8 articles; what WeCom answers outside that is unconfirmed: 40058 here.
      if (!Array.isArray(articles) || articles.length < 1 || articles.length > 8) {
        return err(40058, 'news.articles size must be between 1 and 8');
      }
      const complete = articles.every((a) => isRecord(a) && nonEmptyString(a.title) && nonEmptyString(a.url));
      return complete ? null : err(40058, 'news.articles title and url are required');
    }
    case 'file':
    case 'voice': {
      const mediaId = isRecord(payload) ? payload.media_id : undefined;
      if (!nonEmptyString(mediaId)) return err(44004, 'empty media_id');
      // A media_id works only for the bot that uploaded it; 40007 is WeCom's "invalid media_id".
      return mediaOwnedBy(mediaId) === key ? null : err(40007, 'invalid media_id');
    }
    case 'template_card': {
      if (!isRecord(payload) || (payload.card_type !== 'text_notice' && payload.card_type !== 'news_notice')) {
        return err(40058, 'template_card.card_type invalid');
      }
      const mainTitle = isRecord(payload.main_title) ? payload.main_title.title : undefined;
      if (!nonEmptyString(mainTitle) && !nonEmptyString(payload.sub_title_text)) return err(44004, 'empty content');
      return isRecord(payload.card_action) ? null : err(40058, 'template_card.card_action missing');
    }
    default:
      return err(40008, 'invalid message type');
  }
}

export async function startFakeWecom(options: FakeWecomOptions = {}): Promise<FakeWecom> {
  const keys = new Set(options.keys ?? []);
  const limit = options.limit ?? 20;
  const windowMs = options.windowMs ?? 60_000;
  const now = options.now ?? Date.now;
  const windows = new Map<string, number[]>();
  let rateLimited = 0;
  const media = new Map<string, string>(); // media_id → key that uploaded it
  const received: ReceivedMessage[] = [];
  const calls: FakeCall[] = [];
  let failure: { mode: FailureMode; options: FailureOptions; left: number } | null = null;
  let inFlight = 0;

  /**
   * Counts the call and says whether it is over the limit. WeCom does not say whether refused calls
   * count; the API notes settle on "a rolling 60 s window per bot that counts every call", so every
   * call with a known key counts here, including answered-45009 ones and uploads. A client that
   * keeps calling while limited stays limited: it must wait a full window after a 45009.
   */
  function overLimit(key: string, at: number): boolean {
    const recent = (windows.get(key) ?? []).filter((t) => t > at - windowMs);
    recent.push(at);
    windows.set(key, recent);
    return recent.length > limit;
  }

  /** The armed failure for this request, if any, counting down `times`. */
  function takeFailure(): { mode: FailureMode; options: FailureOptions } | null {
    if (!failure) return null;
    const current = failure;
    current.left -= 1;
    if (current.left <= 0) failure = null;
    return current;
  }

  function reply(res: ServerResponse, answer: Answer): void {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(answer));
  }

  function send(key: string, req: IncomingMessage, raw: Buffer): Answer {
    // Form-encoded or other non-JSON bodies are 40008, as WeCom answers them.
    const contentType = req.headers['content-type'] ?? '';
    if (contentType.includes('application/x-www-form-urlencoded')) return err(40008, 'invalid message type');
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return err(40008, 'invalid message type');
    }
    if (!isRecord(body)) return err(40008, 'invalid message type');
    const problem = checkMessage(body, (id) => media.get(id), key);
    if (problem) return problem;
    const message: ReceivedMessage = { key, body, at: now(), msgtype: String(body.msgtype) };
    received.push(message);
    options.onMessage?.(message);
    return ok();
  }

  async function upload(key: string, type: string | null, req: IncomingMessage, raw: Buffer): Promise<Answer> {
    if (type !== 'file' && type !== 'voice') return err(40058, 'type must be file or voice');
    let part: FormDataEntryValue | null;
    try {
      const form = await new Request('http://fake.invalid/', {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? '' },
        body: new Uint8Array(raw),
      }).formData();
      part = form.get('media');
    } catch {
      return err(40058, 'media must be multipart/form-data');
    }
    if (part === null || typeof part === 'string') return err(40058, 'media part missing');
    // 40006 is WeCom's global "invalid media size"; the bot docs give 5 B–20 MB (voice 2 MB).
    if (part.size < MEDIA_MIN || part.size > MEDIA_MAX[type]) return err(40006, 'invalid media size');
    const mediaId = randomBytes(24).toString('hex');
    media.set(mediaId, key);
    return ok({ type, media_id: mediaId, created_at: String(Math.floor(now() / 1000)) });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const call: FakeCall = { key: new URL(req.url ?? '/', 'http://fake.invalid').searchParams.get('key') ?? '', at: now(), answer: 'hang' };
    calls.push(call);
    res.once('close', () => {
      if (!res.writableFinished) call.unheard = true;
    });
    let forced = takeFailure();
    if (forced?.mode === 'slow') {
      await new Promise((r) => setTimeout(r, forced!.options.delayMs ?? 1000));
      if (req.socket.destroyed) return;
      forced = null;
    }
    if (forced?.mode === 'reset') {
      call.answer = 'reset';
      req.socket.destroy();
      return;
    }
    if (forced?.mode === 'hang') return; // close() ends the socket
    if (forced?.mode === 'http500') {
      call.answer = 'http500';
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('Internal Server Error');
      return;
    }
    if (forced?.mode === 'malformed') {
      call.answer = 'malformed';
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html><body>502 Bad Gateway</body></html>');
      return;
    }
    if (forced?.mode === 'errcode') {
      call.answer = forced.options.errcode ?? -1;
      reply(res, err(forced.options.errcode ?? -1, forced.options.errmsg ?? 'forced failure'));
      return;
    }

    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const isSend = url.pathname === '/cgi-bin/webhook/send';
    if (req.method !== 'POST' || (!isSend && url.pathname !== '/cgi-bin/webhook/upload_media')) {
      call.answer = 'not_found';
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    const key = url.searchParams.get('key') ?? '';
    if (!keys.has(key)) {
      call.answer = 93000;
      reply(res, err(93000, 'invalid webhook url, hint: [1700000000_fake], more info at https://open.work.weixin.qq.com/devtool/query?e=93000'));
      return;
    }
    if (overLimit(key, now())) {
      rateLimited++;
      call.answer = 45009;
      reply(res, err(45009, 'api freq out of limit, hint: [1700000000_fake]'));
      return;
    }
    const answer = isSend ? send(key, req, raw) : await upload(key, url.searchParams.get('type'), req, raw);
    call.answer = answer.errcode;
    if (forced?.mode === 'cut') {
      // WeCom took the message; the connection breaks while its answer is on the way.
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '64' });
      res.write('{"errcode":0,');
      setImmediate(() => req.socket.destroy());
      return;
    }
    reply(res, answer);
  }

  const server = createServer((req, res) => {
    // The group page (GET /) is for people watching a demo: not a WeCom call, never failed or counted.
    if (serveGroupPage(req, res, received)) return;
    inFlight++;
    let counted = true;
    const done = () => {
      if (counted) inFlight--;
      counted = false;
    };
    res.on('close', done);
    handle(req, res).catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    rateLimitedCount: () => rateLimited,
    inFlight: () => inFlight,
    origin: `http://127.0.0.1:${port}`,
    addKey: (key) => void keys.add(key),
    removeKey: (key) => void keys.delete(key),
    received,
    calls,
    receivedFor: (key) => received.filter((m) => m.key === key),
    failureArmed: () => failure !== null,
    setFailure(mode, failureOptions = {}) {
      if (mode === 'errcode' && failureOptions.errcode === undefined) throw new Error("setFailure('errcode') needs an errcode");
      failure = mode === null ? null : { mode, options: failureOptions, left: failureOptions.times ?? Infinity };
    },
    close() {
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Hanging requests and keep-alive sockets would otherwise hold close() open forever.
        server.closeAllConnections();
      });
    },
  };
}
