// The endpoints a request may go to, in the order they are tried: for each model (the requested one,
// then the `models` fallbacks), its catalog endpoints narrowed by the org's provider rules (within the
// key's scope: providerRulesOf) and then by the request's `provider` preferences (only / ignore), ranked
// by `sort` or by the catalog's priorities and weights (rank-endpoints.ts), the `order` providers first,
// ejected endpoints last, and cut to the first (or the `order` ones) without allow_fallbacks. With
// `sort: {partition: 'none'}` the endpoints of all the models are sorted together.
// BYOK: an endpoint whose provider has a key the caller's org brought (or the caller's own key, which wins
// over the org's) is served with that key and never with the platform key (candidate.byok).
// An endpoint with no credential for the caller (no BYOK key, no platform key: provider-availability.ts)
// is skipped before anything is sent, so the preferences apply to the endpoints that can answer.
// `max_price` skips endpoints listed above it, `require_parameters` models whose supported_parameters
// lack one the request sets.
// Nothing left: 403 when those rules removed everything (naming them), 400 when the request's
// own preferences did (naming max_price or require_parameters when that one alone left nothing),
// 503 provider_not_configured when only missing keys did (naming what to set),
// 503 no_provider_available when no endpoint's provider is in the snapshot at all.
import { GatewayError } from '../../../shared/src/errors.ts';
import { isNonEmpty, type NonEmptyList } from '../../../shared/src/non-empty-list.ts';
import type { SnapshotEndpoint, SnapshotModel, SnapshotPrices } from '../../../shared/src/snapshot.ts';
import type { ByokKey } from '../snapshot/decrypt-byok-credentials.ts';
import { findByokKey, type Principal, type ProviderRoute, type SnapshotView } from '../snapshot/snapshot-view.ts';
import { describeProviderRules, isProviderAllowed, type ProviderRules } from './check-policy.ts';
import type { MaxPrice, ProviderPreferences } from './parse-routing-options.ts';
import type { EndpointHealth } from './endpoint-health.ts';
import { hasCredential, providerNotConfigured } from './provider-availability.ts';
import { ejectedLast, rankEndpoints, sortEndpoints } from './rank-endpoints.ts';
import type { ProviderKeys } from './provider-keys.ts';

export interface EndpointCandidate {
  /** The catalog model this endpoint serves (a `models` fallback may differ from the requested one). */
  model: SnapshotModel;
  endpoint: SnapshotEndpoint;
  route: ProviderRoute;
  /** The org's (or the user's own) provider key serves this endpoint; the platform key never does then. */
  byok: boolean;
  /** That key when byok, else null. */
  byokKey: ByokKey | null;
}

/** Whose BYOK keys a request may use. */
export interface KeyOwner {
  orgId: string;
  userId: string;
}

export function keyOwnerOf(principal: Principal): KeyOwner {
  return { orgId: principal.org.id, userId: principal.apiKey.userId };
}

/** `platformKeys`: the provider keys the data plane read at start (provider-keys.ts); `health`: this data plane's measurements. */
export function chooseEndpoints(
  snapshot: SnapshotView,
  rules: ProviderRules,
  models: readonly SnapshotModel[],
  preferences: ProviderPreferences,
  owner: KeyOwner,
  platformKeys: ProviderKeys,
  health: EndpointHealth,
): NonEmptyList<EndpointCandidate> {
  let chosen: EndpointCandidate[] = [];
  const keyed: EndpointCandidate[] = [];
  const unkeyed: EndpointCandidate[] = [];
  let configured = 0;
  let permitted = 0;
  for (const model of models) {
    const candidates: EndpointCandidate[] = [];
    for (const endpoint of model.endpoints) {
      const route = snapshot.providersById.get(endpoint.providerId);
      if (route === undefined) continue;
      configured += 1;
      if (!isProviderAllowed(rules, route.provider.slug)) continue;
      permitted += 1;
      const candidate = candidateOf(snapshot, model, endpoint, route, owner);
      if (hasCredential(route.provider, candidate.byokKey, platformKeys)) candidates.push(candidate);
      else unkeyed.push(candidate);
    }
    const preferred = applyPreferences(candidates, preferences, health);
    // One model (the common case): its list as it is, not copied into another.
    if (models.length === 1) chosen = preferred;
    else chosen.push(...preferred);
    // A model left without endpoints keeps its candidates for the error, which comes when every model is.
    if (preferred.length === 0) keyed.push(...candidates);
  }
  if (preferences.sort?.partition === 'none' && models.length > 1) chosen = ejectedLast(sortEndpoints(chosen, preferences.sort.by, health), health);
  if (isNonEmpty(chosen)) return chosen;
  const modelIds = models.map((model) => `'${model.id}'`).join(', ');
  if (configured === 0) throw new GatewayError('no_provider_available', `No provider is available for the model ${modelIds}.`);
  if (permitted === 0) {
    throw new GatewayError(
      'forbidden',
      `The provider rules of your organization and API key (${describeProviderRules(rules)}) allow no provider serving the model ${modelIds}.`,
      {
        param: 'model',
      },
    );
  }
  // Keys missing among the endpoints the request's preferences would have taken: those are the ones to configure.
  const wanted = applyPreferences(unkeyed, preferences, health);
  if (wanted.length > 0)
    throw providerNotConfigured(
      wanted.map((candidate) => candidate.route.provider),
      models.map((model) => model.id),
    );
  throw unmatchedPreferences([...keyed, ...unkeyed], preferences, modelIds);
}

