// Reads a complete upstream response: a 2xx body goes through the adapter (to the OpenAI
// chat.completion the client gets, plus what is metered); anything else becomes the adapter's GatewayError.
import { GatewayError } from '../../../shared/src/errors.ts';
import { collectGeneratedText } from '../metering/collect-generated-text.ts';
import type { ProviderAdapter, TranslationContext } from '../providers/provider-adapter.ts';
import type { UpstreamResponse } from './call-upstream.ts';
import type { RequestMeter } from './meter-usage.ts';

export type UpstreamResult = { body: string | Buffer; parsedBody?: object; error: null } | { body: null; error: GatewayError };

export async function readUpstreamResponse(
  upstream: UpstreamResponse,
  adapter: Pick<ProviderAdapter, 'convertResponse' | 'convertError'>,
  context: TranslationContext,
  meter: RequestMeter,
): Promise<UpstreamResult> {
  const body = Buffer.from(await upstream.body.arrayBuffer());
  meter.upstreamFinishedAt = performance.now();
  if (upstream.statusCode < 200 || upstream.statusCode >= 300) {
    return { body: null, error: adapter.convertError(upstream.statusCode, body.toString('utf8'), upstream.headers) };
  }
  const converted = adapter.convertResponse(body, context);
  if (converted instanceof GatewayError) return { body: null, error: converted };
  meter.usage = converted.usage;
  meter.servedModel = converted.servedModel;
  meter.finishReason = converted.finishReason;
  // The text is only needed for the estimate, when the upstream reported no usage.
  if (converted.usage === null) collectGeneratedText(typeof converted.body === 'string' ? Buffer.from(converted.body) : converted.body, meter.completionText);
  return { body: converted.body, parsedBody: converted.parsedBody, error: null };
}
