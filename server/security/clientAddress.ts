import type { Context } from 'hono';
import { isIP } from 'node:net';

/** The peer address of the request's socket (node-server puts the incoming message in the env). */
export function socketAddress(c: Context): string | undefined {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress;
}

/**
 * The address a request comes from: the socket's peer, or behind a trusted reverse proxy the last
 * X-Forwarded-For entry (the one that proxy appended; earlier entries are the client's to invent).
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | undefined, trustProxy: boolean): string | undefined {
  if (trustProxy && forwardedFor) {
    const last = forwardedFor.split(',').at(-1)!.trim();
    if (isIP(last)) return last;
  }
  return socketAddress;
}

/** The eight 16-bit groups of an IPv6 address (with `::` expanded and a dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0]!.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -dotted[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => Number.parseInt(g, 16));
}

/**
 * What the sign-in throttle counts failures against: an IPv4 address, or an IPv6 address's /64
 * (one subscriber usually holds a whole /64 and could rotate through it). IPv4-mapped IPv6 is IPv4.
 */
export function throttleKey(address: string | null | undefined): string {
  if (!address) return 'unknown';
  if (isIP(address) !== 6) return address;
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join('.');
  }
  return groups.slice(0, 4).map((g) => g.toString(16)).join(':') + '::/64';
}
