// Who is calling, by network address, for the per-address limits (rate-limit/address-limits.ts). The
// socket's peer, unless that peer is one of the configured trusted proxies (DATA_PLANE_TRUSTED_PROXIES):
// then X-Forwarded-For is read from the right, skipping the trusted proxies each hop appended, and the
// first address not among them is the client (as nginx's real_ip_recursive). Entries further left were
// written by the client and could be anything, so they are never used. Without trusted proxies the
// header is never read: anyone can send it.
//
// Limits count per address key: an IPv4 address, or an IPv6 address's /64 (one subscriber's network:
// every host of it is one caller, else a single machine could rotate through 2^64 addresses).
import { BlockList, isIP } from 'node:net';

export interface ClientAddressReader {
  /** True when X-Forwarded-For is read at all (some trusted proxy is configured). */
  readonly readsForwardedFor: boolean;
  /** The caller's address key from the socket peer's text and the X-Forwarded-For header ('' when absent). */
  resolve(peer: string, forwardedFor: string): string;
}

/** `trustedProxies`: addresses and CIDR ranges (`10.0.0.0/8`, `::1`, `fd00::/8`); throws on anything else. */
export function createClientAddressReader(trustedProxies: readonly string[]): ClientAddressReader {
  const trusted = new BlockList();
  for (const entry of trustedProxies) addTrusted(trusted, entry);
  const isTrusted = (address: string) => {
    const family = isIP(address);
    return family !== 0 && trusted.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
  return {
    readsForwardedFor: trustedProxies.length > 0,
    resolve(peer, forwardedFor) {
      if (trustedProxies.length === 0 || forwardedFor === '' || !isTrusted(peer)) return addressKey(peer);
      let client = peer;
      const hops = forwardedFor.split(',');
      for (let index = hops.length - 1; index >= 0; index--) {
        const hop = (hops[index] as string).trim();
        // Something that is not an address was written by a trusted hop's client: keep that hop.
        if (isIP(hop) === 0) break;
        client = hop;
        if (!isTrusted(hop)) break;
      }
      return addressKey(client);
    },
  };
}

/** DATA_PLANE_TRUSTED_PROXIES: comma-separated addresses and CIDR ranges; unset = none. */
export function parseTrustedProxies(value: string | undefined): string[] {
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  createClientAddressReader(entries); // throws on an entry that is not an address or range
  return entries;
}

function addTrusted(list: BlockList, entry: string): void {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  const bits = prefix === undefined ? null : Number(prefix);
  if (family === 0 || extra !== undefined || (bits !== null && (!/^\d+$/.test(prefix ?? '') || bits > (family === 4 ? 32 : 128)))) {
    throw new Error(`DATA_PLANE_TRUSTED_PROXIES: '${entry}' is not an IP address or CIDR range (e.g. 10.0.0.0/8, ::1)`);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (bits === null) list.addAddress(address, type);
  else list.addSubnet(address, bits, type);
}

/**
 * The key one caller's limits count under: the IPv4 address (also when written as IPv4-mapped IPv6, as
 * a dual-stack listener reports it), or `<first four groups>::/64` for IPv6. Not an address: as it is.
 */
export function addressKey(address: string): string {
  const family = isIP(address);
  if (family !== 6) return address;
  const groups = ipv6Groups(address);
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address's text (`::` and a trailing dotted IPv4 expanded). */
function ipv6Groups(address: string): number[] {
  const text = address.split('%')[0] as string;
  const halves = text.split('::');
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const head = parse(halves[0] as string);
  const tail = halves.length > 1 ? parse(halves[1] as string) : [];
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}
