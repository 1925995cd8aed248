// A Gemini function call → an OpenAI tool call. The thought signature travels in
// `extra_content.google.thought_signature`, where Google's own OpenAI-compatible endpoint puts it, so a
// client that sends the assistant message back unchanged keeps thinking models' multi-turn tool use working.
import type { GeminiToolCall } from './read-gemini-parts.ts';

export function toOpenAIToolCall(call: GeminiToolCall) {
  return {
    id: call.id,
    type: 'function' as const,
    function: { name: call.name, arguments: call.arguments },
    ...(call.thoughtSignature !== null ? { extra_content: { google: { thought_signature: call.thoughtSignature } } } : {}),
  };
}
