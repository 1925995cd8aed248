// Reads a complete upstream response. A 2xx body is relayed as is (its usage, model and finish_reason
// are read for metering); anything else becomes a GatewayError.
import type { GatewayError } from '../../../shared/src/errors.ts';
import { convertOpenAICompatibleUsage } from '../providers/openai-compatible/convert-openai-compatible-usage.ts';
import { openAICompatibleError } from '../providers/openai-compatible/openai-compatible-error.ts';
import type { OpenAICompatibleResponseWire } from '../providers/openai-compatible/openai-compatible-wire.ts';
import type { UpstreamResponse } from './call-upstream.ts';
import type { RequestMeter } from './meter-usage.ts';

export interface UpstreamResult {
  body: Buffer;
  error: GatewayError | null;
}

function textLength(value: unknown): number {
  return typeof value === 'string' ? Buffer.byteLength(value) : 0;
}

export async function readUpstreamResponse(upstream: UpstreamResponse, meter: RequestMeter): Promise<UpstreamResult> {
  const body = Buffer.from(await upstream.body.arrayBuffer());
  meter.upstreamFinishedAt = performance.now();
  if (upstream.statusCode < 200 || upstream.statusCode >= 300) {
    return { body, error: openAICompatibleError(upstream.statusCode, body.toString('utf8'), upstream.headers) };
  }
  let parsed: OpenAICompatibleResponseWire | null = null;
  try {
    parsed = JSON.parse(body.toString('utf8')) as OpenAICompatibleResponseWire;
  } catch {
    parsed = null;
  }
  if (parsed !== null && typeof parsed === 'object') {
    meter.usage = convertOpenAICompatibleUsage(parsed.usage);
    if (typeof parsed.model === 'string') meter.servedModel = parsed.model;
    if (Array.isArray(parsed.choices)) {
      for (const choice of parsed.choices as Array<{ finish_reason?: unknown; message?: { content?: unknown; reasoning_content?: unknown } } | null>) {
        if (meter.finishReason === null && typeof choice?.finish_reason === 'string') meter.finishReason = choice.finish_reason;
        meter.completionTextBytes += textLength(choice?.message?.content) + textLength(choice?.message?.reasoning_content);
      }
    }
  }
  return { body, error: null };
}
