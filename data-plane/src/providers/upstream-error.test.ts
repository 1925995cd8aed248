// The one upstream status table: what each reading of an upstream error answers the client.
import { describe, expect, it } from 'vitest';
import { upstreamError, type UpstreamErrorReading } from './upstream-error.ts';
import { refusedCredentials } from '../testing/error-table.ts';

describe('upstreamError', () => {
  it.each<[number, UpstreamErrorReading, number, string, string, Record<string, string>]>([
    [401, { message: 'bad key' }, 502, 'upstream_error', refusedCredentials('bad key'), {}],
    [400, { message: 'API key not valid', kind: 'credentials_refused' }, 502, 'upstream_error', refusedCredentials('API key not valid'), {}],
    [429, { message: 'slow down' }, 429, 'rate_limited', 'slow down', { 'retry-after': '7' }],
    [429, { message: 'quota', retryAfter: '37' }, 429, 'rate_limited', 'quota', { 'retry-after': '37' }],
    [529, { message: 'Overloaded', kind: 'overloaded' }, 503, 'upstream_error', 'Overloaded', { 'retry-after': '7' }],
    [402, { message: 'credit balance too low', kind: 'account' }, 502, 'upstream_error', 'credit balance too low', {}],
    [404, { message: null }, 404, 'model_not_found', 'The upstream provider answered with HTTP 404.', {}],
    [408, { message: 'slow' }, 504, 'upstream_timeout', 'slow', {}],
    [422, { message: 'bad field', param: 'temperature' }, 422, 'invalid_request', 'bad field', {}],
    [500, { message: 'boom' }, 502, 'upstream_error', 'boom', { 'retry-after': '7' }],
  ])('HTTP %i %j → %i %s', (status, reading, expectedStatus, code, message, headers) => {
    const error = upstreamError(status, reading, { 'retry-after': '7' });
    expect(error.status).toBe(expectedStatus);
    expect(error.toEnvelope().error).toMatchObject({ code, message, param: status === 404 ? 'model' : (reading.param ?? null) });
    expect(error.headers).toEqual(headers);
  });

  it('marks a refused key by its reason (kept out of the envelope), with the provider’s own words', () => {
    const refused = upstreamError(403, { message: 'no access' }, {});
    expect(refused.reason).toEqual({ code: 'provider_key_refused', upstreamMessage: 'no access' });
    expect(JSON.stringify(refused.toEnvelope())).not.toContain('provider_key_refused');
    expect(upstreamError(400, { message: 'bad request' }, {}).reason).toBeNull();
  });
});
