import ipaddr from 'ipaddr.js';

/**
 * Which addresses the `http` step may reach: public unicast addresses, and whatever the operator
 * allow-listed (a host, a host:port pair or a CIDR range). Everything else (private, loopback,
 * link-local, unique-local, multicast, reserved...) is refused, checked after DNS resolution.
 */
export class AddressPolicy {
  private readonly names = new Set<string>();
  private readonly ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];

  constructor(allowlist: string[]) {
    for (const entry of allowlist) {
      if (entry.includes('/') && ipaddr.isValidCIDR(entry)) this.ranges.push(ipaddr.parseCIDR(entry));
      else this.names.add(entry.toLowerCase());
    }
  }

  /** The URL's host (or host:port) is allow-listed by name: no address check at all. */
  allowsHost(hostname: string, port: string): boolean {
    const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
    return this.names.has(host) || this.names.has(`${host}:${port}`);
  }

  /** Undefined when the address may be reached, else why not ("a loopback address"). */
  refusal(address: string): string | undefined {
    if (!ipaddr.isValid(address)) return 'not an IP address';
    const parsed = ipaddr.process(address);
    if (this.names.has(parsed.toString())) return undefined;
    if (this.ranges.some(([range, bits]) => range.kind() === parsed.kind() && parsed.match(range, bits))) return undefined;
    const range = parsed.range();
    return range === 'unicast' ? undefined : describeRange(range);
  }
}

/** ipaddr.js names ranges in camelCase (`linkLocal`, `carrierGradeNat`): "a link-local address". */
function describeRange(range: string): string {
  const words = range.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase().replace(/-nat$/, ' NAT');
  // "a unique-local", as it is said.
  return `${/^(?!uni)[aeiou]/.test(words) ? 'an' : 'a'} ${words} address`;
}
