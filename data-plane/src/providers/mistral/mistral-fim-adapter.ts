// Codestral fill-in-the-middle (`POST {baseUrl}/fim/completions`), the FIM operation of the Mistral
// adapter (mistral-adapter.ts). The client speaks Mistral's FIM format already, so the answer is relayed
// in Mistral's shape: a non-streamed body byte for byte, a stream event by event (its usage rides on the
// last chunk), both only read for metering.
import { convertOpenAICompatibleResponse } from '../openai-compatible/convert-openai-compatible-response.ts';
import { OpenAICompatibleStreamTranslator } from '../openai-compatible/openai-compatible-stream-translator.ts';
import type { FimOperation } from '../provider-adapter.ts';
import { convertToMistralFimRequest } from './convert-to-mistral-fim-request.ts';
import { mistralError } from './mistral-error.ts';

export const mistralFimAdapter: FimOperation = {
  url: (baseUrl) => `${baseUrl.replace(/\/+$/, '')}/fim/completions`,
  convertRequest: convertToMistralFimRequest,
  convertResponse: convertOpenAICompatibleResponse,
  // Every event is the client's own format, usage included: nothing is held back but `[DONE]`.
  createStreamTranslator: (context) => new OpenAICompatibleStreamTranslator({ ...context, clientWantsUsage: true }),
  convertError: mistralError,
};
