// OpenRouter's routing extras on a chat, FIM or embeddings body (wire-formats.md §2.10): `provider`
// preferences and a `models` fallback list. They steer the gateway, not the upstream, so they are removed
// from the body the adapters forward. `provider.sort` is a string or `{by, partition}`; the model suffixes
// `:nitro` (throughput) and `:floor` (price) set it too (withModelVariant). `max_price` (USD per million
// tokens) and `require_parameters` narrow the endpoints (choose-endpoints.ts). The filters that need facts
// the catalog does not record (`data_collection: "deny"`, `zdr`, `quantizations`,
// `enforce_distillable_text`) are refused rather than ignored, so no request believes it got a guarantee
// it did not; OpenRouter's soft preferences (`preferred_min_throughput`, `preferred_max_latency`) are ignored.
import { GatewayError } from '../../../shared/src/errors.ts';
import { usdPerMillionToNanoPerToken, type NanodollarsPerToken } from '../../../shared/src/money.ts';
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
  /** `max_price`: endpoints whose listed prompt or completion price is above are skipped; null = no cap. */
  maxPrice: MaxPrice | null;
  /** `require_parameters`: the request's parameters, each of which a model must list in its supported_parameters; null = not asked. */
  requiredParameters: string[] | null;
}

/** The highest prices a request accepts, in the catalog's unit; null = no cap on that one. */
export interface MaxPrice {
  prompt: NanodollarsPerToken | null;
  completion: NanodollarsPerToken | null;
}

export interface RoutingOptions {
  provider: ProviderPreferences;
  /** Further model ids to try, in order, once every endpoint of the requested model failed. */
  fallbackModels: string[];
}

export function parseRoutingOptions(body: Record<string, unknown>): RoutingOptions {
  const { provider, models } = body;
  // Deleted only when present (JSON has no undefined): a delete that finds nothing still costs a call.
  if (provider !== undefined) delete body.provider;
  if (models !== undefined) delete body.models;
  return { provider: parseProviderPreferences(provider, body), fallbackModels: stringList(models, 'models') ?? [] };
}

/** No preferences: the catalog's order, with fallbacks. A new object each time (withModelVariant may set its sort). */
export function defaultProviderPreferences(): ProviderPreferences {
  return { order: null, only: null, ignore: [], allowFallbacks: true, sort: null, maxPrice: null, requiredParameters: null };
}

/** `body`: the request without its routing extras, whose parameters `require_parameters` asks for. */
function parseProviderPreferences(value: unknown, body: Record<string, unknown>): ProviderPreferences {
  if (value === undefined || value === null) return defaultProviderPreferences();
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new GatewayError('invalid_request', "'provider' must be an object.", { param: 'provider' });
  }
  const record = value as Record<string, unknown>;
  refuseUnrecordedFilters(record);
  return {
    order: stringList(record.order, 'provider.order'),
    only: stringList(record.only, 'provider.only'),
    ignore: stringList(record.ignore, 'provider.ignore') ?? [],
    allowFallbacks: flag(record.allow_fallbacks, 'provider.allow_fallbacks') !== false,
    sort: parseSort(record.sort),
    maxPrice: parseMaxPrice(record.max_price),
    requiredParameters: flag(record.require_parameters, 'provider.require_parameters') === true ? requestParameters(body) : null,
  };
}

function flag(value: unknown, param: string): boolean | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'boolean') throw new GatewayError('invalid_request', `'${param}' must be a boolean.`, { param });
  return value;
}

/** OpenRouter's filters on facts the catalog does not record: what asks for one, and the fact missing. */
const UNRECORDED_FILTERS: ReadonlyArray<[field: string, asks: (value: unknown) => boolean, fact: string]> = [
  ['data_collection', (value) => value === 'deny', 'whether each provider stores or trains on requests'],
  ['zdr', (value) => value === true, 'which endpoints retain no data'],
  ['quantizations', (value) => Array.isArray(value) && value.length > 0, "endpoints' quantizations"],
  ['enforce_distillable_text', (value) => value === true, "which models' outputs may be used for distillation"],
];

function refuseUnrecordedFilters(record: Record<string, unknown>): void {
  for (const [field, asks, fact] of UNRECORDED_FILTERS) {
    if (!asks(record[field])) continue;
    throw new GatewayError(
      'invalid_request',
      `'provider.${field}' cannot be honoured: this gateway's catalog does not record ${fact}, so it cannot choose endpoints by it. Leave it out, or name the providers you trust with 'provider.only'.`,
      { param: `provider.${field}` },
    );
  }
}

const MAX_PRICE_MESSAGE = "'provider.max_price' must be an object {prompt, completion} of USD per million tokens (numbers or decimal strings).";

/** `{prompt, completion}` in USD per million tokens → whole nanodollars per token, rounded down (prices are whole n$). */
function parseMaxPrice(value: unknown): MaxPrice | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new GatewayError('invalid_request', MAX_PRICE_MESSAGE, { param: 'provider.max_price' });
  const { prompt, completion, request, ...others } = value as Record<string, unknown>;
  const other = Object.keys(others)[0];
  if (other !== undefined) {
    // image and audio are billed as the prompt tokens the provider counts, never per unit: no price to compare.
    throw new GatewayError('invalid_request', `'provider.max_price.${other}' cannot be honoured: this gateway prices only prompt and completion tokens.`, {
      param: `provider.max_price.${other}`,
    });
  }
  // No endpoint charges per request: any cap on that is met.
  if (request !== undefined && request !== null) usdPerMillion(request, 'request');
  return { prompt: usdPerMillion(prompt, 'prompt'), completion: usdPerMillion(completion, 'completion') };
}

function usdPerMillion(value: unknown, field: string): NanodollarsPerToken | null {
  if (value === undefined || value === null) return null;
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const decimal = /^(\d+)(?:\.(\d{0,3})\d*)?$/.exec(text);
  if (decimal === null) throw new GatewayError('invalid_request', MAX_PRICE_MESSAGE, { param: `provider.max_price.${field}` });
  // Below a whole n$ per token the digits cannot change which endpoints pass: they are dropped.
  return usdPerMillionToNanoPerToken(`${decimal[1]}.${(decimal[2] ?? '').padEnd(1, '0')}`);
}

/** OpenRouter's request parameters (the vocabulary of supported_parameters), each under the fields that set it. */
const PARAMETER_FIELDS: ReadonlyArray<[parameter: string, fields: readonly string[]]> = [
  ['max_tokens', ['max_tokens', 'max_completion_tokens']],
  ['reasoning', ['reasoning', 'reasoning_effort']],
  ...[
    'temperature',
    'top_p',
    'top_k',
    'frequency_penalty',
    'presence_penalty',
    'repetition_penalty',
    'min_p',
    'top_a',
    'seed',
    'logit_bias',
    'logprobs',
    'top_logprobs',
    'response_format',
    'structured_outputs',
    'stop',
    'tools',
    'tool_choice',
    'parallel_tool_calls',
    'include_reasoning',
    'web_search_options',
    'verbosity',
  ].map((parameter): [string, string[]] => [parameter, [parameter]]),
];

/** The parameters the request sets (a field present and not null). */
function requestParameters(body: Record<string, unknown>): string[] {
  return PARAMETER_FIELDS.filter(([, fields]) => fields.some((field) => body[field] !== undefined && body[field] !== null)).map(([parameter]) => parameter);
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
