// OpenRouter's routing extras on a chat, FIM or embeddings body (wire-formats.md §2.10): `provider` preferences and a
// `models` fallback list. They steer the gateway, not the upstream, so they are removed from the body
// the adapters forward. `provider.sort` is a string or `{by, partition}`; the model suffixes `:nitro`
// (throughput) and `:floor` (price) set it too (withModelVariant). Other `provider` fields OpenRouter
// knows (max_price, quantizations, …) are ignored.
import { GatewayError } from '../../../shared/src/errors.ts';
import type { SnapshotView } from '../snapshot/snapshot-view.ts';
import type { SortBy } from './rank-endpoints.ts';

export interface ProviderSort {
  by: SortBy;
  /** 'model' (default): each model's endpoints sorted, models in request order; 'none': all endpoints of every model sorted together. */
  partition: 'model' | 'none';
}

export interface ProviderPreferences {
  /** Provider slugs to try first, in this order; the other providers follow unless fallbacks are off. */
  order: string[] | null;
  /** Only these provider slugs may serve the request. */
  only: string[] | null;
  /** These provider slugs may not. */
  ignore: string[];
  /** False: only the `order` providers (without an order: only the first eligible endpoint). */
  allowFallbacks: boolean;
  /** Rank the endpoints by price, throughput or latency instead of the catalog's priorities and weights. */
  sort: ProviderSort | null;
}

export interface RoutingOptions {
  provider: ProviderPreferences;
  /** Further model ids to try, in order, once every endpoint of the requested model failed. */
  fallbackModels: string[];
}

export function parseRoutingOptions(body: Record<string, unknown>): RoutingOptions {
  const { provider, models } = body;
  delete body.provider;
  delete body.models;
  return { provider: parseProviderPreferences(provider), fallbackModels: stringList(models, 'models') ?? [] };
}

function parseProviderPreferences(value: unknown): ProviderPreferences {
  if (value === undefined || value === null) return { order: null, only: null, ignore: [], allowFallbacks: true, sort: null };
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new GatewayError('invalid_request', "'provider' must be an object.", { param: 'provider' });
  }
  const record = value as Record<string, unknown>;
  const allowFallbacks = record.allow_fallbacks;
  if (allowFallbacks !== undefined && allowFallbacks !== null && typeof allowFallbacks !== 'boolean') {
    throw new GatewayError('invalid_request', "'provider.allow_fallbacks' must be a boolean.", { param: 'provider.allow_fallbacks' });
  }
  return {
    order: stringList(record.order, 'provider.order'),
    only: stringList(record.only, 'provider.only'),
    ignore: stringList(record.ignore, 'provider.ignore') ?? [],
    allowFallbacks: allowFallbacks !== false,
    sort: parseSort(record.sort),
  };
}

const SORT_BY: readonly string[] = ['price', 'throughput', 'latency'] satisfies SortBy[];
const SORT_MESSAGE = "'provider.sort' must be 'price', 'throughput' or 'latency', or an object {by, partition: 'model' | 'none'}.";

function parseSort(value: unknown): ProviderSort | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' && SORT_BY.includes(value)) return { by: value as SortBy, partition: 'model' };
  if (typeof value !== 'object' || Array.isArray(value)) throw new GatewayError('invalid_request', SORT_MESSAGE, { param: 'provider.sort' });
  const { by, partition } = value as Record<string, unknown>;
  const partitionOk = partition === undefined || partition === null || partition === 'model' || partition === 'none';
  if (typeof by !== 'string' || !SORT_BY.includes(by) || !partitionOk) throw new GatewayError('invalid_request', SORT_MESSAGE, { param: 'provider.sort' });
  return { by: by as SortBy, partition: partition === 'none' ? 'none' : 'model' };
}

/** OpenRouter's model variants that only steer routing: `:nitro` sorts by throughput, `:floor` by price. */
const VARIANT_SORTS: ReadonlyArray<[suffix: string, sort: SortBy]> = [
  [':nitro', 'throughput'],
  [':floor', 'price'],
];

/**
 * The catalog model id a requested one names: `x:nitro` / `x:floor` name `x` and set the request's sort
 * (an explicit `provider.sort` wins), unless the catalog itself has a model or alias of that full id.
 */
export function withModelVariant(snapshot: SnapshotView, requested: string, routing: RoutingOptions): string {
  if (snapshot.modelsById.has(requested)) return requested;
  for (const [suffix, by] of VARIANT_SORTS) {
    if (!requested.endsWith(suffix)) continue;
    routing.provider.sort ??= { by, partition: 'model' };
    return requested.slice(0, -suffix.length);
  }
  return requested;
}

function stringList(value: unknown, param: string): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new GatewayError('invalid_request', `'${param}' must be an array of strings.`, { param });
  }
  return value;
}
