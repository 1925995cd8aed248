// Gemini `finishReason` → OpenAI `finish_reason`. Gemini says STOP even when the turn ended in function
// calls, so the caller tells whether it saw any. The safety family becomes `content_filter`. A broken or
// unexpected tool call (MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL, TOO_MANY_TOOL_CALLS) and anything
// new end the turn without usable output as far as an OpenAI client can tell: `stop`, not an error,
// because the upstream did answer and its tokens are billed.
export function mapGeminiFinishReason(finishReason: unknown, hasToolCalls: boolean): string {
  switch (finishReason) {
    case 'MAX_TOKENS':
      return 'length';
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
      return 'content_filter';
    default:
      return hasToolCalls ? 'tool_calls' : 'stop';
  }
}
