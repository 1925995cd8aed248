import { describe, expect, it } from 'vitest';
import { itMapsEachError, refusedCredentials } from '../../testing/error-table.ts';
import { wireFixture } from '../../testing/translate-stream.ts';
import { openAICompatibleError } from './openai-compatible-error.ts';

describe('openAICompatibleError', () => {
  itMapsEachError(openAICompatibleError, [
    [
      400,
      '{"error":{"message":"context too long","type":"invalid_request_error","code":"context_length_exceeded"}}',
      400,
      'invalid_request',
      'context too long',
    ],
    [400, '{"code":"Client specified an invalid argument","error":"Incorrect API key"}', 400, 'invalid_request', 'Incorrect API key'],
    [401, '{"message":"Unauthorized","request_id":"r"}', 502, 'upstream_error', refusedCredentials('Unauthorized')],
    [404, 'not json', 404, 'model_not_found', 'The upstream provider answered with HTTP 404.'],
    [422, '{"message":"bad"}', 422, 'invalid_request', 'bad'],
    [500, '{"error":{"message":"boom"}}', 502, 'upstream_error', 'boom'],
    [503, '', 502, 'upstream_error', 'The upstream provider answered with HTTP 503.'],
    [504, '', 504, 'upstream_timeout', 'The upstream provider answered with HTTP 504.'],
  ]);

  it("keeps retry-after and OpenAI's message on a 429", () => {
    const body = wireFixture('openai-compatible', 'openai-error-rate-limit.1.json').toString('utf8');
    const error = openAICompatibleError(429, body, { 'retry-after': '3' });
    expect(error.status).toBe(429);
    expect(error.message).toBe((JSON.parse(body) as { error: { message: string } }).error.message);
    expect(error.headers).toEqual({ 'retry-after': '3' });
  });
});
