// The client requests every adapter converts, as the pipeline parsed and checked them
// (pipeline/parse-chat-request.ts, pipeline/parse-fim-request.ts, pipeline/parse-embeddings-request.ts). Defined here, below the pipeline,
// because the adapters take them in and the pipeline builds them.

import type { JsonSource } from './splice-json-member.ts';

/** What the metered route needs of any request it forwards. */
export interface ForwardedRequest {
  /** The requested public model id. */
  model: string;
  stream: boolean;
}

export interface ChatRequest extends ForwardedRequest {
  /** The parsed body; forwarded to the upstream with `model` (and stream_options) replaced. */
  body: Record<string, unknown> & { model: string; messages: unknown[] };
  /** The client itself asked for the usage-only chunk (`stream_options.include_usage`). */
  clientWantsStreamUsage: boolean;
  /**
   * The body as the client sent it, while `body` still says exactly what it says (unset once a step
   * changed the body, or when a front door built it): adapters that forward the body splice the model
   * into it instead of serialising the whole prompt again (splice-json-member.ts), into its bytes when
   * they are ASCII or were read as bytes (http/read-json-bytes.ts).
   */
  source?: JsonSource;
  /**
   * The client's body was read in its bytes (http/read-json-bytes.ts), so `body` may hold long strings
   * still left there, which serialiseKeepingBytes copies as they are; without it nothing can, and a
   * serialised body skips looking for them.
   */
  readInBytes?: boolean;
}

export interface FimRequest extends ForwardedRequest {
  /** The parsed body; forwarded to the upstream with `model` replaced. */
  body: Record<string, unknown> & { model: string; prompt: string };
  /** The client's bytes, when a long body was read in them (http/read-json-bytes.ts): the model is spliced in. */
  source?: JsonSource;
}

/** OpenAI's embeddings input: one text, several, one token array, or several. */
export type EmbeddingsInput = string | string[] | number[] | number[][];

export interface EmbeddingsRequest extends ForwardedRequest {
  /** The parsed body; forwarded to OpenAI-compatible upstreams with `model` replaced. */
  body: Record<string, unknown> & { model: string; input: EmbeddingsInput };
  /** Embeddings never stream. */
  stream: false;
  /** How the client wants the vectors: JSON numbers, or base64 of little-endian float32 (`encoding_format`). */
  encodingFormat: 'float' | 'base64';
  /** `dimensions`: the length the client asked the vectors to have, or null. */
  dimensions: number | null;
  /** As ChatRequest's: long texts of `body.input` may still be in the client's bytes. */
  readInBytes?: boolean;
  /** The client's bytes, when a long body was read in them and has no routing extras: OpenAI-compatible upstreams get the model spliced in. */
  source?: JsonSource;
}
