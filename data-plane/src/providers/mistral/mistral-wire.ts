// The fields of Mistral's chat and FIM wire format (wire-formats.md §2.7) the gateway reads or writes.
// Responses are read leniently: every field may be missing or of another type.

/** One entry of a 422's `message.detail[]`. */
export interface MistralValidationDetailWire {
  loc?: unknown;
  msg?: unknown;
  type?: unknown;
}

/** Content may be a string or, for reasoning models, chunks (`text`, `thinking: [{type: "text", text}]`). */
export interface MistralContentChunkWire {
  type?: unknown;
  text?: unknown;
  thinking?: unknown;
}

export interface MistralToolCallWire {
  id?: unknown;
  type?: unknown;
  index?: unknown;
  function?: { name?: unknown; arguments?: unknown } | null;
}

export interface MistralMessageWire {
  role?: unknown;
  content?: unknown;
  tool_calls?: MistralToolCallWire[] | null;
  [field: string]: unknown;
}

export interface MistralChoiceWire {
  index?: unknown;
  message?: MistralMessageWire | null;
  delta?: MistralMessageWire | null;
  finish_reason?: unknown;
}

/** A chat/FIM response body or one stream chunk. */
export interface MistralResponseWire {
  id?: unknown;
  object?: unknown;
  created?: unknown;
  model?: unknown;
  choices?: unknown;
  usage?: unknown;
  [field: string]: unknown;
}
