// OpenRouter's routing extras on a chat, FIM or embeddings body (wire-formats.md §2.10): `provider` preferences and a
// `models` fallback list. They steer the gateway, not the upstream, so they are removed from the body
// the adapters forward. Other `provider` fields OpenRouter knows (sort, max_price, …) are ignored.
import { GatewayError } from '../../../shared/src/errors.ts';

export interface ProviderPreferences {
  /** Provider slugs to try first, in this order; the other providers follow unless fallbacks are off. */
  order: string[] | null;
  /** Only these provider slugs may serve the request. */
  only: string[] | null;
  /** These provider slugs may not. */
  ignore: string[];
  /** False: only the `order` providers (without an order: only the first eligible endpoint). */
  allowFallbacks: boolean;
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
  if (value === undefined || value === null) return { order: null, only: null, ignore: [], allowFallbacks: true };
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
  };
}

function stringList(value: unknown, param: string): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new GatewayError('invalid_request', `'${param}' must be an array of strings.`, { param });
  }
  return value;
}
