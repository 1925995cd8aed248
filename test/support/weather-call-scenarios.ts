// Simulator scenarios for tool-calling tests: the upstream calls get_weather({city:'Paris'}) until the
// request carries the tool's result, then answers as usual (an echo).
import type { AnthropicSimulator } from '../../simulators/anthropic/anthropic-simulator.ts';
import type { GeminiSimulator } from '../../simulators/gemini/gemini-simulator.ts';

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
