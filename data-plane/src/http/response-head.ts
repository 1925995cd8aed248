// A response's status line and headers as one text for uWS's writeStatus, which writes
// `HTTP/1.1 <text>\r\n` verbatim, as writeHeader writes `name: value\r\n`: the same bytes as writeStatus
// and one writeHeader per header, in one native call instead of one per header (each call copies its two
// strings out of the JS heap into malloc'd UTF-8). This relies on the native uWS, which the data plane
// requires (http/uws-runtime.ts): its JavaScript fallback sends through Node's setHeader.
// uWS writes the text unchecked, as it did each header, so no line may end early: the status line, the
// fixed headers and every name are constants of the data plane, the request id is hex by construction
// (http/request-id.ts), and each other value is checked here: a header whose value holds CR, LF or NUL
// is left out (written, it would end the header there and let the rest pose as headers or a body).
import { STATUS_LINES } from './status-lines.ts';

/** Each known status's line and the name of the header that follows it, the part of a head before the request id. */
const HEAD_STARTS: Record<number, string> = Object.fromEntries(Object.entries(STATUS_LINES).map(([status, line]) => [status, `${line}\r\nx-request-id: `]));

/**
 * The text for writeStatus: status line, `x-request-id`, `fixed` (constant header lines, each opening
 * with CRLF, such as `\r\ncontent-type: application/json`), then `headers` in their order.
 */
export function responseHead(status: number, requestId: string, fixed: string, headers: Record<string, string> | null): string {
  let head = (HEAD_STARTS[status] ?? `${String(status)}\r\nx-request-id: `) + requestId + fixed;
  if (headers !== null) {
    for (const name in headers) {
      const value = headers[name] as string;
      if (isFieldValue(value)) head += `\r\n${name}: ${value}`;
    }
  }
  return head;
}

/** A value that cannot end its header line: no CR, LF or NUL. */
function isFieldValue(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code === 0x0d || code === 0x0a || code === 0) return false;
  }
  return true;
}
