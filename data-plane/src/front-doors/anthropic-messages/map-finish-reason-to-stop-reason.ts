// OpenAI `finish_reason` → Anthropic `stop_reason`; the inverse of providers/anthropic/map-anthropic-stop-reason.ts.
// A stop sequence arrives as a plain `stop` (OpenAI does not say which ended the turn), so it is `end_turn`.
export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'tool_use' | 'refusal';

export function mapFinishReasonToStopReason(finishReason: unknown): AnthropicStopReason {
  switch (finishReason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}
