// Bounds on the HTTP server itself: how long a client may take to send a request, and how many
// connections it may hold. Without them a few thousand slow-body connections (headers, then a byte
// every few seconds) hold the process's memory and file descriptors for Node's 300 s default.
import type { IncomingMessage, RequestListener, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { throttleKey, type ProxyTrust } from './clientAddress.ts';

export interface HttpLimits {
  /** The whole header block must arrive within this (also a fresh connection's first request). */
  headersTimeoutMs: number;
  /** The whole request, body included (at most 64 KiB here), must arrive within this. */
  requestTimeoutMs: number;
  /** A connection with nothing moving either way (a client not reading its answer) is closed after this. */
  idleTimeoutMs: number;
  /** Connections held at once over all clients. */
  maxConnections: number;
  /** Connections one client (an address, an IPv6 /64) holds at once; a trusted proxy counts only in the total. */
  maxConnectionsPerClient: number;
  /** A connection past a cap gets this long to send its request line and headers before it is closed. */
  refusedGraceMs: number;
}

export const HTTP_LIMITS: Readonly<HttpLimits> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  maxConnections: 1024,
  maxConnectionsPerClient: 128,
  refusedGraceMs: 2_000,
};

/** Seconds a client refused past a cap is asked to wait (Retry-After). */
export const RETRY_AFTER_SECONDS = 5;

/** Why a request was dropped before the app saw it (the label of notifier_http_dropped_requests_total). */
export const DROP_REASONS = ['client_limit', 'connection_limit', 'timeout', 'aborted', 'headers_too_large', 'malformed'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export interface ConnectionCounts {
  /** Accepted connections open now. */
  open: number;
  /** Requests dropped since the start, by reason. */
  dropped: Map<DropReason, number>;
}

export function createConnectionCounts(): ConnectionCounts {
  return { open: 0, dropped: new Map() };
}

function countDrop(counts: ConnectionCounts, reason: DropReason): void {
  counts.dropped.set(reason, (counts.dropped.get(reason) ?? 0) + 1);
}

/** What node:http reports in 'clientError', as a reason and the answer Node itself would send. */
function clientErrorReason(code: string | undefined): { reason: DropReason; status?: 400 | 408 | 431 } {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { reason: 'timeout', status: 408 };
  if (code === 'HPE_HEADER_OVERFLOW') return { reason: 'headers_too_large', status: 431 };
  if (code === 'ECONNRESET' || code === 'HPE_INVALID_EOF_STATE' || code === 'EPIPE') return { reason: 'aborted' };
  return { reason: 'malformed', status: 400 };
}

const STATUS_TEXT = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' } as const;

export interface ConnectionGuard {
  /** Options for node:http's createServer: the timeouts, checked every second rather than every 30 s. */
  serverOptions: ServerOptions;
  /** Wraps the app's request listener: requests on a connection past a cap are answered 503 with Retry-After. */
  listener(app: RequestListener): RequestListener;
  /** Counts connections on the listening server, refuses those past a cap, counts dropped requests. */
  attach(server: Server): void;
}

/**
 * Connections past a cap are not cut at once: they get a moment to send their request and read a
 * 503 with Retry-After (a real client backs off; a silent one is closed after `refusedGraceMs`).
 * Dropped requests are counted for /metrics, never logged one line each.
 */
export function createConnectionGuard(opts: { limits?: Partial<HttpLimits>; counts: ConnectionCounts; trusted: ProxyTrust }): ConnectionGuard {
  const limits: HttpLimits = { ...HTTP_LIMITS, ...opts.limits };
  const { counts } = opts;
  const perClient = new Map<string, number>();
  const refused = new WeakMap<Socket, DropReason>();

  const admit = (socket: Socket): DropReason | undefined => {
    const peer = socket.remoteAddress;
    const client = opts.trusted(peer) ? undefined : throttleKey(peer);
    if (counts.open >= limits.maxConnections) return 'connection_limit';
    const held = client === undefined ? 0 : (perClient.get(client) ?? 0);
    if (held >= limits.maxConnectionsPerClient) return 'client_limit';
    counts.open++;
    if (client !== undefined) perClient.set(client, held + 1);
    socket.once('close', () => {
      counts.open--;
      if (client === undefined) return;
      const left = perClient.get(client)! - 1;
      if (left) perClient.set(client, left);
      else perClient.delete(client);
    });
    return undefined;
  };

  return {
    serverOptions: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },

    listener: (app) => (req: IncomingMessage, res: ServerResponse) => {
      const reason = refused.get(req.socket);
      if (reason === undefined) return app(req, res);
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': String(RETRY_AFTER_SECONDS), connection: 'close' });
      res.end(reason === 'client_limit' ? 'Too many connections from this address; retry later.\n' : 'Too many connections; retry later.\n');
    },

    attach(server) {
      server.timeout = limits.idleTimeoutMs;
      // A hard ceiling behind the caps: connections refused with a 503 are short-lived, but a flood
      // of them must not reach the open-file limit either. Past it Node closes them unanswered.
      server.maxConnections = limits.maxConnections * 2;
      server.on('drop', () => countDrop(counts, 'connection_limit'));
      server.on('connection', (socket: Socket) => {
        const reason = admit(socket);
        if (reason === undefined) return;
        // Counted once per refused connection, also one that never sends its request.
        countDrop(counts, reason);
        refused.set(socket, reason);
        socket.setTimeout(limits.refusedGraceMs, () => socket.destroy());
      });
      server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
        const { reason, status } = clientErrorReason(err.code);
        countDrop(counts, reason);
        if (status && socket.writable && !(socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
          socket.write(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        }
        socket.destroy();
      });
    },
  };
}
