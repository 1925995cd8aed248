// Which upstream targets the gateway refuses unless told otherwise (issue 13, defect 5): a provider's
// base URL is set by an admin, and a gateway that calls whatever it names can be pointed at its own
// network (cloud metadata, Redis, the control plane). Both planes use this one policy: the control plane
// when a base URL is saved (after resolving its name), the data plane whenever it opens a connection
// (after its own resolution, so a name that later resolves inward is refused too).
import { BlockList, isIP } from 'node:net';

/** The setting, in both planes' environment, that lets upstreams live on private addresses (simulators, tests, local models). */
export const ALLOW_PRIVATE_UPSTREAMS_ENV = 'ALLOW_PRIVATE_UPSTREAMS';

const privateRanges = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, where cloud metadata services answer
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
] as const) {
  privateRanges.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64: an IPv4 address in disguise
  ['fc00::', 7], // unique local (AWS's IPv6 metadata address is in it)
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  privateRanges.addSubnet(network, prefix, 'ipv6');
}

/** Names that never leave the host or the cloud's internal network, whether or not this machine resolves them. */
const INTERNAL_NAME = /(^|\.)(localhost|internal|local|localdomain)$|^(metadata|metadata\.goog|instance-data)$/;

/** True for loopback, private, link-local, metadata, multicast and reserved addresses (IPv4-mapped IPv6 included). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return privateRanges.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** A URL's hostname without IPv6 brackets and trailing dot, lower-cased. */
export function bareHostname(hostname: string): string {
  const unbracketed = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return unbracketed.replace(/\.$/, '').toLowerCase();
}

/**
 * Why a hostname (as the WHATWG URL parser normalizes it: `0x7f000001` is already `127.0.0.1`) is refused
 * before any resolution, or null when only its resolved addresses can tell.
 */
export function refusedHostname(hostname: string): string | null {
  const host = bareHostname(hostname);
  if (isIP(host) !== 0) return isPrivateAddress(host) ? `${host} is a private, loopback or link-local address` : null;
  if (INTERNAL_NAME.test(host)) return `${host} is an internal host name`;
  return null;
}

/** Why a resolved address list is refused (any private address in it), or null. */
export function refusedAddresses(hostname: string, addresses: readonly string[]): string | null {
  const inward = addresses.find((address) => isPrivateAddress(address));
  return inward === undefined ? null : `${bareHostname(hostname)} resolves to ${inward}, a private, loopback or link-local address`;
}

/** Parses ALLOW_PRIVATE_UPSTREAMS: unset or empty gives the fallback; anything but true/false is an error. */
export function parseAllowPrivateUpstreams(raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new Error(`${ALLOW_PRIVATE_UPSTREAMS_ENV} must be true or false, got '${raw}'`);
}
