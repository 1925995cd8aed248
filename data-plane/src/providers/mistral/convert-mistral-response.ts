// A non-streamed Mistral chat body → the OpenAI chat.completion. It is OpenAI-shaped already; what
// changes: finish_reason (map-mistral-finish-reason.ts; `error` makes the whole answer a 502), content
// chunks of reasoning models → `content` + `reasoning` strings, and `type: "function"` on every tool
// call. Usage is OpenAI-shaped and read as such.
import { GatewayError } from '../../../../shared/src/errors.ts';
import { convertOpenAICompatibleUsage } from '../openai-compatible/convert-openai-compatible-usage.ts';
import type { ConvertedResponse } from '../provider-adapter.ts';
import { mapMistralFinishReason } from './map-mistral-finish-reason.ts';
import type { MistralChoiceWire, MistralMessageWire, MistralResponseWire } from './mistral-wire.ts';
import { readMistralContent } from './read-mistral-content.ts';

/** A message or delta with OpenAI-readable content and tool calls; counts its generated text bytes. */
export function convertMistralMessage(message: MistralMessageWire): { message: MistralMessageWire; textBytes: number } {
  const converted: MistralMessageWire = { ...message };
  let textBytes = 0;
  if (message.content !== undefined) {
    const { content, reasoning } = readMistralContent(message.content);
    converted.content = content;
    if (reasoning !== null) converted.reasoning = reasoning;
    textBytes += Buffer.byteLength(content ?? '') + Buffer.byteLength(reasoning ?? '');
  }
  if (Array.isArray(message.tool_calls)) {
    converted.tool_calls = message.tool_calls.map((call) => {
      const argumentsText = call?.function?.arguments;
      if (typeof argumentsText === 'string') textBytes += Buffer.byteLength(argumentsText);
      return { ...call, type: 'function', function: call?.function ?? {} };
    });
  }
  return { message: converted, textBytes };
}

export function convertMistralResponse(body: Buffer): ConvertedResponse | GatewayError {
  let parsed: MistralResponseWire | null;
  try {
    parsed = JSON.parse(body.toString('utf8')) as MistralResponseWire | null;
  } catch {
    parsed = null;
  }
  if (parsed === null || typeof parsed !== 'object' || !Array.isArray(parsed.choices)) {
    return new GatewayError('upstream_error', 'The upstream provider sent an unreadable response.');
  }
  let finishReason: string | null = null;
  let completionTextBytes = 0;
  const choices = [];
  for (const choice of parsed.choices as Array<MistralChoiceWire | null>) {
    const mapped = mapMistralFinishReason(choice?.finish_reason);
    if (mapped === 'error') return new GatewayError('upstream_error', 'The upstream provider stopped generating with an error.');
    finishReason ??= mapped;
    const { message, textBytes } = convertMistralMessage(choice?.message ?? {});
    completionTextBytes += textBytes;
    choices.push({ ...choice, message, finish_reason: mapped });
  }
  return {
    body: JSON.stringify({ ...parsed, choices }),
    usage: convertOpenAICompatibleUsage(parsed.usage),
    finishReason,
    servedModel: typeof parsed.model === 'string' ? parsed.model : null,
    completionTextBytes,
  };
}
