// The Responses door's adapter for OpenAI itself, which speaks the Responses API: the client's body goes
// to `{base}/responses` as it came, with `model` replaced by the endpoint's upstream name, `store: false`
// (the gateway keeps no state, so nothing may be stored upstream that a later turn would reference) and
// the gateway's routing extras left out (a long body read in its bytes gets the model spliced into them). The answer is relayed as OpenAI's own bytes and only read to
// meter it: usage, status and model from the response object (or the stream's final event).
import { GatewayError } from '../../../../shared/src/errors.ts';
import { convertOpenAICompatibleUsage } from '../../providers/openai-compatible/convert-openai-compatible-usage.ts';
import { openAICompatibleAdapter } from '../../providers/openai-compatible/openai-compatible-adapter.ts';
import type { ProviderAdapter, StreamTranslator, UnifiedUsage, UpstreamBody, UpstreamTarget } from '../../providers/provider-adapter.ts';
import { copyKeepingBytes, serialiseKeepingBytes, spliceModelInto, type JsonSource } from '../../providers/splice-json-member.ts';
import { withMemberModel } from '../../providers/event-model.ts';
import { parseJsonObject, readSseEvent } from '../../providers/read-sse-event.ts';

interface ResponsesWireResponse {
  model?: unknown;
  status?: unknown;
  incomplete_details?: { reason?: unknown } | null;
  output?: Array<{ type?: unknown }>;
  error?: { code?: unknown; message?: unknown } | null;
  usage?: {
    input_tokens?: unknown;
    output_tokens?: unknown;
    total_tokens?: unknown;
    input_tokens_details?: { cached_tokens?: unknown } | null;
    output_tokens_details?: { reasoning_tokens?: unknown } | null;
  } | null;
}

/** Responses usage → the gateway's token counts, through the chat usage reader (one definition). */
export function convertResponsesUsage(usage: ResponsesWireResponse['usage']): UnifiedUsage | null {
  if (usage === null || usage === undefined) return null;
  return convertOpenAICompatibleUsage({
    prompt_tokens: usage.input_tokens,
    completion_tokens: usage.output_tokens,
    total_tokens: usage.total_tokens,
    prompt_tokens_details: { cached_tokens: usage.input_tokens_details?.cached_tokens },
    completion_tokens_details: { reasoning_tokens: usage.output_tokens_details?.reasoning_tokens },
  });
}

/** The chat finish reason a finished response amounts to, for the usage row. */
function finishReasonOf(response: ResponsesWireResponse): string | null {
  if (response.status === 'incomplete') return response.incomplete_details?.reason === 'content_filter' ? 'content_filter' : 'length';
  if (response.status !== 'completed') return null;
  return (response.output ?? []).some((item) => item?.type === 'function_call') ? 'tool_calls' : 'stop';
}

/** `store: false` added at the end when the client sent none. */
const STORE_FALSE = { key: 'store', value: 'false' };

/**
 * The upstream's body: the client's bytes with the model spliced in (and `store: false` added) when the
 * door read them and there are no routing extras to leave out; otherwise serialised, a long string still
 * in the client's bytes copied as it is (`readInBytes`: the body was read in them).
 */
function upstreamBody(body: Record<string, unknown>, source: JsonSource | undefined, readInBytes: boolean, model: string): UpstreamBody {
  const spliced = source === undefined ? null : splicedBody(body, source, model);
  if (spliced !== null) return spliced;
  const upstream = copyKeepingBytes(body);
  delete upstream.provider;
  delete upstream.models;
  upstream.model = model;
  upstream.store = false;
  return serialiseKeepingBytes(upstream, readInBytes);
}

/** The client's bytes with the model spliced in and `store: false` added when absent; null when the body is serialised instead. */
function splicedBody(body: Record<string, unknown>, source: JsonSource, model: string): UpstreamBody | null {
  // The routing extras are left out, which only serialising does.
  if ('provider' in body || 'models' in body) return null;
  // A client's own `store: false` stays where it is, as it does in the serialised body.
  if (body.store === false) return spliceModelInto(source, model);
  // Any other `store` is replaced, which only serialising does.
  if ('store' in body) return null;
  return spliceModelInto(source, model, STORE_FALSE);
}

/**
 * `onStream` learns of the stream translator it creates (the door ends a broken stream with it); `source`:
 * the client's bytes, as convertResponsesRequest gives them; `readInBytes`: the body was read in them.
 */
