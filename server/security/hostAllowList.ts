import type { Config } from '../config.ts';

/**
 * The host names the console answers for. A DNS-rebinding page reaches the appliance under the
 * attacker's own name (Origin and Host both say attacker.example, so the origin check passes):
 * refusing unknown Host values is what stops it.
 */
export function allowedHosts(config: Pick<Config, 'publicUrl' | 'allowedHosts'>): Set<string> {
  const hosts = new Set(['localhost', '127.0.0.1', '[::1]', ...config.allowedHosts]);
  if (config.publicUrl) hosts.add(new URL(config.publicUrl).hostname);
  return hosts;
}

/** The host name of a Host header (port and a trailing dot dropped, lower case); undefined when malformed. */
export function hostName(header: string | undefined): string | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+?)\.?(?::\d{1,5})?$/i.exec(header?.trim() ?? '');
  return m ? m[1]!.toLowerCase() : undefined;
}

export function isAllowedHost(header: string | undefined, hosts: Set<string>): boolean {
  const name = hostName(header);
  return name !== undefined && hosts.has(name);
}
