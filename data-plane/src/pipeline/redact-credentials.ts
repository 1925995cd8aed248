// Upstream text relayed to a client never carries the key the gateway sent (issue 13, defect 7): an
// upstream that reflects the Authorization header in its error put an organization's full BYOK key in a
// plain member's error body. Each upstream call's operation is wrapped with the key it sends: error
// bodies are cleaned before the adapter reads them (so the message and the refusal reason are clean),
// error results of complete answers are cleaned, and a stream's error frame and failure are cleaned. A
// stream's ordinary events are not scanned: the check runs only once the translator reports a failure.
import { GatewayError } from '../../../shared/src/errors.ts';
import type {
  ConvertedResponse,
  StreamTranslator,
  TranslationContext,
  UpstreamHttpRequest,
  UpstreamOperation,
  UpstreamTarget,
} from '../providers/provider-adapter.ts';
import type { PushedEventText } from '../providers/pushed-event-text.ts';

const REDACTED = '[redacted]';
/** A run this long of the key's first characters counts as the key (an upstream may cut what it reflects). */
const MIN_REFLECTED_CHARS = 16;

/** `text` with every occurrence of `secret` (or of a cut of it at least MIN_REFLECTED_CHARS long) replaced. */
export function redactSecret(text: string, secret: string): string {
  const needle = secret.slice(0, Math.min(secret.length, MIN_REFLECTED_CHARS));
  if (needle.length === 0 || !text.includes(needle)) return text;
  let result = '';
  let from = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, from)) {
    let end = at + needle.length;
    while (end - at < secret.length && text[end] === secret[end - at]) end += 1;
    result += text.slice(from, at) + REDACTED;
    from = end;
  }
  return result + text.slice(from);
}

function redactError(error: GatewayError, secret: string): GatewayError {
  const message = redactSecret(error.message, secret);
  const reason = error.reason === null ? null : { ...error.reason, upstreamMessage: redactSecret(error.reason.upstreamMessage, secret) };
  if (message === error.message && reason?.upstreamMessage === error.reason?.upstreamMessage) return error;
  return new GatewayError(error.code, message, {
    param: error.param,
    status: error.statusOverride ?? undefined,
    headers: error.headers,
    details: error.details,
    reason,
    cause: error.cause,
  });
}

/** The operation, reading every upstream answer as if `secret` were not in it where an error is concerned. */
export function redactingOperation<Request>(operation: UpstreamOperation<Request>, secret: string): UpstreamOperation<Request> {
  return new RedactingOperation(operation, secret);
}

/** A class, not an object of closures: one is made for every upstream attempt. */
class RedactingOperation<Request> implements UpstreamOperation<Request> {
  readonly #operation: UpstreamOperation<Request>;
  readonly #secret: string;
  /** Present exactly when the operation streams (the metered route asks for it only then). */
  readonly createStreamTranslator?: (context: TranslationContext) => StreamTranslator;

  constructor(operation: UpstreamOperation<Request>, secret: string) {
    this.#operation = operation;
    this.#secret = secret;
    if (operation.createStreamTranslator !== undefined) this.createStreamTranslator = this.#redactingStreamTranslator;
  }

  convertRequest(request: Request, target: UpstreamTarget): UpstreamHttpRequest {
    return this.#operation.convertRequest(request, target);
  }

  convertError(status: number, bodyText: string, headers: Record<string, string | string[] | undefined>): GatewayError {
    return redactError(this.#operation.convertError(status, redactSecret(bodyText, this.#secret), headers), this.#secret);
  }

  convertResponse(body: Buffer, context: TranslationContext): ConvertedResponse | GatewayError {
    const converted = this.#operation.convertResponse(body, context);
    return converted instanceof GatewayError ? redactError(converted, this.#secret) : converted;
  }

  #redactingStreamTranslator(context: TranslationContext): StreamTranslator {
    return new RedactingStreamTranslator(
      (this.#operation.createStreamTranslator as NonNullable<UpstreamOperation<Request>['createStreamTranslator']>).call(this.#operation, context),
      this.#secret,
    );
  }
}

class RedactingStreamTranslator implements StreamTranslator, PushedEventText {
  readonly #inner: StreamTranslator;
  readonly #secret: string;
  #failure: StreamTranslator['failure'] = null;

  constructor(inner: StreamTranslator, secret: string) {
    this.#inner = inner;
    this.#secret = secret;
  }

  get usage() {
    return this.#inner.usage;
  }
  get finishReason() {
    return this.#inner.finishReason;
  }
  get servedModel() {
    return this.#inner.servedModel;
  }
  get finalBytes() {
    return this.#inner.finalBytes;
  }
  /** Read through (PushedEventText): a chunk cleaned below is a new buffer, so it is no longer the one named. */
  get pushedChunk(): Uint8Array | null {
    return (this.#inner as Partial<PushedEventText>).pushedChunk ?? null;
  }
  get pushedEvent(): Buffer {
    return (this.#inner as unknown as PushedEventText).pushedEvent;
  }
  get pushedEventText(): string {
    return (this.#inner as unknown as PushedEventText).pushedEventText;
  }
  get failure() {
    const failure = this.#inner.failure;
    if (failure === null) return null;
    this.#failure ??= { ...failure, error: redactError(failure.error, this.#secret) };
    return this.#failure;
  }

  push(event: Buffer, output: Uint8Array[]): void {
    const failedBefore = this.#inner.failure !== null;
    const first = output.length;
    this.#inner.push(event, output);
    // The event that failed the stream may be relayed as the upstream framed it: clean what it added.
    if (!failedBefore && this.#inner.failure !== null) {
      for (let index = first; index < output.length; index += 1) {
        const text = Buffer.from(output[index]!).toString('utf8');
        const cleaned = redactSecret(text, this.#secret);
        if (cleaned !== text) output[index] = Buffer.from(cleaned, 'utf8');
      }
    }
  }

  end(): void {
    this.#inner.end();
  }
}
