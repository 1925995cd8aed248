// A non-streamed OpenAI-compatible body is already what the client wants: it is relayed byte for byte,
// and only read for metering (usage, model, finish_reason). A body that does not parse is
// still relayed as is; the usage is then estimated.
import type { ConvertedResponse } from '../provider-adapter.ts';
import { decodeText } from '../../http/decode-text.ts';
import { parseUpstreamText } from '../read-upstream-json.ts';
import { convertOpenAICompatibleUsage } from './convert-openai-compatible-usage.ts';
import type { OpenAICompatibleChoiceWire, OpenAICompatibleResponseWire } from './openai-compatible-wire.ts';

export function convertOpenAICompatibleResponse(body: Buffer): ConvertedResponse {
  const converted: ConvertedResponse = { body, usage: null, finishReason: null, servedModel: null };
  const text = decodeText(body);
  const parsed = parseUpstreamText(text) as OpenAICompatibleResponseWire | null;
  if (parsed === null || typeof parsed !== 'object') return converted;
  converted.parsedBody = parsed;
  converted.bodyText = text;
  converted.usage = convertOpenAICompatibleUsage(parsed.usage);
  if (typeof parsed.model === 'string') converted.servedModel = parsed.model;
  if (Array.isArray(parsed.choices)) {
    for (const choice of parsed.choices as Array<OpenAICompatibleChoiceWire | null>) {
      if (converted.finishReason === null && typeof choice?.finish_reason === 'string') converted.finishReason = choice.finish_reason;
    }
  }
  return converted;
}
