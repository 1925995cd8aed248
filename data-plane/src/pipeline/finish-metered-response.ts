// The end of a metered request once the upstream was called, for every endpoint (chat, FIM): relay the
// stream or send the error, always appending the one usage event to the spool before the final bytes
// go out. `headers` (e.g. which provider served) go on whatever response is sent.
import { GatewayError, toGatewayError } from '../../../shared/src/errors.ts';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';
import type { ClientResponse } from '../http/client-response.ts';
import { openAIErrors, sendError, type ErrorPresenter } from '../http/send-error.ts';
import { SseWriter } from '../http/sse-writer.ts';
import type { StreamTranslator } from '../providers/provider-adapter.ts';
import { meterUsage, type RequestMeter } from './meter-usage.ts';
import type { PipelineContext } from './pipeline-context.ts';
import { relayStream } from './relay-stream.ts';

/** What the usage event needs beyond the meter: the prompt token estimate used when usage is missing. */
export interface MeteredRequest {
  context: PipelineContext;
  response: ClientResponse;
  meter: RequestMeter;
  promptEstimate: () => number;
  /** The front door's error envelope (front-door.ts); OpenAI's when absent. */
  errors?: ErrorPresenter;
}

export async function relayAndFinishStream(
  request: MeteredRequest,
  upstreamBody: AsyncIterable<Buffer>,
  translator: StreamTranslator,
  signal: AbortSignal,
  headers: Record<string, string> = {},
): Promise<void> {
  const { response, meter } = request;
  const writer = new SseWriter(response, headers);
  const result = await relayStream(upstreamBody, writer, meter, translator, { signal });
  if (result.outcome === 'aborted' || response.aborted) {
    await appendUsage(request, 499, 'client_closed');
    return;
  }
  if (result.outcome === 'failed') {
    const error = result.error ?? new GatewayError('upstream_error', 'The upstream provider reported an error.');
    const nothingSent = !writer.started && !result.upstreamErrorRelayed;
    if (nothingSent) {
      await appendUsage(request, error.status, error.code);
      // Nothing reached the client yet: a normal error response is still possible.
      sendError(response, withHeaders(error, headers), request.errors);
      return;
    }
    await endStreamOnceRecorded(request, writer, error.code, result.upstreamErrorRelayed ? result.finalBytes : (request.errors ?? openAIErrors).frame(error));
    return;
  }
  await endStreamOnceRecorded(request, writer, null, result.finalBytes);
}

/** A started stream's final bytes go out once its usage event is durable; if it cannot be recorded, an error frame instead. */
async function endStreamOnceRecorded(
  request: MeteredRequest,
  writer: SseWriter,
  errorCode: string | null,
  finalBytes: string | Uint8Array | null,
): Promise<void> {
  try {
    await appendUsage(request, 200, errorCode);
  } catch (error) {
    writer.end((request.errors ?? openAIErrors).frame(toGatewayError(error)));
    return;
  }
  writer.end(finalBytes);
}

export async function finishWithError(request: MeteredRequest, error: GatewayError): Promise<void> {
  request.meter.upstreamFinishedAt ??= performance.now();
  const aborted = error.code === 'client_closed' || request.response.aborted;
  await appendUsage(request, aborted ? 499 : error.status, error.code);
  if (!aborted) sendError(request.response, error, request.errors);
}

/** The error with extra response headers (e.g. x-gateway-provider naming the endpoint that failed last). */
export function withHeaders(error: GatewayError, headers: Record<string, string>): GatewayError {
  if (Object.keys(headers).length === 0) return error;
  return new GatewayError(error.code, error.message, {
    param: error.param,
    status: error.statusOverride ?? undefined,
    headers: { ...error.headers, ...headers },
    cause: error.cause,
  });
}

/**
 * Writes the usage event durably (group commit). The spool holds and retries an event it cannot write
 * yet; it rejects (usage_spool_unavailable, the event logged in full) only when it closes without
 * having written it, and then the request must not look served: the rejection propagates.
 */
export async function appendUsage(request: MeteredRequest, status: number, errorCode: string | null): Promise<UsageEvent> {
  const event = meterUsage(request.meter, { status, errorCode, finishedAt: performance.now(), promptEstimate: request.promptEstimate });
  // Settled before it is spooled: a crash in between over-counts this request, never under-counts it.
  await request.context.spend.settle(request.response, event);
  await request.context.appendUsage(event);
  return event;
}
