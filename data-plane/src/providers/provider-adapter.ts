// The spec every provider adapter implements. The pipeline speaks OpenAI chat completions on both
// sides; an adapter translates that to one upstream's wire format and back. Translation is pure: no
// I/O, no clock, no randomness (the pipeline passes in what varies), so fixtures replay exactly.
import type { GatewayError } from '../../../shared/src/errors.ts';
import type { TokenUsage } from '../../../shared/src/money.ts';
import type { SnapshotProvider } from '../../../shared/src/snapshot.ts';
import type { ChatRequest, EmbeddingsRequest, FimRequest } from './client-requests.ts';

export type ProviderKind = SnapshotProvider['kind'];

/** Token counts in the gateway's terms: prompt includes cache reads and writes, completion includes reasoning. */
export interface UnifiedUsage {
  usage: TokenUsage;
  /** What the upstream itself says the request cost (e.g. OpenRouter's `usage.cost`), in µ$. */
  upstreamCostMicros: number | null;
}

export interface UpstreamTarget {
  /** The operation's URL under the provider's base URL (`chatUrl`, `fim.url`), computed once per snapshot version. */
  url: string;
  /** The model name the upstream expects. */
  upstreamModel: string;
  /** The provider key, or null when the upstream needs none. */
  apiKey: string | null;
}

export interface UpstreamHttpRequest {
  url: string;
  headers: Record<string, string>;
  body: UpstreamBody;
}

/** A request body: text, bytes, or pieces of bytes sent in order (a long client body spliced, not copied). */
export type UpstreamBody = string | Buffer | readonly Buffer[];

/** What the pipeline meters from a response, streamed or not. */
export interface ResponseReport {
  usage: UnifiedUsage | null;
  /** The OpenAI finish reason sent to the client. */
  finishReason: string | null;
  /** The model the upstream says served the request. */
  servedModel: string | null;
}

export interface ConvertedResponse extends ResponseReport {
  /** The body for the client (chat: the OpenAI `chat.completion`). */
  body: string | Buffer;
  /** `body` already parsed, when the adapter parsed it whole and unchanged: spares a second JSON.parse (metering/with-usage-cost.ts writes into it). */
  parsedBody?: object;
  /** The text `parsedBody` was parsed from, when `body` is the upstream's bytes: the cost fields are spliced into it (metering/with-usage-cost.ts). */
  bodyText?: string;
}

export interface TranslationContext {
  /** Unix seconds for `created` (the request's arrival). */
  created: number;
  /** The client set `stream_options.include_usage`: it gets the usage-only chunk. */
  clientWantsUsage: boolean;
  /** The model id the client asked for: every answer names it as its `model` (the served one is in x-gateway-model). */
  model: string;
}

/**
 * Turns one upstream stream into OpenAI `chat.completion.chunk` events, one whole upstream SSE event at
 * a time. Created per request. Never throws: malformed input or an upstream error event becomes
 * `failure`, and later events are ignored.
 */
export interface StreamTranslator extends ResponseReport {
  /** Translates one whole SSE event (as framed by split-sse-events.ts), appending client bytes to `output`. */
  push(event: Buffer, output: Uint8Array[]): void;
  /** The upstream body ended cleanly (no more events). */
  end(): void;
  /** The terminator (`data: [DONE]`), held back so the usage event is durable before it goes out. */
  readonly finalBytes: Uint8Array | null;
  /** Why the stream failed; `relayed` when the client already got the upstream's own error frame. */
  readonly failure: { error: GatewayError; relayed: boolean } | null;
}

/**
 * One upstream API spoken for one kind of request (chat, FIM): the request out, the answer and its
 * errors back. The pipeline's metered route (pipeline/metered-route.ts) drives every kind the same way.
 */
export interface UpstreamOperation<Request> {
  /** The client's request → the upstream HTTP request. Throws GatewayError for what the upstream cannot express. */
  convertRequest(request: Request, target: UpstreamTarget): UpstreamHttpRequest;
  /** A 2xx non-streamed upstream body → the body for the client; an unreadable body is an error. */
  convertResponse(body: Buffer, context: TranslationContext): ConvertedResponse | GatewayError;
  /** The per-request translator of the upstream's events; absent where requests never stream (embeddings). */
  createStreamTranslator?(context: TranslationContext): StreamTranslator;
  /** A non-2xx upstream answer → the error the client gets (`retry-after` passed on). */
  convertError(status: number, bodyText: string, headers: Record<string, string | string[] | undefined>): GatewayError;
}

/** Chat completions (the adapter itself), and the other kinds of request its provider offers. */
export interface ProviderAdapter extends UpstreamOperation<ChatRequest> {
  readonly kind: ProviderKind;
  createStreamTranslator(context: TranslationContext): StreamTranslator;
  /** The chat endpoint under a provider's base URL. */
  chatUrl(baseUrl: string): string;
  /** Fill-in-the-middle (Codestral's `/fim/completions`), when the provider offers it. */
  readonly fim?: FimOperation;
  /** Embeddings, when the provider offers them; the answer is OpenAI's `list` of embeddings. */
  readonly embeddings?: EmbeddingsOperation;
}

export interface FimOperation extends UpstreamOperation<FimRequest> {
  createStreamTranslator(context: TranslationContext): StreamTranslator;
  /** The FIM endpoint under a provider's base URL. */
  url(baseUrl: string): string;
}

export interface EmbeddingsOperation extends UpstreamOperation<EmbeddingsRequest> {
  /** The embeddings endpoint under a provider's base URL. */
  url(baseUrl: string): string;
}
