// A Mistral message (non-streamed) or delta (streamed) → one OpenAI clients read: content chunks of
// reasoning models become `content` + `reasoning` strings, and every tool call gets `type: "function"`
// and a `function` object (the AI SDK requires it). Also counts the generated text bytes for the
// estimate used when usage is missing.
import type { MistralMessageWire } from './mistral-wire.ts';
import { readMistralContent } from './read-mistral-content.ts';

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
