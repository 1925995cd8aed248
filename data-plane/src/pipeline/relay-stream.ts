// Relays an upstream SSE stream to the client event by event through the provider's stream translator
// (a byte copy for OpenAI-compatible upstreams, a translation for the others). The final bytes
// (`data: [DONE]`) are held back: the caller sends them once the usage event is durable. When uWS
// reports backpressure, reading from the upstream stops until the client drained. A stream that passes
// its cost ceiling (stream-cost-ceiling.ts) stops being read, which aborts the upstream call, and fails
// with reservation_exceeded. Never throws: failures come back in the result.
import { GatewayError } from '../../../shared/src/errors.ts';
import type { SseWriter } from '../http/sse-writer.ts';
import type { RequestMeter } from '../metering/request-meter.ts';
import type { StreamCostCeiling } from '../metering/stream-cost-ceiling.ts';
import type { StreamTranslator } from '../providers/provider-adapter.ts';
import { SseEventSplitter } from '../providers/split-sse-events.ts';
import { toUpstreamGatewayError } from './call-upstream.ts';
import type { CancelSignal } from './cancel-signal.ts';

export interface StreamRelayResult {
  outcome: 'completed' | 'aborted' | 'failed';
  /** Why the stream failed (for `failed`): sent as the final error frame unless the upstream's was relayed. */
  error: GatewayError | null;
  /** The upstream already sent its own error frame (relayed), so none is added. */
  upstreamErrorRelayed: boolean;
  /** The held-back terminator (`data: [DONE]`), or null. */
  finalBytes: Uint8Array | null;
}

/** An upstream body; `complete` once all of it arrived, so the read being relayed is its last (StreamedAnswer). */
export type UpstreamEventBody = AsyncIterable<Buffer> & { readonly complete?: boolean };

export async function relayStream(
  upstreamBody: UpstreamEventBody,
  writer: SseWriter,
  meter: RequestMeter,
  translator: StreamTranslator,
  options: { signal: CancelSignal; /** Null when nothing is held (free, BYOK): no ceiling. */ ceiling: StreamCostCeiling | null },
): Promise<StreamRelayResult> {
  const { ceiling } = options;
  const text = meter.completionText;
  let cut = false;
  const splitter = new SseEventSplitter();
  const result: StreamRelayResult = { outcome: 'completed', error: null, upstreamErrorRelayed: false, finalBytes: null };
  try {
    for await (const chunk of upstreamBody) {
      const events = splitter.push(chunk);
      if (events.length > 0 && relay(events, upstreamBody, writer, meter, translator)) await writer.writable();
      if (writer.closed) break;
      if (ceiling !== null && ceiling.passed(text, translator)) {
        cut = true;
        break;
      }
    }
    if (!writer.closed && !cut) {
      const rest = splitter.rest();
      if (rest !== null && relay([rest], upstreamBody, writer, meter, translator)) await writer.writable();
      translator.end();
    }
  } catch (error) {
    result.outcome = options.signal.aborted ? 'aborted' : 'failed';
    result.error = toUpstreamGatewayError(error, options.signal);
  }
  meter.upstreamFinished();
  meter.recordResponse(translator);
  if (cut) {
    result.outcome = 'failed';
    result.error = reservationExceeded(ceiling);
    return result;
  }
  result.finalBytes = translator.finalBytes;
  const failure = translator.failure;
  if (failure !== null) {
    result.upstreamErrorRelayed = failure.relayed;
    if (result.outcome === 'completed') {
      result.outcome = 'failed';
      result.error = failure.error;
    }
  }
  if (writer.closed && result.outcome !== 'failed') result.outcome = 'aborted';
  return result;
}

/**
 * Relays the events; true when uWS added backpressure (a plain function: most chunks need no await). Made once,
 * not per stream: tsx names a closure as it is made (`__name`, an Object.defineProperty each).
 */
function relay(events: Buffer[], upstreamBody: UpstreamEventBody, writer: SseWriter, meter: RequestMeter, translator: StreamTranslator): boolean {
  const outgoing: Uint8Array[] = [];
  for (const event of events) translator.push(event, outgoing);
  if (outgoing.length === 0 || writer.closed) return false;
  // The last read of a started stream goes out with the final bytes, in the same send (SseWriter.hold).
  if (writer.started && upstreamBody.complete === true) {
    writer.hold(outgoing);
    return false;
  }
  meter.firstByte();
  return !writer.write(outgoing);
}

function reservationExceeded(ceiling: StreamCostCeiling | null): GatewayError {
  return new GatewayError(
    'reservation_exceeded',
    "The answer was cut: the upstream produced more than this request reserved against your spending limits (its max_tokens, or the model's output cap, at the model's price); what was sent is billed at most that reservation.",
    { details: { completion_tokens_reserved: ceiling?.budgetTokens ?? null } },
  );
}
