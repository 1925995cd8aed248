// A Mistral message (non-streamed) or delta (streamed) → one OpenAI clients read: content chunks of
// reasoning models become `content` + `reasoning` strings, and every tool call gets `type: "function"`
// and a `function` object (the AI SDK requires it).
import type { MistralMessageWire } from './mistral-wire.ts';
import { readMistralContent } from './read-mistral-content.ts';

export function convertMistralMessage(message: MistralMessageWire): MistralMessageWire {
  const converted: MistralMessageWire = { ...message };
  if (message.content !== undefined) {
    const { content, reasoning } = readMistralContent(message.content);
    converted.content = content;
    if (reasoning !== null) converted.reasoning = reasoning;
  }
  if (Array.isArray(message.tool_calls)) {
    converted.tool_calls = message.tool_calls.map((call) => ({ ...call, type: 'function', function: call?.function ?? {} }));
  }
  return converted;
}
