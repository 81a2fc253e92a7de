import type { Context } from 'hono';
import { BlockList, isIP } from 'node:net';

/** The peer address of the request's socket (node-server puts the incoming message in the env). */
export function socketAddress(c: Context): string | undefined {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress;
}

/**
 * TRUST_PROXY's shortcuts. `loopback`: a proxy on the same host. `private`: loopback plus the private
 * and link-local ranges, where a proxy container on a Docker network (or the LAN) connects from.
 */
export const PROXY_SHORTCUTS: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  private: ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', 'fc00::/7', 'fe80::/10'],
};

/** An address or CIDR TRUST_PROXY accepts (`192.0.2.10`, `172.18.0.0/16`, `fd00::/8`); undefined when it is not one. */
export function parseProxyRange(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', prefixText, extra] = text.split('/');
  const version = isIP(address);
  if (!version || extra !== undefined) return undefined;
  const max = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** Whether an address is one of the trusted proxies (TRUST_PROXY's entries: addresses, CIDRs, shortcuts). */
export type ProxyTrust = (address: string | undefined) => boolean;

/** The trust test for TRUST_PROXY's entries (checked by config.ts); nobody is trusted for an empty list. IPv4-mapped IPv6 counts as IPv4. */
export function proxyTrust(entries: readonly string[]): ProxyTrust {
  if (!entries.length) return () => false;
  const list = new BlockList();
  for (const entry of entries.flatMap((e) => PROXY_SHORTCUTS[e] ?? [e])) {
    const range = parseProxyRange(entry);
    if (range) list.addSubnet(range.address, range.prefix, range.family);
  }
  return (address) => {
    const version = address ? isIP(address) : 0;
    return version !== 0 && list.check(address!, version === 4 ? 'ipv4' : 'ipv6');
  };
}

/**
 * The address a request comes from. Only a connection from a trusted proxy may name another: then
 * X-Forwarded-For is read from the right (each proxy appends the address it saw), skipping the
 * trusted proxies, and the first address that is not one is the client. Entries further left are
 * the client's to invent; a malformed entry stops the walk at the last proxy that vouched for it.
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | undefined, trusted: ProxyTrust): string | undefined {
  if (!forwardedFor || !trusted(socketAddress)) return socketAddress;
  let client = socketAddress;
  const hops = forwardedFor.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!.trim();
    if (!isIP(hop)) return client;
    client = hop;
    if (!trusted(hop)) return hop;
  }
  return client;
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
