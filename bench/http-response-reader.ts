// An incremental HTTP/1.1 response reader for the load client: it only needs to know when the first
// body byte arrived (TTFT) and when the response ended, for bodies framed by content-length or by
// chunked transfer encoding. One response in flight per connection, so nothing is pipelined.

export interface ReadProgress {
  /** This push delivered the response's first body byte. */
  firstBodyByte: boolean;
  /** This push completed the response. */
  complete: boolean;
}

type State = 'head' | 'fixed-body' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'done';

export class HttpResponseReader {
  statusCode = 0;
  bodyBytes = 0;
  #state: State = 'head';
  #remaining = 0;
  #pending: Buffer | null = null;

  /** Starts reading the next response on the same connection. */
  reset(): void {
    this.statusCode = 0;
    this.bodyBytes = 0;
    this.#state = 'head';
    this.#remaining = 0;
    this.#pending = null;
  }

  push(chunk: Buffer): ReadProgress {
    const data = this.#pending === null ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = null;
    const progress: ReadProgress = { firstBodyByte: false, complete: false };
    let offset = 0;
    while (offset < data.length && this.#state !== 'done') {
      if (this.#state === 'head') {
        const end = data.indexOf('\r\n\r\n', offset, 'latin1');
        if (end < 0) break;
        this.#readHead(data.toString('latin1', offset, end));
        offset = end + 4;
      } else if (this.#state === 'fixed-body' || this.#state === 'chunk-data') {
        const take = Math.min(this.#remaining, data.length - offset);
        if (this.bodyBytes === 0 && take > 0) progress.firstBodyByte = true;
        this.bodyBytes += take;
        this.#remaining -= take;
        offset += take;
        if (this.#remaining === 0) this.#state = this.#state === 'fixed-body' ? 'done' : 'chunk-end';
      } else {
        const lineEnd = data.indexOf('\r\n', offset, 'latin1');
        if (lineEnd < 0) break;
        const line = data.toString('latin1', offset, lineEnd);
        offset = lineEnd + 2;
        if (this.#state === 'chunk-size') {
          const size = Number.parseInt(line, 16);
          if (!Number.isFinite(size)) throw new Error(`bad chunk size line '${line}'`);
          this.#remaining = size;
          this.#state = size === 0 ? 'trailers' : 'chunk-data';
        } else if (this.#state === 'chunk-end') {
          this.#state = 'chunk-size';
        } else if (line === '') {
          this.#state = 'done';
        }
      }
    }
    if (this.#state === 'done') progress.complete = true;
    else if (offset < data.length) this.#pending = data.subarray(offset);
    return progress;
  }

  #readHead(head: string): void {
    const lines = head.split('\r\n');
    this.statusCode = Number((lines[0] ?? '').split(' ')[1]);
    let contentLength = 0;
    let chunked = false;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line
        .slice(colon + 1)
        .trim()
        .toLowerCase();
      if (name === 'content-length') contentLength = Number(value);
      else if (name === 'transfer-encoding' && value.includes('chunked')) chunked = true;
    }
    if (chunked) this.#state = 'chunk-size';
    else if (contentLength > 0) {
      this.#remaining = contentLength;
      this.#state = 'fixed-body';
    } else this.#state = 'done';
  }
}
