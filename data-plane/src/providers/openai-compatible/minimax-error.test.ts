import { readFileSync } from 'node:fs';
import { refusedCredentials } from '../../testing/error-table.ts';
import { describe, expect, it } from 'vitest';
import { minimaxBaseRespError, minimaxError } from './minimax-error.ts';

describe('minimaxBaseRespError', () => {
  it.each([
    [1002, 'rate limit exceeded(RPM)', 429, 'rate_limited', 'rate limit exceeded(RPM) (MiniMax status 1002)'],
    [
      1004,
      'login fail: Please carry the API secret key',
      502,
      'upstream_error',
      refusedCredentials('login fail: Please carry the API secret key (MiniMax status 1004)'),
    ],
    [1008, 'insufficient balance', 502, 'upstream_error', 'insufficient balance (MiniMax status 1008)'],
    [
      1026,
      'input new_sensitive',
      400,
      'invalid_request',
      "The upstream provider's content filter refused the request: input new_sensitive (MiniMax status 1026)",
    ],
    [
      1027,
      'output new_sensitive',
      400,
      'invalid_request',
      "The upstream provider's content filter refused the request: output new_sensitive (MiniMax status 1027)",
    ],
    [1001, '', 502, 'upstream_error', 'MiniMax reported an error (MiniMax status 1001)'],
    [1033, 'system error', 502, 'upstream_error', 'system error (MiniMax status 1033)'],
  ])('status_code %i → %i %s', (statusCode, statusMessage, expectedStatus, code, message) => {
    const error = minimaxBaseRespError({ status_code: statusCode, status_msg: statusMessage });
    expect(error?.status).toBe(expectedStatus);
    expect(error?.toEnvelope().error).toMatchObject({ code, message });
  });

  it('is null for success or no base_resp', () => {
    expect(minimaxBaseRespError({ status_code: 0, status_msg: '' })).toBeNull();
    expect(minimaxBaseRespError(undefined)).toBeNull();
    expect(minimaxBaseRespError({ status_code: '1002' })).toBeNull();
  });
});

describe('minimaxError', () => {
  it('reads base_resp on an error status too, and falls back to the OpenAI-compatible mapping', () => {
    const fixture = readFileSync(new URL('./__fixtures__/minimax-error-rate-limit.1.json', import.meta.url), 'utf8');
    expect(minimaxError(500, fixture, {}).status).toBe(429);
    expect(minimaxError(401, '{"error":{"message":"invalid key"}}', {}).toEnvelope().error).toMatchObject({ code: 'upstream_error' });
  });
});
