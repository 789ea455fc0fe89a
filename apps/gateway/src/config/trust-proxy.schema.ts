import ipaddr from 'ipaddr.js';
import { z } from 'zod';

/**
 * `TRUST_PROXY`: which peers are load balancers or reverse proxies whose `X-Forwarded-For` names
 * the client. Empty (the default): none, and a client is the address its connection comes from.
 * A comma-separated list of addresses and CIDR ranges (`10.0.0.0/8,127.0.0.1`), or a number of
 * hops. Behind a balancer that is not trusted, every client has the balancer's address: the
 * failed-authentication limits would then hold every client to what one of them did.
 */
/** An address or range written out (`10.0.0.1`, `10.0.0.0/8`, `fd00::/8`), not a shorthand such as `10.1`. */
function isAddressOrRange(entry: string): boolean {
  const [address, bits, ...more] = entry.split('/');
  if (more.length) return false;
  if (ipaddr.IPv4.isValidFourPartDecimal(address)) return bits === undefined || ipaddr.IPv4.isValidCIDR(entry);
  return ipaddr.IPv6.isValid(address) && (bits === undefined || ipaddr.IPv6.isValidCIDR(entry));
}

export const trustProxy = z
  .string()
  .default('')
  .transform((value) => value.split(',').map((entry) => entry.trim()).filter(Boolean))
  .refine((list) => (list.length === 1 && /^[1-9]\d{0,2}$/.test(list[0])) || list.every(isAddressOrRange), {
    message: 'must be a comma-separated list of addresses and CIDR ranges (10.0.0.0/8,127.0.0.1), or a number of hops',
  })
  .transform((list): false | number | string[] => (list.length === 0 ? false : /^\d+$/.test(list[0]) ? Number(list[0]) : list));
