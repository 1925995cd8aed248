// Gemini's `batchEmbedContents` answer (`{embeddings: [{values}]}`, one per text, in order) → OpenAI's
// embeddings `list` with float vectors, named by the requested model id. Gemini reports no token counts,
// so usage is null and the gateway counts the input (the metered route adds `usage` to the body).
import { GatewayError } from '../../../../shared/src/errors.ts';
import { isRecord } from '../../../../shared/src/json-object.ts';
import type { ConvertedResponse, TranslationContext } from '../provider-adapter.ts';
import { parseUpstreamJson } from '../read-upstream-json.ts';

export function convertGeminiEmbeddingsResponse(body: Buffer, context: TranslationContext): ConvertedResponse | GatewayError {
  const parsed = parseUpstreamJson(body);
  const embeddings = isRecord(parsed) ? parsed.embeddings : undefined;
  if (!Array.isArray(embeddings)) return new GatewayError('upstream_error', 'Gemini answered without embeddings.');
  const data = [];
  for (const [index, embedding] of embeddings.entries()) {
    const values = isRecord(embedding) ? embedding.values : undefined;
    if (!Array.isArray(values) || !values.every((value) => typeof value === 'number')) {
      return new GatewayError('upstream_error', `Gemini answered embedding ${index} without its values.`);
    }
    data.push({ object: 'embedding', index, embedding: values });
  }
  const list = { object: 'list', data, model: context.model };
  return { body: JSON.stringify(list), parsedBody: list, usage: null, finishReason: null, servedModel: null };
}