function candidateOf(snapshot: SnapshotView, model: SnapshotModel, endpoint: SnapshotEndpoint, route: ProviderRoute, owner: KeyOwner): EndpointCandidate {
  const byokKey = findByokKey(snapshot, owner.orgId, owner.userId, endpoint.providerId);
  return { model, endpoint, route, byok: byokKey !== null, byokKey };
}

/**
 * The endpoints of one model that `rules` permit and that have a credential for `owner`, in catalog
 * order: what chooseEndpoints ranks for a request without preferences, and depends on nothing but its
 * arguments, so a caller may keep it for a snapshot version (route-request.ts). Empty when none is left
 * (chooseEndpoints then says why).
 */
export function credentialedEndpoints(
  snapshot: SnapshotView,
  rules: ProviderRules,
  model: SnapshotModel,
  owner: KeyOwner,
  platformKeys: ProviderKeys,
): EndpointCandidate[] {
  const candidates: EndpointCandidate[] = [];
  for (const endpoint of model.endpoints) {
    const route = snapshot.providersById.get(endpoint.providerId);
    if (route === undefined || !isProviderAllowed(rules, route.provider.slug)) continue;
    const candidate = candidateOf(snapshot, model, endpoint, route, owner);
    if (hasCredential(route.provider, candidate.byokKey, platformKeys)) candidates.push(candidate);
  }
  return candidates;
}

/**
 * chooseEndpoints' order for one model's credentialed endpoints and no preferences: balanced by the
 * catalog's weights, ejected endpoints last. `candidates` itself when that changes nothing (one endpoint):
 * it is read, never written.
 */
export function rankWithoutPreferences(candidates: EndpointCandidate[], health: EndpointHealth): EndpointCandidate[] {
  return ejectedLast(rankEndpoints(candidates, null, health), health);
}

function withinMaxPrice(prices: SnapshotPrices, maxPrice: MaxPrice | null): boolean {
  return (
    maxPrice === null ||
    ((maxPrice.prompt === null || prices.prompt <= maxPrice.prompt) && (maxPrice.completion === null || prices.completion <= maxPrice.completion))
  );
}

function supportsEvery(model: SnapshotModel, parameters: readonly string[] | null): boolean {
  return parameters === null || parameters.every((parameter) => model.supportedParameters.includes(parameter));
}

/** The 400 for preferences that left nothing: naming require_parameters or max_price when that one alone excludes every endpoint. */
function unmatchedPreferences(permitted: readonly EndpointCandidate[], preferences: ProviderPreferences, modelIds: string): GatewayError {
  const { requiredParameters, maxPrice } = preferences;
  if (requiredParameters !== null && !permitted.some((candidate) => supportsEvery(candidate.model, requiredParameters))) {
    const lacking = [...new Set(permitted.map((candidate) => candidate.model))].map(
      (model) => `'${model.id}' lacks ${requiredParameters.filter((parameter) => !model.supportedParameters.includes(parameter)).join(', ')}`,
    );
    return new GatewayError(
      'invalid_request',
      `'provider.require_parameters': no model among ${modelIds} supports every parameter of the request (${requiredParameters.join(', ')}): ${lacking.join('; ')} (each model's supported_parameters are listed in /v1/models).`,
      { param: 'provider.require_parameters' },
    );
  }
  if (maxPrice !== null && !permitted.some((candidate) => withinMaxPrice(candidate.endpoint.prices, maxPrice))) {
    const perMillion = (nanodollarsPerToken: number) => `$${nanodollarsPerToken / 1000}`;
    const lowest = (kind: 'prompt' | 'completion') => perMillion(Math.min(...permitted.map((candidate) => candidate.endpoint.prices[kind])));
    const cap = (kind: 'prompt' | 'completion') => (maxPrice[kind] === null ? 'any' : perMillion(maxPrice[kind]));
    return new GatewayError(
      'invalid_request',
      `No endpoint of the model ${modelIds} is priced within 'provider.max_price' (${cap('prompt')} prompt, ${cap('completion')} completion per million tokens): the lowest prices are ${lowest('prompt')} and ${lowest('completion')}.`,
      { param: 'provider.max_price' },
    );
  }
  return new GatewayError('invalid_request', `No provider serving the model ${modelIds} matches the request's provider preferences.`, { param: 'provider' });
}

function applyPreferences(candidates: EndpointCandidate[], preferences: ProviderPreferences, health: EndpointHealth): EndpointCandidate[] {
  const { only, ignore, order, maxPrice, requiredParameters } = preferences;
  // Copied only when something can filter: most requests set no preference.
  const filters = only !== null || ignore.length > 0 || maxPrice !== null || requiredParameters !== null;
  const eligible = !filters
    ? candidates
    : candidates.filter((candidate) => {
        const slug = candidate.route.provider.slug;
        return (
          (only === null || only.includes(slug)) &&
          !ignore.includes(slug) &&
          withinMaxPrice(candidate.endpoint.prices, maxPrice) &&
          supportsEvery(candidate.model, requiredParameters)
        );
      });
  const ranked = rankEndpoints(eligible, preferences.sort?.by ?? null, health);
  if (order === null) {
    const tried = ejectedLast(ranked, health);
    return preferences.allowFallbacks ? tried : tried.slice(0, 1);
  }
  const ordered: EndpointCandidate[] = [];
  for (const slug of order) ordered.push(...ranked.filter((candidate) => candidate.route.provider.slug === slug && !ordered.includes(candidate)));
  if (!preferences.allowFallbacks) return ejectedLast(ordered, health);
  return ejectedLast([...ordered, ...ranked.filter((candidate) => !ordered.includes(candidate))], health);
}
