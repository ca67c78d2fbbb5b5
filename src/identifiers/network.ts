import { isIPv4, isIPv6 } from 'node:net';

/** An IPv4-mapped IPv6 address (`::ffff:203.0.113.9`) read as the IPv4 address it carries. */
function unmapped(ip: string): string {
  return ip.toLowerCase().startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}

/** The eight 16-bit groups of an IPv6 address, `::` expanded, as lower-case hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  // An embedded IPv4 tail (`64:ff9b::1.2.3.4`) is two groups.
  const text = address
    .toLowerCase()
    .replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a, b, c, d) =>
      [((+a << 8) | +b).toString(16), ((+c << 8) | +d).toString(16)].join(':'),
    );
  const [head = '', tail] = text.split('::');
  const split = (part: string) => (part ? part.split(':') : []);
  const [left, right] = [split(head), split(tail ?? '')];
  const middle = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((g) => Number.parseInt(g, 16).toString(16));
}

/** The network a client address belongs to, for counting requests per network: IPv4 /24, IPv6 /48. */
export function clientNetwork(ip: string | null): string | null {
  if (!ip) return null;
  const address = unmapped(ip);
  if (isIPv4(address)) return `${address.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIPv6(address)) return `${ipv6Groups(address).slice(0, 3).join(':')}::/48`;
  return null;
}

/**
 * The key per-address limits count a client by: an IPv4 address as it is, an IPv6 address by
 * its /64, since one subscriber holds a whole /64 and can draw a fresh address from it at will.
 */
export function clientAddressKey(ip: string | undefined | null): string {
  if (!ip) return 'unknown';
  const address = unmapped(ip);
  if (isIPv6(address)) return `${ipv6Groups(address).slice(0, 4).join(':')}::/64`;
  return address;
}
