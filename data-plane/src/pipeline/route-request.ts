// What every metered route does between reading its body and serving it: take the routing extras out of
// the body (`provider` preferences and sort, `models` fallbacks, `:nitro`/`:floor`), resolve the models
// the caller may use, and choose their endpoints in the order they will be tried.
// A request without routing extras (most) is decided by what the snapshot says of its key and model
// alone, up to the endpoints' ranking: that part is kept per snapshot version, key and model
// (`plainRoutes`), and a swap, which makes a new view, starts over.
import { isNonEmpty, type NonEmptyList } from '../../../shared/src/non-empty-list.ts';
import type { SnapshotApiKey, SnapshotModel } from '../../../shared/src/snapshot.ts';
import type { SnapshotView } from '../snapshot/snapshot-view.ts';
import type { Caller } from './authenticate-key.ts';
import { providerRulesOf } from './check-policy.ts';
import { chooseEndpoints, credentialedEndpoints, keyOwnerOf, rankWithoutPreferences, type EndpointCandidate } from './choose-endpoints.ts';
import { parseRoutingOptions, withModelVariant } from './parse-routing-options.ts';
import type { PipelineContext } from './pipeline-context.ts';
import type { ProviderKeys } from './provider-keys.ts';
import { allowedModel, allowedModels } from './resolve-model.ts';

export interface RoutedRequest {
  models: NonEmptyList<SnapshotModel>;
  endpoints: NonEmptyList<EndpointCandidate>;
}

export function routeRequest(context: PipelineContext, caller: Caller, body: Record<string, unknown>, requestedModel: string): RoutedRequest {
  if (body.provider === undefined && body.models === undefined) {
    const plain = plainRoute(caller, requestedModel, context.upstream.providerKeys);
    if (plain !== null) {
      const endpoints = rankWithoutPreferences(plain.candidates, context.endpointHealth);
      if (isNonEmpty(endpoints)) return { models: plain.models, endpoints };
    }
  }
  const routing = parseRoutingOptions(body);
  const models = allowedModels(caller, withModelVariant(caller.snapshot, requestedModel, routing), routing.fallbackModels);
  const endpoints = chooseEndpoints(
    caller.snapshot,
    providerRulesOf(caller),
    models,
    routing.provider,
    keyOwnerOf(caller),
    context.upstream.providerKeys,
    context.endpointHealth,
  );
  return { models, endpoints };
}

/** A key's request for one catalog model without routing extras: the model, and its endpoints before ranking. */
interface PlainRoute {
  models: NonEmptyList<SnapshotModel>;
  /** Read, never written: every request of this key and model gets it (credentialedEndpoints). */
  candidates: EndpointCandidate[];
}

/** Per snapshot view: the platform keys they were decided with, and each key's routes by requested model. */
interface PlainRoutes {
  platformKeys: ProviderKeys;
  byKey: WeakMap<SnapshotApiKey, Map<string, PlainRoute>>;
}

const plainRoutes = new WeakMap<SnapshotView, PlainRoutes>();

/**
 * The route of a request without routing extras, made on the key's first request for the model in this
 * snapshot version; null when the id is not a catalog model's (a variant, or unknown: the full path
 * says what it is). Throws what the full path throws for a model the key may not use (not kept).
 */
function plainRoute(caller: Caller, requestedModel: string, platformKeys: ProviderKeys): PlainRoute | null {
  const snapshot = caller.snapshot;
  let routes = plainRoutes.get(snapshot);
  // One data plane per view in production; a view shared by data planes with other keys (tests) starts over.
  if (routes === undefined || routes.platformKeys !== platformKeys) {
    routes = { platformKeys, byKey: new WeakMap() };
    plainRoutes.set(snapshot, routes);
  }
  let byModel = routes.byKey.get(caller.apiKey);
  const known = byModel?.get(requestedModel);
  if (known !== undefined) return known;
  if (!snapshot.modelsById.has(requestedModel)) return null;
  const model = allowedModel(caller, requestedModel);
  const route: PlainRoute = {
    models: [model],
    candidates: credentialedEndpoints(snapshot, providerRulesOf(caller), model, keyOwnerOf(caller), platformKeys),
  };
  if (byModel === undefined) {
    byModel = new Map();
    routes.byKey.set(caller.apiKey, byModel);
  }
  // A request may name any string: only catalog ids are kept (at most the catalog's ids and aliases per key).
  byModel.set(requestedModel, route);
  return route;
}
