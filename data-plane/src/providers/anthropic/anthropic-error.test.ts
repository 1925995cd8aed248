import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { itMapsEachError, refusedCredentials } from '../../testing/error-table.ts';
import { anthropicError } from './anthropic-error.ts';

const overloaded = readFileSync(new URL('./__fixtures__/anthropic-error-overloaded.1.json', import.meta.url), 'utf8');
const body = (type: string, message: string) => JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_1' });

describe('anthropicError', () => {
  it('maps 529 overloaded to a retryable 503 in the OpenAI envelope, keeping retry-after', () => {
    const error = anthropicError(529, overloaded, { 'retry-after': '2' });
    expect(error.status).toBe(503);
    expect(error.headers).toEqual({ 'retry-after': '2' });
    expect(error.toEnvelope()).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "upstream_error",
          "message": "Overloaded",
          "param": null,
          "type": "upstream_error",
        },
      }
    `);
  });

  itMapsEachError(anthropicError, [
    [400, body('invalid_request_error', 'messages: field required'), 400, 'invalid_request', 'messages: field required'],
    [401, body('authentication_error', 'invalid x-api-key'), 502, 'upstream_error', refusedCredentials('invalid x-api-key')],
    [403, body('permission_error', 'no access'), 502, 'upstream_error', refusedCredentials('no access')],
    [402, body('billing_error', 'credit balance too low'), 502, 'upstream_error', 'credit balance too low'],
    [404, body('not_found_error', 'model: claude-x'), 404, 'model_not_found', 'model: claude-x'],
    [413, body('request_too_large', 'too large'), 413, 'invalid_request', 'too large'],
    [500, body('api_error', 'Internal server error'), 502, 'upstream_error', 'Internal server error'],
    [504, body('timeout_error', 'timed out'), 504, 'upstream_timeout', 'timed out'],
    [503, 'upstream connect error', 502, 'upstream_error', 'The upstream provider answered with HTTP 503.'],
  ]);

  it('keeps retry-after on a 429', () => {
    const error = anthropicError(429, body('rate_limit_error', 'slow down'), { 'retry-after': '7' });
    expect(error).toMatchObject({ status: 429, code: 'rate_limited', headers: { 'retry-after': '7' }, message: 'slow down' });
  });
});
