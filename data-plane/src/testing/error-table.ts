// Every provider's error mapping is a table: the upstream's HTTP status and body → the status, code, message
// (and, where given, param) of the gateway's OpenAI envelope. One test body runs each provider's table.
import { expect, it } from 'vitest';
import type { GatewayError } from '../../../shared/src/errors.ts';

/** [upstream status, upstream body, gateway status, code, message, param (checked when present)] */
export type ErrorCase = [number, string, number, string, string, (string | null)?];

export function itMapsEachError(toGatewayError: (status: number, body: string, headers: Record<string, string>) => GatewayError, cases: ErrorCase[]): void {
  it.each(cases)('HTTP %i %s → %i %s', (status, body, expectedStatus, code, message, ...param) => {
    const error = toGatewayError(status, body, {});
    expect(error.status).toBe(expectedStatus);
    expect(error.toEnvelope().error).toMatchObject(param.length > 0 ? { code, message, param: param[0] } : { code, message });
  });
}

/** What a client reads when the provider refused the gateway's own key (502, not the caller's fault). */
export const refusedCredentials = (upstreamMessage: string): string => `The upstream provider refused the gateway's credentials: ${upstreamMessage}`;
