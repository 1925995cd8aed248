import { describe, expect, it } from 'vitest';
import type { SnapshotModel } from '../../../shared/src/snapshot.ts';
import type { SnapshotView } from '../snapshot/snapshot-view.ts';
import { parseRoutingOptions, withModelVariant } from './parse-routing-options.ts';

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
      provider: { order: ['x'], only: ['x', 'y'], ignore: ['z'], allowFallbacks: false, sort: { by: 'price', partition: 'model' } },
      fallbackModels: ['c/d'],
    });
    expect(body).toEqual({ model: 'a/b', messages: [], temperature: 0 });
  });

  it('defaults to the catalog order with fallbacks when nothing is given', () => {
    expect(parseRoutingOptions({ provider: null })).toEqual({
      provider: { order: null, only: null, ignore: [], allowFallbacks: true, sort: null },
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
  ])('refuses %j (param %s)', (body, param) => {
    expect(() => parseRoutingOptions(body)).toThrow(expect.objectContaining({ code: 'invalid_request', param }));
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
