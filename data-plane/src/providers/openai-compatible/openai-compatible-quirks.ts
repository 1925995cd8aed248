// OpenAI-compatible upstreams that differ from OpenAI in a few places, keyed by provider slug (the
// catalog's `xai` and `minimax`), so no snapshot field is needed. Each entry replaces only the adapter
// pieces that differ; every other provider keeps the plain adapter and its byte-copy streaming.
//   xai      flat `{code, error}` bodies and HTTP 400 for a refused key (xai-error.ts);
//            `reasoning_content` is relayed as sent
//   minimax  `base_resp` failures on HTTP 200, `<think>` content → `reasoning`, max_tokens →
//            max_completion_tokens (convert-minimax-response.ts, minimax-stream-translator.ts, …)
import type { ProviderAdapter } from '../provider-adapter.ts';
import { convertMiniMaxResponse } from './convert-minimax-response.ts';
import { convertToMiniMaxRequest } from './convert-to-minimax-request.ts';
import { minimaxError } from './minimax-error.ts';
import { MiniMaxStreamTranslator } from './minimax-stream-translator.ts';
import { openAICompatibleAdapter } from './openai-compatible-adapter.ts';
import { xaiError } from './xai-error.ts';

type Quirks = Partial<Pick<ProviderAdapter, 'convertRequest' | 'convertResponse' | 'createStreamTranslator' | 'convertError'>>;

const quirksBySlug: Readonly<Record<string, Quirks>> = {
  xai: { convertError: xaiError },
  minimax: {
    convertRequest: convertToMiniMaxRequest,
    convertResponse: convertMiniMaxResponse,
    createStreamTranslator: (context) => new MiniMaxStreamTranslator(context),
    convertError: minimaxError,
  },
};

const adaptersBySlug = new Map(Object.entries(quirksBySlug).map(([slug, quirks]) => [slug, { ...openAICompatibleAdapter, ...quirks }]));

/** The OpenAI-compatible adapter for a provider, with its quirks when it has any. */
export function openAICompatibleAdapterFor(providerSlug: string): ProviderAdapter {
  return adaptersBySlug.get(providerSlug) ?? openAICompatibleAdapter;
}
