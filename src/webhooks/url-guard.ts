import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * SPEC §14's rule that a webhook cannot reach inside the desk's own network: `https` only, and no
 * host resolving to a private, loopback, link-local, shared or unspecified address, unless the host
 * is in WEBHOOK_ALLOW_HOSTS (which may then use plain http too: an intranet's receiver, the tests').
 * Checked at registration and again at each delivery, which connects to the address checked here,
 * so DNS answering differently between the check and the connection (rebinding) changes nothing.
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  return blocked.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

export interface ResolvedAddress {
  address: string;
  family: number;
}
/** Every address a host resolves to (node's resolver by default; tests give their own). */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;
export const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });

export class UrlRefusedError extends Error {}

const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();

/** The URL parsed, or why it is refused, before any DNS: its scheme and form. */
export function urlShape(input: string, allowHosts: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new UrlRefusedError('The URL is not a valid address, such as https://shop.example.com/hooks/desk.');
  }
  const allowed = allowHosts.includes(hostOf(url));
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowed))
    throw new UrlRefusedError(
      'The URL must start with https:// (plain http only for hosts in WEBHOOK_ALLOW_HOSTS).',
    );
  if (url.username || url.password)
    throw new UrlRefusedError('The URL must not carry a user name or password.');
  return url;
}

/**
 * The address to connect to for `url`: every address its host resolves to is checked, and the
 * first is the one to use. Throws UrlRefusedError with a sentence for the person registering.
 */
export async function checkedAddress(
  url: URL,
  allowHosts: readonly string[],
  resolve: Resolver = systemResolver,
): Promise<ResolvedAddress> {
  const host = hostOf(url);
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolve(host);
  } catch {
    addresses = [];
  }
  if (addresses.length === 0) throw new UrlRefusedError(`The host ${host} does not resolve to any address.`);
  const inside = addresses.find((a) => isPrivateAddress(a.address));
  if (inside && !allowHosts.includes(host))
    throw new UrlRefusedError(
      `The host ${host} resolves to ${inside.address}, a private, loopback or link-local address; webhooks may reach it only if it is in WEBHOOK_ALLOW_HOSTS.`,
    );
  return addresses[0]!;
}
