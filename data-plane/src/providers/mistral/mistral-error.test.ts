import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { itMapsEachError, refusedCredentials } from '../../testing/error-table.ts';
import { mistralError } from './mistral-error.ts';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');

describe('mistralError', () => {
  itMapsEachError(mistralError, [
    [
      400,
      '{"object":"error","message":"Prompt contains 40000 tokens, too large for model with 32768 maximum context length","type":"invalid_request_error","param":null,"code":null}',
      400,
      'invalid_request',
      'Prompt contains 40000 tokens, too large for model with 32768 maximum context length',
      null,
    ],
    [
      422,
      fixture('mistral-error-validation.1.json'),
      400,
      'invalid_request',
      "Invalid request: 'messages[1].tool_calls[0].foo': Extra inputs are not permitted.",
      'messages[1].tool_calls[0].foo',
    ],
    [
      422,
      '{"detail":[{"loc":["body"],"msg":"Input should be a valid dictionary","type":"dict_type"}]}',
      400,
      'invalid_request',
      'Invalid request: Input should be a valid dictionary.',
      null,
    ],
    [429, fixture('mistral-error-rate-limit.1.json'), 429, 'rate_limited', 'Rate limit exceeded', null],
    [401, fixture('mistral-error-unauthorized.1.json'), 502, 'upstream_error', refusedCredentials('Unauthorized'), null],
    [
      404,
      '{"object":"error","message":"Invalid model: codestral-9999","type":"invalid_model","param":null,"code":"1500"}',
      404,
      'model_not_found',
      'Invalid model: codestral-9999',
      'model',
    ],
    [503, 'upstream connect error', 502, 'upstream_error', 'The upstream provider answered with HTTP 503.', null],
  ]);

  it('keeps retry-after on a 429', () => {
    expect(mistralError(429, fixture('mistral-error-rate-limit.1.json'), { 'retry-after': '4' }).headers).toEqual({ 'retry-after': '4' });
  });
});
