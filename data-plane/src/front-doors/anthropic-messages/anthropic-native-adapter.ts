// The Messages door's adapter for providers of kind `anthropic`: the client already speaks their API, so
// its body goes upstream as it came, only `model` replaced by the endpoint's upstream name (every other
// value, `cache_control` and thinking signatures included, is sent unchanged and in the same key order;
// the door passes a tool history it had to repair as repaired; a long body read in its bytes gets the
// model spliced into them), with the client's `anthropic-version` and `anthropic-beta`. The answer is relayed as Anthropic's own
// bytes; the Anthropic adapter's response and stream readers run beside it only to meter.
import { GatewayError } from '../../../../shared/src/errors.ts';
import { anthropicAdapter } from '../../providers/anthropic/anthropic-adapter.ts';
import { AnthropicStreamTranslator } from '../../providers/anthropic/anthropic-stream-translator.ts';
import { convertAnthropicResponse } from '../../providers/anthropic/convert-anthropic-response.ts';
import { ANTHROPIC_VERSION } from '../../providers/anthropic/convert-to-anthropic-request.ts';
import { DelegatingStreamTranslator } from '../../providers/delegating-stream-translator.ts';
import type { ProviderAdapter, StreamTranslator, UpstreamBody, UpstreamTarget } from '../../providers/provider-adapter.ts';
import { copyKeepingBytes, serialiseKeepingBytes, spliceModelInto } from '../../providers/splice-json-member.ts';
import { withMemberModel } from '../../providers/event-model.ts';
import { readSseEvent } from '../../providers/read-sse-event.ts';
import type { MessagesRequest } from './parse-messages-request.ts';

export interface AnthropicClientHeaders {
  /** The client's `anthropic-version` ('' when absent: the adapter's own is sent). */
  version: string;
  /** The client's `anthropic-beta` ('' when absent). */
  beta: string;
}

export function createAnthropicNativeAdapter(request: MessagesRequest, clientHeaders: AnthropicClientHeaders): ProviderAdapter {
  return {
    kind: 'anthropic',
    chatUrl: anthropicAdapter.chatUrl,
    convertRequest: (_chat, target: UpstreamTarget) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'anthropic-version': clientHeaders.version || ANTHROPIC_VERSION };
      if (clientHeaders.beta !== '') headers['anthropic-beta'] = clientHeaders.beta;
      if (target.apiKey !== null) headers['x-api-key'] = target.apiKey;
      return { url: target.url, headers, body: upstreamBody(request, target.upstreamModel) };
    },
    convertResponse: (body, context) => {
      const metered = convertAnthropicResponse(body, context);
      return metered instanceof GatewayError ? metered : { ...metered, body };
    },
    createStreamTranslator: (context) => new AnthropicNativeStream(new AnthropicStreamTranslator(context), context.model),
    convertError: anthropicAdapter.convertError,
  };
}

/**
 * The client's bytes with the model spliced in when the body was read in them; otherwise serialised, a
 * long string still in those bytes copied as it is (a repaired tool history): a long prompt is not
 * serialised again.
 */
function upstreamBody(request: MessagesRequest, model: string): UpstreamBody {
  const spliced = request.source === undefined ? null : spliceModelInto(request.source, model);
  if (spliced !== null) return spliced;
  const body = copyKeepingBytes(request.body);
  body.model = model;
  return serialiseKeepingBytes(body, request.readInBytes === true);
}

/**
 * Relays Anthropic's events byte for byte (but for `message_start`'s model, the requested id) while the
 * adapter's translator reads them for usage, stop reason and failures. `message_stop` is held back as the final bytes (sent once the usage event is
 * durable); an upstream `event: error` is relayed as it came, and a malformed event is not (the
 * pipeline ends the stream with the door's own error event).
 */
class AnthropicNativeStream extends DelegatingStreamTranslator<AnthropicStreamTranslator> {
  #finalBytes: Uint8Array | null = null;
  #failure: StreamTranslator['failure'] = null;
  readonly #model: string;
  #started = false;

  constructor(inner: AnthropicStreamTranslator, model: string) {
    super(inner);
    this.#model = model;
  }

  override get finalBytes(): Uint8Array | null {
    return this.#finalBytes;
  }
  override get failure(): StreamTranslator['failure'] {
    return this.#failure;
  }

  override push(event: Buffer, output: Uint8Array[]): void {
    if (this.#finalBytes !== null || this.#failure !== null) return;
    this.inner.push(event, []);
    const failure = this.inner.failure;
    if (failure !== null) {
      const relayed = readSseEvent(event).event === 'error';
      if (relayed) output.push(event);
      this.#failure = { error: failure.error, relayed };
    } else if (this.inner.finalBytes !== null) this.#finalBytes = event;
    else if (!this.#started && readSseEvent(event).event === 'message_start') {
      this.#started = true;
      output.push(withMemberModel(event, 'message', this.#model));
    } else output.push(event);
  }

  override end(): void {
    super.end();
    if (this.#failure === null && this.inner.failure !== null) this.#failure = this.inner.failure;
  }
}
