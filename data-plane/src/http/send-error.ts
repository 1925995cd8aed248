// The only place that writes the OpenAI error envelope: as a JSON response before anything was sent,
// or as the final `data: {"error":…}` frame of a stream that already started.
import type { GatewayError } from '../../../shared/src/errors.ts';
import { sendJson } from './send-json.ts';
import type { ClientResponse } from './client-response.ts';

export function sendError(response: ClientResponse, error: GatewayError): void {
  // A 413 closes the connection so the rest of an oversized body is never read; a closed data plane
  // closes it so the client's next request opens a connection to a live one.
  const closeConnection = error.code === 'request_too_large' || error.code === 'shutting_down';
  sendJson(response, error.status, JSON.stringify(error.toEnvelope()), error.headers, closeConnection);
}

/** The SSE frame that ends a stream when the upstream fails after the first byte was relayed. */
export function formatErrorFrame(error: GatewayError): string {
  return `data: ${JSON.stringify(error.toEnvelope())}\n\n`;
}
