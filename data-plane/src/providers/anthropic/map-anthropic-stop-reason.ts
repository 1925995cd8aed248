// Anthropic `stop_reason` → OpenAI `finish_reason`. `pause_turn` (a server tool paused the turn) and
// anything new end the turn as far as an OpenAI client can tell, so they fall back to `stop`.
export function mapAnthropicStopReason(stopReason: unknown): string {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}
