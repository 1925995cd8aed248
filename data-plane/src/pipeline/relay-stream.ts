// Relays an upstream SSE stream to the client byte for byte, event by event. Only events that matter
// are parsed (usage, finish_reason, errors; see inspect-openai-compatible-event.ts). The usage-only
// chunk is dropped unless the client asked for it, and the final `data: [DONE]` is held back: the
// caller sends it once the usage event is durable. When uWS reports backpressure, reading from the
// upstream stops until the client drained. Never throws: failures come back in the result.
import type { GatewayError } from '../../../shared/src/errors.ts';
import type { SseWriter } from '../http/sse-writer.ts';
import { inspectOpenAICompatibleEvent } from '../providers/openai-compatible/inspect-openai-compatible-event.ts';
import { SseEventSplitter } from '../providers/split-sse-events.ts';
import { toUpstreamGatewayError } from './call-upstream.ts';
import type { RequestMeter } from './meter-usage.ts';

export interface StreamRelayResult {
  outcome: 'completed' | 'aborted' | 'failed';
  /** Why the stream failed (for `failed`): sent as the final error frame unless the upstream sent one. */
  error: GatewayError | null;
  /** The upstream already sent its own error frame (relayed), so none is added. */
  upstreamErrorRelayed: boolean;
  /** The held-back terminator (`data: [DONE]` as the upstream framed it), or null. */
  finalBytes: Buffer | null;
}

export async function relayStream(
  upstreamBody: AsyncIterable<Buffer>,
  writer: SseWriter,
  meter: RequestMeter,
  options: { clientWantsUsage: boolean; signal: AbortSignal },
): Promise<StreamRelayResult> {
  const splitter = new SseEventSplitter();
  const result: StreamRelayResult = { outcome: 'completed', error: null, upstreamErrorRelayed: false, finalBytes: null };
  const relay = async (events: Buffer[]): Promise<void> => {
    const outgoing: Buffer[] = [];
    for (const event of events) {
      const inspected = inspectOpenAICompatibleEvent(event);
      meter.completionTextBytes += inspected.textBytes;
      if (inspected.usage !== null) meter.usage = inspected.usage;
      if (inspected.model !== null) meter.servedModel = inspected.model;
      if (inspected.finishReason !== null) meter.finishReason = inspected.finishReason;
      if (inspected.kind === 'done') {
        result.finalBytes = event;
        continue;
      }
      if (inspected.kind === 'usage-only' && !options.clientWantsUsage) continue;
      if (inspected.kind === 'error') {
        result.outcome = 'failed';
        result.upstreamErrorRelayed = true;
      }
      outgoing.push(event);
    }
    if (outgoing.length === 0 || writer.closed) return;
    if (meter.firstByteAt === null) meter.firstByteAt = performance.now();
    if (!writer.write(outgoing)) await writer.writable();
  };

  try {
    for await (const chunk of upstreamBody) {
      const events = splitter.push(chunk);
      if (events.length > 0) await relay(events);
      if (writer.closed) break;
    }
    const rest = splitter.rest();
    if (rest !== null && !writer.closed) await relay([rest]);
  } catch (error) {
    result.outcome = options.signal.aborted ? 'aborted' : 'failed';
    result.error = toUpstreamGatewayError(error, options.signal);
  }
  if (writer.closed && result.outcome !== 'failed') result.outcome = 'aborted';
  meter.upstreamFinishedAt = performance.now();
  return result;
}
