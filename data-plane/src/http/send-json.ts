// Writes a complete JSON response (status, x-request-id, content-type, headers, body) in one corked step
// of two native calls: the status line with every header (http/response-head.ts), then the body.
import { responseHead } from './response-head.ts';
import type { ClientResponse } from './client-response.ts';

const JSON_HEADERS = '\r\ncontent-type: application/json';

export function sendJson(
  response: ClientResponse,
  status: number,
  body: string | Uint8Array,
  headers: Record<string, string> | null = null,
  closeConnection = false,
): void {
  response.status = status;
  const head = responseHead(status, response.requestId, JSON_HEADERS, headers);
  response.cork((native) => {
    native.writeStatus(head);
    native.end(body, closeConnection);
    return true;
  });
}
