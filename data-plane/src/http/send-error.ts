// The only place that writes error responses: as a JSON response before anything was sent, or as the
// final frame of a stream that already started. OpenAI's envelope unless a front door brings its own.
import type { GatewayError } from '../../../shared/src/errors.ts';
import type { RateLimitHeaderStyle } from './rate-limit-headers.ts';
import { sendJson } from './send-json.ts';
import type { ClientResponse } from './client-response.ts';

/** How one front door writes an error: its JSON body, and the frame that ends a started stream. */
export interface ErrorPresenter {
  body(error: GatewayError): string;
  frame(error: GatewayError): string | Uint8Array;
  /** The door's names for the rate limit headers; absent = OpenAI's. */
  readonly rateLimitHeaderStyle?: RateLimitHeaderStyle;
}

export const openAIErrors: ErrorPresenter = { body: (error) => JSON.stringify(error.toEnvelope()), frame: formatErrorFrame };

export function sendError(response: ClientResponse, error: GatewayError, errors: ErrorPresenter = openAIErrors): void {
  // A request whose body was left unread (a 413, two Content-Length headers) closes the connection so
  // the rest is never read as a request; a closed data plane closes it so the client's next request
  // opens a connection to a live one.
  response.errorCode = error.code;
  const closeConnection = response.bodyPaused || error.code === 'shutting_down';
  sendJson(response, error.status, errors.body(error), error.headers, closeConnection);
}

/** The SSE frame that ends a stream when the upstream fails after the first byte was relayed. */
export function formatErrorFrame(error: GatewayError): string {
  return `data: ${JSON.stringify(error.toEnvelope())}\n\n`;
}
