import { REQUESTED_MODEL } from '../../testing/translate-stream.ts';
import { describe, expect, it } from 'vitest';
import { adapterForProvider } from '../provider-adapters.ts';
import { convertOpenAICompatibleResponse } from './convert-openai-compatible-response.ts';
import { minimaxError } from './minimax-error.ts';
import { openAICompatibleAdapter } from './openai-compatible-adapter.ts';
import { OpenAICompatibleStreamTranslator } from './openai-compatible-stream-translator.ts';
import { xaiError } from './xai-error.ts';

describe('adapterForProvider', () => {
  it('gives xai and minimax their quirks and every other OpenAI-compatible provider the byte-copy adapter', () => {
    expect(adapterForProvider({ kind: 'openai-compatible', slug: 'openai' })).toBe(openAICompatibleAdapter);
    const xai = adapterForProvider({ kind: 'openai-compatible', slug: 'xai' });
    expect(xai.convertError).toBe(xaiError);
    expect(xai.convertResponse).toBe(convertOpenAICompatibleResponse);
    expect(xai.createStreamTranslator({ created: 0, clientWantsUsage: false, model: REQUESTED_MODEL })).toBeInstanceOf(OpenAICompatibleStreamTranslator);
    const minimax = adapterForProvider({ kind: 'openai-compatible', slug: 'minimax' });
    expect(minimax.convertError).toBe(minimaxError);
    expect(minimax.kind).toBe('openai-compatible');
    // The slug only matters for OpenAI-compatible providers.
    expect(adapterForProvider({ kind: 'mistral', slug: 'xai' }).kind).toBe('mistral');
  });
});
