// The OpenAI chat.completion a translating adapter builds from its provider's answer (wire-formats.md
// §2.1): one shape for the envelope and the assistant message, so every provider answers alike.
import type { UnifiedUsage } from './provider-adapter.ts';
import { toOpenAIUsage } from './to-openai-usage.ts';

interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** The assistant message: `content` is null when the answer is only tool calls, as OpenAI sends it. */
export function assistantMessage(text: string, reasoning: string, toolCalls: ToolCall[]) {
  return {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
    refusal: null,
    ...(reasoning !== '' ? { reasoning } : {}),
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
  };
}

export function chatCompletion(id: string, created: number, model: string | null, choices: unknown[], usage: UnifiedUsage | null) {
  return { id, object: 'chat.completion', created, model, choices, ...(usage !== null ? { usage: toOpenAIUsage(usage) } : {}) };
}
