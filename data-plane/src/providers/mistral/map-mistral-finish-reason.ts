// Mistral's finish_reason → OpenAI's (stop | length | tool_calls | content_filter). Mistral adds
// `model_length` (the model's own context ran out: a length stop for the client) and `error` (the
// generation failed: not a finish reason at all, so it is reported as `error` and the adapter turns it
// into an upstream failure). Values added later fall back to `stop`, the one every client accepts.
export type MistralFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error';

export function mapMistralFinishReason(raw: unknown): MistralFinishReason | null {
  switch (raw) {
    case null:
    case undefined:
      return null;
    case 'length':
    case 'model_length':
      return 'length';
    case 'tool_calls':
    case 'content_filter':
    case 'error':
      return raw;
    default:
      return 'stop';
  }
}
