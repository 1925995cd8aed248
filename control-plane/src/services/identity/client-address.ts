// The caller's address for the sign-in lockout and rate limit. Behind a reverse proxy every request
// comes from the proxy, so one attacker would lock everybody out together with themselves: with
// CONTROL_PLANE_TRUST_FORWARDED_FOR=<n> the address is read from X-Forwarded-For instead, n entries from
// the right (each of the n trusted proxies appends the address it saw; entries further left were written
// by the client and could be anything, so they are never used).
import type { IncomingMessage } from 'node:http';

export function clientAddress(request: Pick<IncomingMessage, 'headers' | 'socket'>, trustedProxyHops: number): string {
  const socketAddress = request.socket.remoteAddress ?? 'unknown';
  if (trustedProxyHops <= 0) return socketAddress;
  const header = request.headers['x-forwarded-for'];
  const entries = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  return entries[entries.length - trustedProxyHops] ?? entries[0] ?? socketAddress;
}

/** CONTROL_PLANE_TRUST_FORWARDED_FOR: unset or 0 = use the socket's address; n = trust n proxies. */
export function parseTrustedProxyHops(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (!/^\d+$/.test(value)) throw new Error(`CONTROL_PLANE_TRUST_FORWARDED_FOR must be the number of trusted proxies (0, 1, 2, …), got ${value}`);
  return Number(value);
}
