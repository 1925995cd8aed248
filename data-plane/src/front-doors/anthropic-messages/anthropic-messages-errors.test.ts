import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../../shared/src/errors.ts';
import { anthropicMessagesErrors } from './anthropic-messages-errors.ts';

describe('anthropicMessagesErrors', () => {
  it("writes Anthropic's envelope with the error type Anthropic uses for the status", () => {
    const body = (error: GatewayError) => JSON.parse(anthropicMessagesErrors.body(error)) as { error: { type: string } };
    expect(body(new GatewayError('invalid_api_key', 'Invalid API key.'))).toEqual({
      type: 'error',
      error: { type: 'authentication_error', message: 'Invalid API key.' },
    });
    expect(
      [
        new GatewayError('invalid_request', 'x'),
        new GatewayError('insufficient_balance', 'x'),
        new GatewayError('forbidden', 'x'),
        new GatewayError('model_not_found', 'x'),
        new GatewayError('request_too_large', 'x'),
        new GatewayError('rate_limited', 'x'),
        new GatewayError('upstream_error', 'x'),
        new GatewayError('upstream_error', 'x', { status: 503 }),
        new GatewayError('upstream_timeout', 'x'),
        new GatewayError('invalid_request', 'x', { status: 422 }),
      ].map((error) => body(error).error.type),
    ).toEqual([
      'invalid_request_error',
      'billing_error',
      'permission_error',
      'not_found_error',
      'request_too_large',
      'rate_limit_error',
      'api_error',
      'overloaded_error',
      'timeout_error',
      'invalid_request_error',
    ]);
  });

  it('puts the gateway’s details under error.details and frames a started stream’s end as event: error', () => {
    const error = new GatewayError('rate_limited', 'Daily limit reached.', { details: { limit: 'daily', available_micros: 0 } });
    expect(anthropicMessagesErrors.frame(error)).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"rate_limit_error","message":"Daily limit reached.","details":{"limit":"daily","available_micros":0}}}\n\n',
    );
  });
});
