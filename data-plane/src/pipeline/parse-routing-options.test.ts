import { describe, expect, it } from 'vitest';
import type { SnapshotModel } from '../../../shared/src/snapshot.ts';
import type { SnapshotView } from '../snapshot/snapshot-view.ts';
import { defaultProviderPreferences, parseRoutingOptions, withModelVariant } from './parse-routing-options.ts';

describe('parseRoutingOptions', () => {
  it('reads provider preferences and the models list, and strips both from the body', () => {
    const body: Record<string, unknown> = {
      model: 'a/b',
      messages: [],
      provider: { order: ['x'], only: ['x', 'y'], ignore: ['z'], allow_fallbacks: false, sort: 'price' },
      models: ['c/d'],
      temperature: 0,
    };
    expect(parseRoutingOptions(body)).toEqual({
      provider: {
        order: ['x'],
        only: ['x', 'y'],
        ignore: ['z'],
        allowFallbacks: false,
        sort: { by: 'price', partition: 'model' },
        maxPrice: null,
        requiredParameters: null,
      },
      fallbackModels: ['c/d'],
    });
    expect(body).toEqual({ model: 'a/b', messages: [], temperature: 0 });
  });

  it('defaults to the catalog order with fallbacks when nothing is given', () => {
    expect(parseRoutingOptions({ provider: null })).toEqual({
      provider: { order: null, only: null, ignore: [], allowFallbacks: true, sort: null, maxPrice: null, requiredParameters: null },
      fallbackModels: [],
    });
  });

  it.each([
    [{ provider: 'openai' }, 'provider'],
    [{ provider: { order: 'openai' } }, 'provider.order'],
    [{ provider: { only: [1] } }, 'provider.only'],
    [{ provider: { ignore: {} } }, 'provider.ignore'],
    [{ provider: { allow_fallbacks: 'no' } }, 'provider.allow_fallbacks'],
    [{ models: 'a/b' }, 'models'],
    [{ provider: { sort: 'fastest' } }, 'provider.sort'],
    [{ provider: { sort: { by: 'latency', partition: 'provider' } } }, 'provider.sort'],
    [{ provider: { sort: ['price'] } }, 'provider.sort'],
    [{ provider: { max_price: 1 } }, 'provider.max_price'],
    [{ provider: { max_price: { prompt: -1 } } }, 'provider.max_price.prompt'],
    [{ provider: { max_price: { completion: '1e-3' } } }, 'provider.max_price.completion'],
    [{ provider: { require_parameters: 'yes' } }, 'provider.require_parameters'],
  ])('refuses %j (param %s)', (body, param) => {
    expect(() => parseRoutingOptions(body)).toThrow(expect.objectContaining({ code: 'invalid_request', param }));
  });

  it('reads max_price in USD per million tokens as whole nanodollars per token, rounded down', () => {
    const maxPrice = (value: unknown) => parseRoutingOptions({ provider: { max_price: value } }).provider.maxPrice;
    expect(maxPrice({ prompt: 1, completion: '2.5' })).toEqual({ prompt: 1000, completion: 2500 });
    expect(maxPrice({ prompt: 0.57, completion: '0.0009' })).toEqual({ prompt: 570, completion: 0 });
    // No endpoint charges per request: a cap on that is met, never a reason to skip one.
    expect(maxPrice({ completion: 3, request: 0 })).toEqual({ prompt: null, completion: 3000 });
    expect(maxPrice(null)).toBeNull();
  });

  it('lists the parameters the request sets when require_parameters is true, each under its OpenRouter name', () => {
    const required = (body: Record<string, unknown>) => parseRoutingOptions({ ...body, provider: { require_parameters: true } }).provider.requiredParameters;
    expect(
      required({ model: 'a/b', messages: [], max_completion_tokens: 9, temperature: 0, tools: [], reasoning_effort: 'low', seed: null, stream: true }),
    ).toEqual(['max_tokens', 'reasoning', 'temperature', 'tools']);
    expect(required({ messages: [] })).toEqual([]);
    expect(parseRoutingOptions({ temperature: 0, provider: { require_parameters: false } }).provider.requiredParameters).toBeNull();
  });

  it.each([
    [{ data_collection: 'deny' }, 'provider.data_collection'],
    [{ zdr: true }, 'provider.zdr'],
    [{ quantizations: ['fp8'] }, 'provider.quantizations'],
    [{ enforce_distillable_text: true }, 'provider.enforce_distillable_text'],
    [{ max_price: { image: 0.01 } }, 'provider.max_price.image'],
  ])('refuses a filter on what the catalog does not record: %j', (provider, param) => {
    expect(() => parseRoutingOptions({ provider })).toThrow(
      expect.objectContaining({ code: 'invalid_request', param, message: expect.stringMatching(/cannot be honoured/) }),
    );
  });

  it('accepts the defaults of those filters, which ask for nothing', () => {
    const provider = { data_collection: 'allow', zdr: false, quantizations: [], enforce_distillable_text: false, preferred_max_latency: 2 };
    expect(parseRoutingOptions({ provider }).provider).toEqual(defaultProviderPreferences());
  });

  it('reads sort as a string or {by, partition}', () => {
    expect(parseRoutingOptions({ provider: { sort: 'throughput' } }).provider.sort).toEqual({ by: 'throughput', partition: 'model' });
    expect(parseRoutingOptions({ provider: { sort: { by: 'latency', partition: 'none' } } }).provider.sort).toEqual({ by: 'latency', partition: 'none' });
  });
});

describe('withModelVariant', () => {
  const snapshot = {
    modelsById: new Map([
      ['a/b', {} as SnapshotModel],
      ['odd/model:floor', {} as SnapshotModel],
    ]),
  } as unknown as SnapshotView;

  it.each([
    ['a/b:nitro', 'a/b', 'throughput'],
    ['a/b:floor', 'a/b', 'price'],
    ['a/b', 'a/b', null],
    // A catalog id that happens to end in a suffix is that model, not a variant.
    ['odd/model:floor', 'odd/model:floor', null],
  ])('%s names %s, sorted by %s', (requested, modelId, by) => {
    const routing = parseRoutingOptions({});
    expect(withModelVariant(snapshot, requested, routing)).toBe(modelId);
    expect(routing.provider.sort).toEqual(by === null ? null : { by, partition: 'model' });
  });

  it('leaves an explicit provider.sort as it is', () => {
    const routing = parseRoutingOptions({ provider: { sort: 'latency' } });
    expect(withModelVariant(snapshot, 'a/b:nitro', routing)).toBe('a/b');
    expect(routing.provider.sort).toEqual({ by: 'latency', partition: 'model' });
  });
});
