// Whether the gateway holds a credential for an endpoint's provider, known without calling it (issue
// 14, item 5): the caller's BYOK key (the user's or the org's), else the platform key the provider's
// `apiKeyEnv` names when the data plane read one at start (provider-keys.ts), else nothing; a provider
// whose `apiKeyEnv` is null needs no key (a local model server, the simulator). An endpoint without a
// credential is skipped before any network call (choose-endpoints.ts) and /models leaves its models out
// by default (handle-list-models.ts); when none is left the answer is 503 provider_not_configured,
// naming what to set. An undecryptable BYOK key still counts: its own error explains it (upstream-credentials.ts).
import { GatewayError } from '../../../shared/src/errors.ts';
import { PROVIDER_KEY_ENV_PATTERN } from '../../../shared/src/provider-key-env.ts';
import type { SnapshotProvider } from '../../../shared/src/snapshot.ts';
import type { ByokKey } from '../snapshot/decrypt-byok-credentials.ts';
import type { ProviderKeys } from './provider-keys.ts';

type KeyedProvider = Pick<SnapshotProvider, 'slug' | 'apiKeyEnv'>;

export function hasCredential(provider: KeyedProvider, byokKey: ByokKey | null, platformKeys: ProviderKeys): boolean {
  return byokKey !== null || provider.apiKeyEnv === null || platformKeys.has(provider.apiKeyEnv);
}

/** The 503 when every endpoint left for the request lacks a credential: per provider, the variable to set or BYOK. */
export function providerNotConfigured(providers: readonly KeyedProvider[], modelIds: readonly string[]): GatewayError {
  const slugs = [...new Set(providers.map((provider) => provider.slug))];
  const remedies = [...new Map(providers.map((provider) => [provider.slug, remedyFor(provider)])).values()];
  return new GatewayError(
    'provider_not_configured',
    `No provider key is configured for the model ${modelIds.map((id) => `'${id}'`).join(', ')} ` +
      `(${slugs.length === 1 ? 'provider' : 'providers'} ${slugs.join(', ')}): ${remedies.join('; ')}, ` +
      `or add your organization's own key for ${slugs.length === 1 ? 'it' : 'one of them'} (BYOK).`,
    { param: 'model' },
  );
}

function remedyFor(provider: KeyedProvider): string {
  const variable = provider.apiKeyEnv ?? '';
  if (!PROVIDER_KEY_ENV_PATTERN.test(variable)) {
    return `the ${provider.slug} provider names ${variable}, which is not a provider key variable (an administrator sets apiKeyEnv to one ending in _API_KEY)`;
  }
  return `set ${variable} in the data plane's environment`;
}

/** One line for a start banner or log: which providers can be called with the platform's keys, and which cannot. */
export function describeProviderKeys(providers: Iterable<KeyedProvider>, platformKeys: ProviderKeys): string {
  const configured: string[] = [];
  const missing: string[] = [];
  for (const provider of [...providers].sort((left, right) => left.slug.localeCompare(right.slug))) {
    if (provider.apiKeyEnv === null) configured.push(`${provider.slug} (needs no key)`);
    else if (platformKeys.has(provider.apiKeyEnv)) configured.push(`${provider.slug} (${provider.apiKeyEnv})`);
    else missing.push(`${provider.slug} (${provider.apiKeyEnv})`);
  }
  const parts = [`providers configured: ${configured.join(', ') || 'none'}`];
  if (missing.length > 0) parts.push(`without a platform key (BYOK only): ${missing.join(', ')}`);
  return parts.join('; ');
}
