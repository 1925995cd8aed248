// What every metered route does between reading its body and serving it: take the routing extras out of
// the body (`provider` preferences and sort, `models` fallbacks, `:nitro`/`:floor`), resolve the models
// the caller may use, and choose their endpoints in the order they will be tried.
import type { Caller } from './authenticate-key.ts';
import { providerRulesOf } from './check-policy.ts';
import { chooseEndpoints, keyOwnerOf } from './choose-endpoints.ts';
import { parseRoutingOptions, withModelVariant } from './parse-routing-options.ts';
import type { PipelineContext } from './pipeline-context.ts';
import { allowedModels } from './resolve-model.ts';

export function routeRequest(context: PipelineContext, caller: Caller, body: Record<string, unknown>, requestedModel: string) {
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
