// A non-streamed Mistral chat body → the OpenAI chat.completion. It is OpenAI-shaped already; what
// changes: finish_reason (map-mistral-finish-reason.ts; `error` makes the whole answer a 502), content
// chunks of reasoning models → `content` + `reasoning` strings, and `type: "function"` on every tool
// call. Usage is OpenAI-shaped and read as such.
import { GatewayError } from '../../../../shared/src/errors.ts';
import { convertOpenAICompatibleUsage } from '../openai-compatible/convert-openai-compatible-usage.ts';
import type { ConvertedResponse } from '../provider-adapter.ts';
import { parseUpstreamJson } from '../read-upstream-json.ts';
import { convertMistralMessage } from './convert-mistral-message.ts';
import { mapMistralFinishReason } from './map-mistral-finish-reason.ts';
import type { MistralChoiceWire, MistralResponseWire } from './mistral-wire.ts';

export function convertMistralResponse(body: Buffer): ConvertedResponse | GatewayError {
  const parsed = parseUpstreamJson(body) as MistralResponseWire | null;
  if (parsed === null || typeof parsed !== 'object' || !Array.isArray(parsed.choices)) {
    return new GatewayError('upstream_error', 'The upstream provider sent an unreadable response.');
  }
  let finishReason: string | null = null;
  const choices = [];
  for (const choice of parsed.choices as Array<MistralChoiceWire | null>) {
    const mapped = mapMistralFinishReason(choice?.finish_reason);
    if (mapped === 'error') return new GatewayError('upstream_error', 'The upstream provider stopped generating with an error.');
    finishReason ??= mapped;
    choices.push({ ...choice, message: convertMistralMessage(choice?.message ?? {}), finish_reason: mapped });
  }
  return {
    body: JSON.stringify({ ...parsed, choices }),
    usage: convertOpenAICompatibleUsage(parsed.usage),
    finishReason,
    servedModel: typeof parsed.model === 'string' ? parsed.model : null,
  };
}
