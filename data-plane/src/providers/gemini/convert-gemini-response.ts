// A non-streamed Gemini response → an OpenAI chat.completion: each candidate becomes a choice (several
// when the client asked for `n`), its text joined into `content`, thought summaries into `reasoning`
// (the field OpenRouter and the AI SDK read) and function calls into `tool_calls`. A prompt blocked
// before any candidate (`promptFeedback.blockReason`) is an empty `content_filter` answer, as OpenAI
// gives. A body that is not a response is an upstream error (502).
import { GatewayError } from '../../../../shared/src/errors.ts';
import { assistantMessage, chatCompletion } from '../chat-completion.ts';
import type { ConvertedResponse, TranslationContext } from '../provider-adapter.ts';
import { parseUpstreamJson } from '../read-upstream-json.ts';
import { convertGeminiUsage } from './convert-gemini-usage.ts';
import type { GeminiCandidateWire, GeminiResponseWire } from './gemini-wire.ts';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.ts';
import { readGeminiParts } from './read-gemini-parts.ts';
import { toOpenAIToolCall } from './to-openai-tool-call.ts';

export function convertGeminiResponse(body: Buffer, context: TranslationContext): ConvertedResponse | GatewayError {
  const response = parseUpstreamJson(body) as GeminiResponseWire | null;
  const blocked = response?.promptFeedback?.blockReason !== undefined;
  if (response === null || typeof response !== 'object' || (!Array.isArray(response.candidates) && !blocked)) {
    return new GatewayError('upstream_error', 'The upstream provider sent a response that is not a generateContent response.');
  }
  const candidates = (Array.isArray(response.candidates) ? response.candidates : []) as Array<GeminiCandidateWire | null>;
  const choices = candidates.map((candidate, position) => {
    const { text, reasoning, toolCalls } = readGeminiParts(candidate?.content?.parts);
    return {
      index: typeof candidate?.index === 'number' ? candidate.index : position,
      message: assistantMessage(text, reasoning, toolCalls.map(toOpenAIToolCall)),
      finish_reason: mapGeminiFinishReason(candidate?.finishReason, toolCalls.length > 0),
      logprobs: null,
    };
  });
  if (choices.length === 0) {
    choices.push({ index: 0, message: { role: 'assistant', content: '', refusal: null }, finish_reason: 'content_filter', logprobs: null });
  }
  const usage = convertGeminiUsage(response.usageMetadata);
  const servedModel = typeof response.modelVersion === 'string' ? response.modelVersion : null;
  const id = typeof response.responseId === 'string' ? response.responseId : 'gemini_unknown';
  const completion = chatCompletion(id, context.created, servedModel, choices, usage);
  return { body: JSON.stringify(completion), usage, finishReason: choices[0]!.finish_reason, servedModel };
}
