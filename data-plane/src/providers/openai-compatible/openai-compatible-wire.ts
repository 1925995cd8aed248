// The few fields of OpenAI-compatible responses the gateway reads (everything else is relayed as is).
// Read leniently: any field may be missing or of another type.

export interface OpenAICompatibleUsageWire {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  prompt_tokens_details?: { cached_tokens?: unknown; cache_write_tokens?: unknown } | null;
  completion_tokens_details?: { reasoning_tokens?: unknown } | null;
  /** OpenRouter-style upstream cost in USD. */
  cost?: unknown;
  /** xAI's upstream cost in ticks of 1e-10 USD. */
  cost_in_usd_ticks?: unknown;
  total_tokens?: unknown;
}

export interface OpenAICompatibleChoiceWire {
  finish_reason?: unknown;
  message?: { content?: unknown; reasoning_content?: unknown; tool_calls?: unknown } | null;
}

export interface OpenAICompatibleResponseWire {
  model?: unknown;
  choices?: OpenAICompatibleChoiceWire[] | unknown;
  usage?: OpenAICompatibleUsageWire | null;
  error?: unknown;
}
