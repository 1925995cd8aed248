// The request's Content-Length header, refusing it when sent more than once (issue 13, defect 10).
// uWebSockets.js 20.30 frames a body by the first of several Content-Length headers; a proxy in front
// that frames by the last one would see the bytes after a short body as part of it, and we would serve
// them as a request the proxy never checked (request smuggling), or a long body would swallow the next
// client's request. uWS itself already refuses Content-Length together with Transfer-Encoding.
import type { HttpRequest } from 'uWebSockets.js';

/**
 * The Content-Length header ('' when absent), or null when the request has more than one. Only a
 * request that declares a length has its headers walked (about a microsecond for a dozen headers).
 */
export function contentLengthOf(request: HttpRequest): string | null {
  const value = request.getHeader('content-length');
  if (value === '') return value;
  contentLengths = 0;
  request.forEach(countContentLength);
  return contentLengths === 1 ? value : null;
}

/** What countContentLength counted: a module function and count rather than a closure per request (forEach is synchronous). */
let contentLengths = 0;

function countContentLength(name: string): void {
  if (name === 'content-length') contentLengths += 1;
}
