// Organization policy, narrowed by the API key's scopes. One matcher per rule decides both what /models
// lists and what a request may use: isModelAllowed for model allow lists (the org's and the key's),
// isProviderAllowed for provider allow and deny lists (the org's, intersected with the key's scope).
import { GatewayError } from '../../../shared/src/errors.ts';
import type { SnapshotModel, SnapshotOrg } from '../../../shared/src/snapshot.ts';
import type { SnapshotView } from '../snapshot/snapshot-view.ts';
import type { Principal } from '../snapshot/snapshot-view.ts';

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

/** The provider rules a key is held to: the org's deny list, and the org's allow list within the key's scope. */
export function providerRulesOf(principal: Principal): ProviderRules {
  const orgAllowed = principal.org.allowedProviders;
  const keyAllowed = principal.apiKey.scopes.providers;
  let allowedProviders = orgAllowed ?? keyAllowed;
  if (orgAllowed !== null && keyAllowed !== null) allowedProviders = orgAllowed.filter((slug) => keyAllowed.includes(slug));
  return { allowedProviders, deniedProviders: principal.org.deniedProviders };
}

function modelRefusal(principal: Principal, modelId: string): string | null {
  if (!isModelAllowed(principal.org.allowedModels, modelId)) return `Your organization does not allow the model '${modelId}'.`;
  if (!isModelAllowed(principal.apiKey.scopes.models, modelId)) return `This API key is not scoped to the model '${modelId}'.`;
  return null;
}

/** The model is allowed and at least one of its endpoints goes to an allowed provider (what /models lists). */
export function isModelUsable(snapshot: SnapshotView, principal: Principal, model: SnapshotModel): boolean {
  if (modelRefusal(principal, model.id) !== null) return false;
  const rules = providerRulesOf(principal);
  return model.endpoints.some((endpoint) => {
    const route = snapshot.providersById.get(endpoint.providerId);
    return route !== undefined && isProviderAllowed(rules, route.provider.slug);
  });
}

export function checkPolicy(principal: Principal, model: SnapshotModel): void {
  const refusal = modelRefusal(principal, model.id);
  if (refusal !== null) throw new GatewayError('forbidden', refusal, { param: 'model' });
}

/** Why no endpoint is left once the org's provider rules applied, naming the rule (for the 403). */
export function describeProviderRules(rules: ProviderRules): string {
  const parts: string[] = [];
  if (rules.allowedProviders !== null) parts.push(`allowed providers: ${rules.allowedProviders.join(', ') || 'none'}`);
  if (rules.deniedProviders.length > 0) parts.push(`denied providers: ${rules.deniedProviders.join(', ')}`);
  return parts.join('; ');
}
