import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Which addresses the server's own outgoing requests (the spam checks' calls to
 * Akismet and the moderation API; webhooks later) may reach. A URL comes from a
 * site's settings, so without a rule it could point at this machine, the cloud's
 * metadata service or the private network: only public addresses are reached,
 * plus what the operator allows (`OUTBOUND_ALLOW_PRIVATE`).
 */

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** What outgoing requests may reach besides public addresses: everything, or these ranges. */
export interface EgressPolicy {
  readonly allowPrivate: 'all' | readonly (readonly [Address, number])[];
}

/** Public addresses only: the default. */
export const PUBLIC_ONLY: EgressPolicy = { allowPrivate: [] };

/** An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) is its IPv4 address: it reaches the same host. */
function parse(address: string): Address | null {
  const version = isIP(address);
  if (version === 0) return null;
  // IPv6 in its canonical form first: the parser reads `::1.2.3.4` (IPv4-compatible) as IPv4-mapped.
  const text = version === 6 ? new URL(`http://[${address.split('%')[0]}]`).hostname.slice(1, -1) : address;
  const parsed = ipaddr.parse(text);
  return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()
    ? (parsed as ipaddr.IPv6).toIPv4Address()
    : parsed;
}

/**
 * Whether an address (as the resolver or the socket gives it) is a public
 * unicast one. Everything with a special purpose is not: unspecified
 * (0.0.0.0/8, ::), loopback (127/8, ::1), private (10/8, 172.16/12,
 * 192.168/16), shared (100.64/10), link-local (169.254/16, fe80::/10), unique
 * local (fc00::/7), multicast, broadcast, documentation, benchmarking and other
 * reserved ranges, and the IPv6 forms that carry an IPv4 address elsewhere
 * (IPv4-compatible ::/96, NAT64, 6to4, Teredo).
 */
export function isPublicAddress(address: string): boolean {
  const parsed = parse(address);
  if (!parsed) return false;
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).parts.slice(0, 6).every((part) => part === 0))
    return false;
  return parsed.range() === 'unicast';
}

/** Whether outgoing requests may connect to this address under the policy. */
export function mayConnect(address: string, policy: EgressPolicy): boolean {
  if (isPublicAddress(address)) return true;
  const parsed = parse(address);
  if (!parsed) return false;
  if (policy.allowPrivate === 'all') return true;
  return policy.allowPrivate.some(
    ([range, bits]) => range.kind() === parsed.kind() && parsed.match(range as never, bits),
  );
}

/** Checks one `OUTBOUND_ALLOW_PRIVATE` entry (an address or a CIDR range); an error message or null. */
export function checkAllowEntry(entry: string): string | null {
  const [address = '', bits, ...rest] = entry.split('/');
  const version = isIP(address);
  const badBits =
    bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > (version === 4 ? 32 : 128));
  return !version || badBits || rest.length > 0 ? `"${entry}" is not an IP address or a CIDR range` : null;
}

/** The policy from the setting's entries (checked with `checkAllowEntry`), or `all`. */
export function egressPolicy(allow: 'all' | readonly string[]): EgressPolicy {
  if (allow === 'all') return { allowPrivate: 'all' };
  return {
    allowPrivate: allow.map((entry) => {
      const [text = '', bits] = entry.split('/');
      const address = parse(text);
      if (!address || checkAllowEntry(entry)) throw new Error(`not an IP address or a CIDR range: ${entry}`);
      // An IPv4-mapped entry counts as its IPv4 address (with its prefix within the last 32 bits).
      const width = address.kind() === 'ipv4' ? 32 : 128;
      const prefix = bits === undefined ? width : Number(bits);
      return [
        address,
        isIP(text) === 6 && address.kind() === 'ipv4' ? Math.max(0, prefix - 96) : prefix,
      ] as const;
    }),
  };
}