export function createResponsesNativeAdapter(
  body: Record<string, unknown>,
  onStream: (stream: ResponsesNativeStream) => void,
  source?: JsonSource,
  readInBytes = false,
): ProviderAdapter {
  return {
    kind: 'openai-compatible',
    chatUrl: (baseUrl) => `${baseUrl.replace(/\/+$/, '')}/responses`,
    convertRequest: (_chat, target: UpstreamTarget) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (target.apiKey !== null) headers.authorization = `Bearer ${target.apiKey}`;
      // The route's URL is the chat one, computed from the provider's base URL.
      const url = target.url.replace(/\/chat\/completions$/, '/responses');
      return { url, headers, body: upstreamBody(body, source, readInBytes, target.upstreamModel) };
    },
    convertResponse: (raw) => {
      const response = parseJsonObject<ResponsesWireResponse>(raw.toString('utf8'));
      if (response === null) return new GatewayError('upstream_error', 'The upstream provider sent a response that is not a JSON object.');
      return {
        body: raw,
        usage: convertResponsesUsage(response.usage),
        finishReason: finishReasonOf(response),
        servedModel: typeof response.model === 'string' ? response.model : null,
      };
    },
    createStreamTranslator: (context) => {
      const stream = new ResponsesNativeStream(context.model);
      onStream(stream);
      return stream;
    },
    convertError: openAICompatibleAdapter.convertError,
  };
}

/**
 * Relays OpenAI's Responses events byte for byte (but for the response object's model, the requested
 * id), reading them for metering. `response.completed` (or
 * `.incomplete`) is held back as the final bytes, sent once the usage event is durable; an upstream
 * `response.failed` or `error` event is relayed as it came and fails the stream. A stream that ends
 * otherwise is ended by the pipeline with `failedFrame`, numbered after the last relayed event.
 */
export class ResponsesNativeStream implements StreamTranslator {
  usage: UnifiedUsage | null = null;
  finishReason: string | null = null;
  servedModel: string | null = null;
  finalBytes: Uint8Array | null = null;
  failure: StreamTranslator['failure'] = null;
  #lastSequence = -1;
  readonly #model: string;

  /** `model`: the requested id, which the events' response objects name instead of the upstream's. */
  constructor(model: string) {
    this.#model = model;
  }

  push(event: Buffer, output: Uint8Array[]): void {
    if (this.finalBytes !== null || this.failure !== null) return;
    const { data } = readSseEvent(event);
    if (data === null) {
      output.push(event);
      return;
    }
    const payload = parseJsonObject<{ type?: unknown; sequence_number?: unknown; response?: ResponsesWireResponse; message?: unknown }>(data);
    if (payload === null) {
      this.failure = { error: new GatewayError('upstream_error', 'The upstream provider sent a malformed stream event.'), relayed: false };
      return;
    }
    if (typeof payload.sequence_number === 'number') this.#lastSequence = payload.sequence_number;
    const response = payload.response;
    if (response !== undefined && typeof response.model === 'string') this.servedModel = response.model;
    const relayed = response === undefined ? event : withMemberModel(event, 'response', this.#model);
    if (payload.type === 'response.completed' || payload.type === 'response.incomplete') {
      this.usage = convertResponsesUsage(response?.usage);
      this.finishReason = response === undefined ? null : finishReasonOf(response);
      this.finalBytes = relayed;
      return;
    }
    if (payload.type === 'response.failed' || payload.type === 'error') {
      this.usage = convertResponsesUsage(response?.usage);
      const message = typeof response?.error?.message === 'string' ? response.error.message : typeof payload.message === 'string' ? payload.message : null;
      this.failure = { error: new GatewayError('upstream_error', message ?? 'The upstream provider reported an error.'), relayed: true };
    }
    output.push(relayed);
  }

  end(): void {
    if (this.finalBytes === null && this.failure === null) {
      this.failure = { error: new GatewayError('upstream_error', 'The upstream stream ended before the response was complete.'), relayed: false };
    }
  }

  /** The Responses `error` event that ends the stream, numbered after the last one relayed. */
  failedFrame(error: GatewayError): Uint8Array {
    const payload = { type: 'error', code: error.code, message: error.message, param: error.param, sequence_number: this.#lastSequence + 1 };
    return Buffer.from(`event: error\ndata: ${JSON.stringify(payload)}\n\n`);
  }
}
