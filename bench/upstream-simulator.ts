// The fast upstream every target proxies to: an OpenAI-shaped chat completions endpoint on uWS, so the
// upstream's own cost stays far below any gateway's (and, on a path ending in /messages or /responses, a
// non-streamed Anthropic message or Responses object, for bench:compare --door). One configuration per process; the harness
// restarts it between scenarios. Non-streamed replies are one prebuilt buffer; streams send
// `chunkCount` content chunks, `ttftMs` after the request and `interChunkMs` apart, then the finish
// chunk, the usage chunk when the client asked for it, and `[DONE]`.
import uws from 'uWebSockets.js';

export interface UpstreamSimulatorOptions {
  port: number;
  /** Delay before the first stream chunk. */
  ttftMs: number;
  /** Delay between stream chunks; 0 writes them all at once. */
  interChunkMs: number;
  chunkCount: number;
  /** Approximate size of a non-streamed reply, in bytes. */
  responseBytes: number;
}

export interface UpstreamSimulator {
  port: number;
  close(): void;
}

const CREATED = 1_700_000_000;

export function nonStreamedReply(responseBytes: number): Buffer {
  const envelope = (content: string) =>
    JSON.stringify({
      id: 'chatcmpl-bench',
      object: 'chat.completion',
      created: CREATED,
      model: 'echo',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 12, completion_tokens: 64, total_tokens: 76 },
    });
  const padding = Math.max(1, responseBytes - envelope('').length);
  return Buffer.from(envelope('x'.repeat(padding)));
}

/** Anthropic's answer to a non-streamed Messages request, of about `responseBytes`. */
export function anthropicReply(responseBytes: number): Buffer {
  const envelope = (text: string) =>
    JSON.stringify({
      id: 'msg_bench',
      type: 'message',
      role: 'assistant',
      model: 'claude-echo',
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 12, output_tokens: 64 },
    });
  return Buffer.from(envelope('x'.repeat(Math.max(1, responseBytes - envelope('').length))));
}

/** OpenAI's answer to a non-streamed Responses request, of about `responseBytes`. */
export function responsesReply(responseBytes: number): Buffer {
  const envelope = (text: string) =>
    JSON.stringify({
      id: 'resp_bench',
      object: 'response',
      created_at: CREATED,
      status: 'completed',
      model: 'responses-echo',
      output: [{ type: 'message', id: 'msg_bench', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] }],
      usage: { input_tokens: 12, output_tokens: 64, total_tokens: 76 },
    });
  return Buffer.from(envelope('x'.repeat(Math.max(1, responseBytes - envelope('').length))));
}

function chunkEvent(delta: Record<string, unknown>, finishReason: string | null): string {
  const chunk = {
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: CREATED,
    model: 'echo',
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/** A streamed answer's events, as the simulator writes them (bench/count-stream-relay.ts replays them in process). */
export const CONTENT_EVENT = chunkEvent({ content: 'token ' }, null);
export const FINISH_EVENT = chunkEvent({}, 'stop');
export const DONE_EVENT = 'data: [DONE]\n\n';

export function usageEvent(chunkCount: number): string {
  const usage = { prompt_tokens: 12, completion_tokens: chunkCount, total_tokens: 12 + chunkCount };
  return `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: CREATED, model: 'echo', choices: [], usage })}\n\n`;
}

export function startUpstreamSimulator(options: UpstreamSimulatorOptions): Promise<UpstreamSimulator> {
  const reply = nonStreamedReply(options.responseBytes);
  const nativeReplies = { messages: anthropicReply(options.responseBytes), responses: responsesReply(options.responseBytes) };
  const usage = usageEvent(options.chunkCount);
  const app = uws.App();

  app.post('/*', (response, request) => {
    const url = request.getUrl();
    const native = url.endsWith('/messages') ? nativeReplies.messages : url.endsWith('/responses') ? nativeReplies.responses : null;
    let aborted = false;
    let timer: NodeJS.Timeout | undefined;
    response.onAborted(() => {
      aborted = true;
      clearTimeout(timer);
    });
    const parts: Buffer[] = [];
    response.onData((chunk, isLast) => {
      parts.push(Buffer.from(chunk.slice(0)));
      if (!isLast) return;
      const body = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
      // Only two facts matter here, so no JSON parse: the simulator must stay cheap.
      if (native !== null || !/"stream"\s*:\s*true/.test(body.toString('latin1'))) {
        response.cork(() =>
          response
            .writeStatus('200 OK')
            .writeHeader('content-type', 'application/json')
            .end(native ?? reply),
        );
        return;
      }
      const includeUsage = /"include_usage"\s*:\s*true/.test(body.toString('latin1'));
      let sent = 0;
      const writeEvents = (text: string) => {
        if (!aborted) response.cork(() => response.write(text));
      };
      const finish = () => {
        if (aborted) return;
        response.cork(() => response.end(FINISH_EVENT + (includeUsage ? usage : '') + DONE_EVENT));
      };
      const next = () => {
        if (aborted) return;
        if (options.interChunkMs === 0) {
          writeEvents(CONTENT_EVENT.repeat(options.chunkCount));
          return finish();
        }
        writeEvents(CONTENT_EVENT);
        sent += 1;
        if (sent >= options.chunkCount) return finish();
        timer = setTimeout(next, options.interChunkMs);
      };
      response.cork(() => response.writeStatus('200 OK').writeHeader('content-type', 'text/event-stream').writeHeader('cache-control', 'no-cache'));
      if (options.ttftMs === 0) next();
      else timer = setTimeout(next, options.ttftMs);
    });
  });
  app.any('/*', (response) => {
    response.writeStatus('404 Not Found').end('{"error":{"message":"not found"}}');
  });

  return new Promise((resolve, reject) => {
    app.listen('127.0.0.1', options.port, (socket) => {
      if (!socket) return reject(new Error(`upstream simulator could not listen on ${options.port}`));
      resolve({ port: uws.us_socket_local_port(socket), close: () => uws.us_listen_socket_close(socket) });
    });
  });
}
