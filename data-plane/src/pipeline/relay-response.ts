// Reads a complete upstream response once its bytes all arrived: a 2xx body goes through the adapter (to
// the body the client gets, plus what is metered); anything else becomes the adapter's GatewayError.
import { GatewayError } from '../../../shared/src/errors.ts';
import { asBuffer } from '../http/decode-text.ts';
import { collectGeneratedText } from '../metering/collect-generated-text.ts';
import type { RequestMeter } from '../metering/request-meter.ts';
import type { TranslationContext, UpstreamOperation } from '../providers/provider-adapter.ts';
import type { UpstreamResponse } from './call-upstream.ts';

export type UpstreamResult = { body: string | Buffer; parsedBody?: object; bodyText?: string; error: null } | { body: null; error: GatewayError };

export function readUpstreamResponse(
  upstream: UpstreamResponse,
  bytes: Uint8Array,
  adapter: UpstreamOperation<unknown>,
  context: TranslationContext,
  meter: RequestMeter,
): UpstreamResult {
  // The collected answer is already a Buffer: no new view of it.
  const body = asBuffer(bytes);
  meter.upstreamFinished();
  if (upstream.statusCode < 200 || upstream.statusCode >= 300) {
    return { body: null, error: adapter.convertError(upstream.statusCode, body.toString('utf8'), upstream.headers) };
  }
  const converted = adapter.convertResponse(body, context);
  if (converted instanceof GatewayError) return { body: null, error: converted };
  meter.recordResponse(converted);
  // The text is only needed for the estimate, when the upstream reported no usage.
  if (converted.usage === null) collectGeneratedText(typeof converted.body === 'string' ? Buffer.from(converted.body) : converted.body, meter.completionText);
  return { body: converted.body, parsedBody: converted.parsedBody, bodyText: converted.bodyText, error: null };
}
