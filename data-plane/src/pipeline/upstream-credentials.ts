// Which provider key an upstream call carries, and what the client hears when the provider refuses it.
// BYOK wins: an endpoint with the org's (or the user's own) key uses that key or fails; it never
// borrows the platform key from the environment (`apiKeyEnv`), which is for endpoints without BYOK.
// A refusal is recognised by its reason (providers/upstream-error.ts), whatever status or words carried it.
import { GatewayError } from '../../../shared/src/errors.ts';
import type { EndpointCandidate } from './choose-endpoints.ts';
import type { ProviderKeys } from './provider-keys.ts';

/** `platformKeys`: the provider keys the data plane read at start (provider-keys.ts). */
export function upstreamApiKey(candidate: Pick<EndpointCandidate, 'byokKey' | 'route'>, platformKeys: ProviderKeys): string | null {
  const { byokKey, route } = candidate;
  if (byokKey !== null) {
    if (byokKey.apiKey !== null) return byokKey.apiKey;
    throw new GatewayError(
      'upstream_error',
      `Your organization's ${route.provider.slug} key (ending in ${byokKey.last4}) cannot be decrypted by this gateway; ` +
        'the gateway does not fall back to its own key. Ask an administrator to check the data plane encryption key.',
    );
  }
  return route.apiKeyEnv === null ? null : (platformKeys.get(route.apiKeyEnv) ?? null);
}

/** A refused BYOK key is the organization's to fix, so the message says whose key it was; other errors pass through. */
export function explainRefusedProviderKey(candidate: Pick<EndpointCandidate, 'byokKey' | 'route'>, error: GatewayError): GatewayError {
  if (candidate.byokKey === null || error.reason?.code !== 'provider_key_refused') return error;
  const detail = error.reason.upstreamMessage;
  return new GatewayError(
    'upstream_error',
    `${candidate.route.provider.slug} refused your organization's provider key (BYOK, ending in ${candidate.byokKey.last4})` +
      `${detail ? `: ${detail}` : ''}. The gateway does not retry with its own key; update or delete the key.`,
    { headers: error.headers, cause: error },
  );
}
