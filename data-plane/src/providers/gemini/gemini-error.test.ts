import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { itMapsEachError, refusedCredentials, type ErrorCase } from '../../testing/error-table.ts';
import { geminiError } from './gemini-error.ts';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
const body = (code: number, status: string, message: string) => JSON.stringify({ error: { code, message, status } });
/** A Gemini error whose message reaches the client as Gemini wrote it. */
const passes = (code: number, status: string, message: string, gatewayStatus: number, gatewayCode: string): ErrorCase => [
  code,
  body(code, status, message),
  gatewayStatus,
  gatewayCode,
  message,
];

const unregistered = "Method doesn't allow unregistered callers.";

describe('geminiError', () => {
  it('maps RESOURCE_EXHAUSTED to 429 with retry-after from RetryInfo, in the OpenAI envelope', () => {
    const error = geminiError(429, fixture('gemini-error-rate-limit.1.json'), { 'retry-after': '99' });
    expect(error.status).toBe(429);
    expect(error.headers).toEqual({ 'retry-after': '37' });
    expect(error.toEnvelope()).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "rate_limited",
          "message": "You exceeded your current quota, please check your plan and billing details.",
          "param": null,
          "type": "rate_limit_error",
        },
      }
    `);
  });

  it('treats a 400 API_KEY_INVALID as the gateway credentials being refused (502), not a bad request', () => {
    const error = geminiError(400, fixture('gemini-error-api-key.1.json'), {});
    expect(error.status).toBe(502);
    expect(error.toEnvelope().error).toMatchObject({
      code: 'upstream_error',
      message: refusedCredentials('API key not valid. Please pass a valid API key.'),
    });
  });

  itMapsEachError(geminiError, [
    passes(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.', 400, 'invalid_request'),
    passes(400, 'FAILED_PRECONDITION', 'User location is not supported for the API use.', 502, 'upstream_error'),
    [403, body(403, 'PERMISSION_DENIED', unregistered), 502, 'upstream_error', refusedCredentials(unregistered)],
    passes(404, 'NOT_FOUND', 'models/gemini-9 is not found for API version v1beta', 404, 'model_not_found'),
    passes(500, 'INTERNAL', 'An internal error has occurred.', 502, 'upstream_error'),
    passes(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.', 503, 'upstream_error'),
    passes(504, 'DEADLINE_EXCEEDED', 'Deadline expired before operation could complete.', 504, 'upstream_timeout'),
    [502, '<html>bad gateway</html>', 502, 'upstream_error', 'The upstream provider answered with HTTP 502.'],
  ]);

  it('reads an error wrapped in an array, and falls back to the retry-after header', () => {
    const error = geminiError(429, `[${body(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded.')}]`, { 'retry-after': '5' });
    expect(error).toMatchObject({ status: 429, message: 'Quota exceeded.', headers: { 'retry-after': '5' } });
  });
});
