import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { EmbeddingsRequest } from '../client-requests.ts';
import { convertGeminiEmbeddingsResponse } from './convert-gemini-embeddings-response.ts';
import { convertToGeminiEmbeddingsRequest } from './convert-to-gemini-embeddings-request.ts';
import { parseUpstreamBody } from '../../testing/upstream-body.ts';

const fixture = readFileSync(new URL('./__fixtures__/gemini-embeddings.1.json', import.meta.url));
const request = (input: EmbeddingsRequest['body']['input'], dimensions: number | null = null): EmbeddingsRequest => ({
  body: { model: 'google/gemini-embedding-001', input },
  model: 'google/gemini-embedding-001',
  stream: false,
  encodingFormat: 'float',
  dimensions,
});
const target = { url: 'https://generativelanguage.googleapis.com/v1beta/models', upstreamModel: 'gemini-embedding-001', apiKey: 'AIza-key' };

describe('Gemini embeddings', () => {
  it('asks batchEmbedContents for one embedding per text, naming the model in each', () => {
    const http = convertToGeminiEmbeddingsRequest(request(['one', 'two'], 768), target);
    expect(http.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(http.headers).toEqual({ 'content-type': 'application/json', 'x-goog-api-key': 'AIza-key' });
    expect(parseUpstreamBody(http.body)).toEqual({
      requests: [
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'one' }] }, outputDimensionality: 768 },
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'two' }] }, outputDimensionality: 768 },
      ],
    });
  });

  it('refuses token arrays, which Gemini cannot take', () => {
    expect(() => convertToGeminiEmbeddingsRequest(request([[1, 2]]), target)).toThrow(expect.objectContaining({ code: 'invalid_request', param: 'input' }));
  });

  it("turns the recorded answer into OpenAI's list under the requested id, with no usage (Gemini counts none)", () => {
    const converted = convertGeminiEmbeddingsResponse(fixture, { created: 0, clientWantsUsage: false, model: 'google/gemini-embedding-001' });
    expect(converted).toMatchObject({ usage: null, finishReason: null });
    expect(JSON.parse((converted as { body: string }).body)).toEqual({
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [-0.022374554, -0.004560777, 0.013309286, -0.0545072] }],
      model: 'google/gemini-embedding-001',
    });
  });

  it('refuses an answer without embeddings', () => {
    expect(convertGeminiEmbeddingsResponse(Buffer.from('{}'), { created: 0, clientWantsUsage: false, model: 'm' })).toMatchObject({ code: 'upstream_error' });
  });
});
