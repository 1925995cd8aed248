import { describe, expect, it } from 'vitest';
import { parseRoutingOptions } from './parse-routing-options.ts';

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
      provider: { order: ['x'], only: ['x', 'y'], ignore: ['z'], allowFallbacks: false },
      fallbackModels: ['c/d'],
    });
    expect(body).toEqual({ model: 'a/b', messages: [], temperature: 0 });
  });

  it('defaults to the catalog order with fallbacks when nothing is given', () => {
    expect(parseRoutingOptions({ provider: null })).toEqual({
      provider: { order: null, only: null, ignore: [], allowFallbacks: true },
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
  ])('refuses %j (param %s)', (body, param) => {
    expect(() => parseRoutingOptions(body)).toThrow(expect.objectContaining({ code: 'invalid_request', param }));
  });
});
