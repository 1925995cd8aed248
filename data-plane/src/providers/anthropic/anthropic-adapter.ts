// Wiring only: the native Anthropic Messages adapter.
import type { ProviderAdapter } from '../provider-adapter.ts';
import { anthropicError } from './anthropic-error.ts';
import { AnthropicStreamTranslator } from './anthropic-stream-translator.ts';
import { convertAnthropicResponse } from './convert-anthropic-response.ts';
import { convertToAnthropicRequest } from './convert-to-anthropic-request.ts';

export const anthropicAdapter: ProviderAdapter = {
  kind: 'anthropic',
  chatUrl: (baseUrl) => `${baseUrl.replace(/\/+$/, '')}/messages`,
  convertRequest: convertToAnthropicRequest,
  convertResponse: convertAnthropicResponse,
  createStreamTranslator: (context) => new AnthropicStreamTranslator(context),
  convertError: anthropicError,
};
