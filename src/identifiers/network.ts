import { isIPv4, isIPv6 } from 'node:net';

/** The network a client address belongs to, for counting requests per network: IPv4 /24, IPv6 /48. */
export function clientNetwork(ip: string | null): string | null {
  if (!ip) return null;
  const address = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  if (isIPv4(address)) return `${address.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIPv6(address)) {
    const [head = ''] = address.split('::');
    const groups = head.split(':').filter(Boolean);
    while (groups.length < 3) groups.push('0');
    return `${groups.slice(0, 3).join(':')}::/48`;
  }
  return null;
}
