// A non-streamed Anthropic message → an OpenAI chat.completion: text blocks join into `content`,
// tool_use blocks become `tool_calls` (arguments as a JSON string), thinking goes to `reasoning` (the
// field OpenRouter and the AI SDK read). A body that is not a message is an upstream error (502).
import { GatewayError } from '../../../../shared/src/errors.ts';
import type { ConvertedResponse, TranslationContext } from '../provider-adapter.ts';
import { toOpenAIUsage } from '../to-openai-usage.ts';
import type { AnthropicMessageWire, AnthropicResponseBlockWire } from './anthropic-wire.ts';
import { convertAnthropicUsage } from './convert-anthropic-usage.ts';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.ts';
import { decodeText } from '../../http/decode-text.ts';

export function convertAnthropicResponse(body: Buffer, context: TranslationContext): ConvertedResponse | GatewayError {
  let message: AnthropicMessageWire | null;
  try {
    message = JSON.parse(decodeText(body)) as AnthropicMessageWire | null;
  } catch {
    message = null;
  }
  if (message === null || typeof message !== 'object' || !Array.isArray(message.content)) {
    return new GatewayError('upstream_error', 'The upstream provider sent a response that is not a message.');
  }
  let text = '';
  let reasoning = '';
  const toolCalls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> = [];
  for (const block of message.content as Array<AnthropicResponseBlockWire | null>) {
    if (block?.type === 'text' && typeof block.text === 'string') text += block.text;
    else if (block?.type === 'thinking' && typeof block.thinking === 'string') reasoning += block.thinking;
    else if (block?.type === 'tool_use' && typeof block.id === 'string' && typeof block.name === 'string') {
      toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    }
  }
  const usage = convertAnthropicUsage(message.usage);
  const finishReason = mapAnthropicStopReason(message.stop_reason);
  const servedModel = typeof message.model === 'string' ? message.model : null;
  const completion = {
    id: typeof message.id === 'string' ? message.id : 'msg_unknown',
    object: 'chat.completion',
    created: context.created,
    model: servedModel,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text === '' && toolCalls.length > 0 ? null : text,
          refusal: null,
          ...(reasoning !== '' ? { reasoning } : {}),
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: finishReason,
        logprobs: null,
      },
    ],
    ...(usage !== null ? { usage: toOpenAIUsage(usage) } : {}),
  };
  return { body: JSON.stringify(completion), usage, finishReason, servedModel };
}
