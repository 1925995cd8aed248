// GatewayError codes (shared/src/errors.ts) as tRPC codes, so tRPC clients see a fitting code; the
// exact HTTP status and gateway code also travel in the error's data (see init.ts).
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import type { GatewayErrorCode } from '../../../shared/src/errors.ts';

const trpcCodes: Record<GatewayErrorCode, TRPC_ERROR_CODE_KEY> = {
  invalid_request: 'BAD_REQUEST',
  invalid_json: 'PARSE_ERROR',
  invalid_api_key: 'UNAUTHORIZED',
  invalid_credentials: 'UNAUTHORIZED',
  insufficient_balance: 'PAYMENT_REQUIRED',
  reservation_exceeded: 'PAYMENT_REQUIRED',
  forbidden: 'FORBIDDEN',
  model_not_found: 'NOT_FOUND',
  not_found: 'NOT_FOUND',
  method_not_allowed: 'METHOD_NOT_SUPPORTED',
  request_too_large: 'PAYLOAD_TOO_LARGE',
  rate_limited: 'TOO_MANY_REQUESTS',
  daily_limit_exceeded: 'TOO_MANY_REQUESTS',
  key_budget_exceeded: 'TOO_MANY_REQUESTS',
  rate_limit_exceeded: 'TOO_MANY_REQUESTS',
  client_closed: 'CLIENT_CLOSED_REQUEST',
  internal_error: 'INTERNAL_SERVER_ERROR',
  upstream_error: 'BAD_GATEWAY',
  no_provider_available: 'SERVICE_UNAVAILABLE',
  provider_not_configured: 'SERVICE_UNAVAILABLE',
  shutting_down: 'SERVICE_UNAVAILABLE',
  usage_spool_unavailable: 'SERVICE_UNAVAILABLE',
  spend_counters_unavailable: 'SERVICE_UNAVAILABLE',
  upstream_timeout: 'GATEWAY_TIMEOUT',
};

export function gatewayErrorToTrpcCode(code: GatewayErrorCode): TRPC_ERROR_CODE_KEY {
  return trpcCodes[code];
}
