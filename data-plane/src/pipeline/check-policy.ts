// Organization policy. One matcher per rule decides both what /models lists and what a request may use:
// isModelAllowed for the model allow list, isProviderAllowed for the provider allow and deny lists.
import { GatewayError } from '../../../shared/src/errors.ts';
import type { SnapshotModel, SnapshotOrg } from '../../../shared/src/snapshot.ts';
import type { SnapshotView } from '../snapshot/snapshot-view.ts';
import type { Principal } from './authenticate-key.ts';

/**
 * Allow-list entries are exact model ids or `provider/*` (every model of that provider); `*` allows
 * everything. A null list allows every model; an empty list allows none.
 */
export function isModelAllowed(allowedModels: readonly string[] | null, modelId: string): boolean {
  if (allowedModels === null) return true;
  for (const entry of allowedModels) {
    if (entry === modelId || entry === '*') return true;
    if (entry.endsWith('/*') && modelId.startsWith(entry.slice(0, -1))) return true;
  }
  return false;
}

export type ProviderRules = Pick<SnapshotOrg, 'allowedProviders' | 'deniedProviders'>;

/** Provider slugs: the deny list wins; a null allow list allows every provider, an empty one none. */
export function isProviderAllowed(rules: ProviderRules, providerSlug: string): boolean {
  if (rules.deniedProviders.includes(providerSlug)) return false;
  return rules.allowedProviders === null || rules.allowedProviders.includes(providerSlug);
}

/** The model is allowed and at least one of its endpoints goes to an allowed provider (what /models lists). */
export function isModelUsable(snapshot: SnapshotView, org: SnapshotOrg, model: SnapshotModel): boolean {
  if (!isModelAllowed(org.allowedModels, model.id)) return false;
  return model.endpoints.some((endpoint) => {
    const route = snapshot.providersById.get(endpoint.providerId);
    return route !== undefined && isProviderAllowed(org, route.provider.slug);
  });
}

export function checkPolicy(principal: Principal, model: SnapshotModel): void {
  if (!isModelAllowed(principal.org.allowedModels, model.id)) {
    throw new GatewayError('forbidden', `Your organization does not allow the model '${model.id}'.`, { param: 'model' });
  }
}

/** Why no endpoint is left once the org's provider rules applied, naming the rule (for the 403). */
export function describeProviderRules(rules: ProviderRules): string {
  const parts: string[] = [];
  if (rules.allowedProviders !== null) parts.push(`allowed providers: ${rules.allowedProviders.join(', ') || 'none'}`);
  if (rules.deniedProviders.length > 0) parts.push(`denied providers: ${rules.deniedProviders.join(', ')}`);
  return parts.join('; ');
}
