// Simulator scenarios for tool-calling tests: the upstream calls get_weather({city:'Paris'}) until the
// request carries the tool's result, then answers as usual (an echo).
import type { AnthropicSimulator } from '../../simulators/anthropic/anthropic-simulator.ts';
import type { GeminiSimulator } from '../../simulators/gemini/gemini-simulator.ts';
import type { MistralSimulator } from '../../simulators/mistral/mistral-simulator.ts';
import type { OpenAISimulator } from '../../simulators/openai/openai-simulator.ts';

export function anthropicCallsWeather(simulator: AnthropicSimulator): void {
  simulator.scenario = (body) => {
    const answered = (body.messages ?? []).some(
      (message) => Array.isArray(message.content) && message.content.some((block: { type?: string }) => block?.type === 'tool_result'),
    );
    return answered ? {} : { toolUse: { name: 'get_weather', input: { city: 'Paris' } } };
  };
}

export function geminiCallsWeather(simulator: GeminiSimulator): void {
  simulator.scenario = (body) => {
    const answered = (body.contents ?? []).some(
      (content) => Array.isArray(content.parts) && content.parts.some((part: { functionResponse?: unknown }) => part?.functionResponse !== undefined),
    );
    return answered ? {} : { functionCall: { name: 'get_weather', args: { city: 'Paris' } } };
  };
}

/** `id`: the call's id (Mistral's are 9 alphanumerics), which a test may find again in the tool message. */
export function mistralCallsWeather(simulator: MistralSimulator, id: string): void {
  simulator.scenario = (body) =>
    (body.messages ?? []).some((message) => message.role === 'tool') ? {} : { toolCall: { id, name: 'get_weather', arguments: '{"city":"Paris"}' } };
}

/**
 * The OpenAI simulator has no tool hook: the call is written out in OpenAI's wire format, streamed or not,
 * after `preamble` as the assistant's text (null: none).
 */
export function openAICallsWeather(simulator: OpenAISimulator, preamble: string | null): void {
  simulator.scenario = (body) => {
    if ((body.messages ?? []).some((message) => message.role === 'tool')) return {};
    const call = { id: 'call_weather_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
    const usage = { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 };
    const frame = (choice: unknown, usage: unknown = null) =>
      `data: ${JSON.stringify({ id: 'chatcmpl-tool', object: 'chat.completion.chunk', created: 1_764_000_000, model: 'echo', choices: choice === null ? [] : [choice], usage })}\n\n`;
    if (body.stream !== true) {
      const completion = {
        id: 'chatcmpl-tool',
        object: 'chat.completion',
        created: 1_764_000_000,
        model: 'echo',
        choices: [{ index: 0, message: { role: 'assistant', content: preamble, tool_calls: [call] }, finish_reason: 'tool_calls' }],
        usage,
      };
      return { rawBody: JSON.stringify(completion) };
    }
    const role = { role: 'assistant', content: preamble };
    const firstCall = { index: 0, id: call.id, type: 'function', function: { name: 'get_weather', arguments: '' } };
    return {
      headers: { 'content-type': 'text/event-stream' },
      rawBody:
        // Without a preamble the role comes with the call's first delta, as OpenAI sends it.
        (preamble === null
          ? frame({ index: 0, delta: { ...role, tool_calls: [firstCall] }, finish_reason: null })
          : frame({ index: 0, delta: role, finish_reason: null }) + frame({ index: 0, delta: { tool_calls: [firstCall] }, finish_reason: null })) +
        frame({ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, finish_reason: null }) +
        frame({ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }, finish_reason: null }) +
        frame({ index: 0, delta: {}, finish_reason: 'tool_calls' }) +
        frame(null, usage) +
        'data: [DONE]\n\n',
    };
  };
}
