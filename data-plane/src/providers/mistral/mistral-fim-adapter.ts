// Wiring only: Codestral fill-in-the-middle (`POST {baseUrl}/fim/completions`). The client speaks
// Mistral's FIM format already, so the answer is relayed in Mistral's shape: a non-streamed body byte
// for byte, a stream event by event (its usage rides on the last chunk), both only read for metering.
// Only Mistral offers FIM, so this is no general spec yet, just the pieces the FIM handler calls.
import { convertOpenAICompatibleResponse } from '../openai-compatible/convert-openai-compatible-response.ts';
import { OpenAICompatibleStreamTranslator } from '../openai-compatible/openai-compatible-stream-translator.ts';
import type { StreamTranslator, TranslationContext } from '../provider-adapter.ts';
import { convertToMistralFimRequest } from './convert-to-mistral-fim-request.ts';
import { mistralError } from './mistral-error.ts';

export const mistralFimAdapter = {
  fimUrl: (baseUrl: string) => `${baseUrl.replace(/\/+$/, '')}/fim/completions`,
  convertRequest: convertToMistralFimRequest,
  convertResponse: convertOpenAICompatibleResponse,
  // Every event is the client's own format, usage included: nothing is held back but `[DONE]`.
  createStreamTranslator: (context: TranslationContext): StreamTranslator => new OpenAICompatibleStreamTranslator({ ...context, clientWantsUsage: true }),
  convertError: mistralError,
};
