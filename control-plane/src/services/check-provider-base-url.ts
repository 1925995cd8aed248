// A provider base URL an admin saves must not point the data planes inward (issue 13, defect 5): no
// credentials in it, and no private, loopback, link-local or metadata target, by literal address, by
// name, or by what the name resolves to now. The data planes check again on every new connection, so a
// name that resolves elsewhere later is refused there; a name this machine cannot resolve is accepted
// for that reason (providers may be reachable only from the data planes' network).
import { lookup } from 'node:dns/promises';
import { GatewayError } from '../../../shared/src/errors.ts';
import { ALLOW_PRIVATE_UPSTREAMS_ENV, refusedAddresses, refusedHostname } from '../../../shared/src/upstream-address.ts';

/** A resolver that does not answer in this long is treated as unresolvable (the data plane still checks). */
const LOOKUP_TIMEOUT_MS = 3_000;

/** Also the budget alerts' webhook URL (`param: 'webhookUrl'`): the control plane calls it. */
export async function checkProviderBaseUrl(baseUrl: string, options: { allowPrivate: boolean; param?: string }): Promise<void> {
  const param = options.param ?? 'baseUrl';
  const url = new URL(baseUrl);
  if (url.username !== '' || url.password !== '') {
    throw new GatewayError('invalid_request', `${param} may not carry credentials (user:password@); name the key in apiKeyEnv or use BYOK`, { param });
  }
  if (options.allowPrivate) return;
  const refused = refusedHostname(url.hostname) ?? refusedAddresses(url.hostname, await resolve(url.hostname));
  if (refused !== null) {
    throw new GatewayError('invalid_request', `${param} is refused: ${refused} (set ${ALLOW_PRIVATE_UPSTREAMS_ENV}=true on both planes to allow it)`, {
      param,
    });
  }
}

async function resolve(hostname: string): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string[]>((done) => {
    timer = setTimeout(() => done([]), LOOKUP_TIMEOUT_MS);
  });
  try {
    const resolved = lookup(hostname, { all: true }).then(
      (addresses) => addresses.map(({ address }) => address),
      () => [],
    );
    return await Promise.race([resolved, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
