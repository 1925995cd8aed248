// The upstream Agent's connector: refuses private, loopback, link-local and metadata targets (issue 13,
// defect 5) unless the data plane allows them. It runs when a connection opens, not per request, so
// pooled keep-alive connections cost nothing, and it checks the addresses the name resolved to for this
// very connection (a name re-pointed inward after the control plane checked it is still refused).
import { lookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import { refusedAddresses, refusedHostname } from '../../../shared/src/upstream-address.ts';

/** The error code of a refused target; call-upstream.ts maps it to a 502 that never reached the upstream. */
export const UPSTREAM_ADDRESS_REFUSED = 'ERR_UPSTREAM_ADDRESS_REFUSED';

export class UpstreamAddressRefusedError extends Error {
  readonly code = UPSTREAM_ADDRESS_REFUSED;
}

/** dns.lookup, failing when any address the name resolves to is private. */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { ...options, all: true } satisfies LookupAllOptions, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const refused = refusedAddresses(
      hostname,
      addresses.map(({ address }) => address),
    );
    if (refused !== null) return callback(new UpstreamAddressRefusedError(refused), '', 0);
    // net.connect asks for every address when it races IPv4 and IPv6 (autoSelectFamily).
    if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
};

export function createUpstreamConnector(options: { allowPrivate: boolean; timeoutMs: number }): buildConnector.connector {
  const connect = buildConnector({ timeout: options.timeoutMs, ...(options.allowPrivate ? {} : { lookup: guardedLookup }) });
  if (options.allowPrivate) return connect;
  return (connectOptions, callback) => {
    const refused = refusedHostname(connectOptions.hostname);
    if (refused !== null) {
      callback(new UpstreamAddressRefusedError(refused), null);
      return;
    }
    connect(connectOptions, callback);
  };
}
