// GET /models in OpenRouter's model shape (what Kilo's /api/gateway/models returns), plus OpenAI's
// `object`/`owned_by` fields so OpenAI SDKs' models.list() reads the same response. Without a key: the
// catalog. With a key: the models the key and its organization may use, through at least one allowed
// provider (the same matchers as check-policy). A bad key is a 401. By default only the models a request
// can reach, through a provider the gateway holds a key for (the caller's BYOK key, a platform key, or
// none needed: provider-availability.ts); `?all=true` lists the others too. Every entry says which
// (`available`).
import { nanoPerTokenToUsdString } from '../../../shared/src/money.ts';
import type { SnapshotModel } from '../../../shared/src/snapshot.ts';
import { findByokKey, type Principal, type SnapshotView } from '../snapshot/snapshot-view.ts';
import { authenticateKey, bearerToken, requireSnapshot } from './authenticate-key.ts';
import { isModelUsable, isProviderAllowed, providerRulesOf } from './check-policy.ts';
import type { PipelineContext } from './pipeline-context.ts';
import { hasCredential } from './provider-availability.ts';
import type { ProviderKeys } from './provider-keys.ts';

export interface ModelListEntry {
  id: string;
  /** The other ids a request may name it by (OpenRouter's, the provider's dated and -latest names, an admin's). */
  aliases: string[];
  /** A request for it can reach a provider now (always true unless `?all=true` was asked). */
  available: boolean;
  object: 'model';
  owned_by: string;
  name: string;
  /** Unix seconds. */
  created: number;
  description: string;
  context_length: number | null;
  architecture: { modality: string; input_modalities: string[]; output_modalities: string[] };
  /** USD per token (per request / per image for those two), as exact decimal strings. */
  pricing: { prompt: string; completion: string; request: string; image: string; input_cache_read: string; input_cache_write: string };
  supported_parameters: string[];
  top_provider: { context_length: number | null; max_completion_tokens: number | null; is_moderated: false };
}

/** `query`: the request's query string (`all=true` lists the models no provider can serve yet). */
export function listModels(
  context: Pick<PipelineContext, 'currentSnapshot' | 'upstream'>,
  authorization: string,
  query: string,
  nowMs: number,
): { object: 'list'; data: ModelListEntry[] } {
  const snapshot = requireSnapshot(context);
  const principal = bearerToken(authorization) === null ? null : authenticateKey(snapshot, authorization, nowMs);
  const all = new URLSearchParams(query).get('all') === 'true';
  const data: ModelListEntry[] = [];
  for (const model of snapshot.modelList) {
    if (principal !== null && !isModelUsable(snapshot, principal, model)) continue;
    const available = isModelAvailable(snapshot, principal, model, context.upstream.providerKeys);
    if (available || all) data.push(toModelListEntry(model, available));
  }
  return { object: 'list', data };
}

/** One of the model's endpoints goes to a provider the caller may use and the gateway holds a key for (BYOK only with a key). */
function isModelAvailable(snapshot: SnapshotView, principal: Principal | null, model: SnapshotModel, platformKeys: ProviderKeys): boolean {
  const rules = principal === null ? null : providerRulesOf(principal);
  return model.endpoints.some((endpoint) => {
    const route = snapshot.providersById.get(endpoint.providerId);
    if (route === undefined || (rules !== null && !isProviderAllowed(rules, route.provider.slug))) return false;
    const byokKey = principal === null ? null : findByokKey(snapshot, principal.org.id, principal.apiKey.userId, endpoint.providerId);
    return hasCredential(route.provider, byokKey, platformKeys);
  });
}

function toModelListEntry(model: SnapshotModel, available: boolean): ModelListEntry {
  const slash = model.id.indexOf('/');
  // The first endpoint is the one a request goes to first, so its prices are the ones a caller pays.
  const prices = model.endpoints[0]?.prices;
  const usd = (nanodollars: number | undefined) => nanoPerTokenToUsdString(nanodollars ?? 0);
  return {
    id: model.id,
    aliases: model.aliases,
    available,
    object: 'model',
    owned_by: slash > 0 ? model.id.slice(0, slash) : 'gateway',
    name: model.name,
    created: model.created,
    description: model.description ?? '',
    context_length: model.contextLength,
    architecture: {
      modality: `${model.inputModalities.join('+')}->${model.outputModalities.join('+')}`,
      input_modalities: model.inputModalities,
      output_modalities: model.outputModalities,
    },
    pricing: {
      prompt: usd(prices?.prompt),
      completion: usd(prices?.completion),
      request: '0',
      image: '0',
      // A missing cache price is billed as a regular prompt token (shared/src/money.ts), so that is what we publish.
      input_cache_read: usd(prices?.cacheRead ?? prices?.prompt),
      input_cache_write: usd(prices?.cacheWrite ?? prices?.prompt),
    },
    supported_parameters: model.supportedParameters,
    top_provider: { context_length: model.contextLength, max_completion_tokens: model.maxOutputTokens, is_moderated: false },
  };
}
