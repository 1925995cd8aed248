// What leaves for the client in each corked write (one `send` each) while a stream is relayed: the
// events of each upstream read together, and the stream's last read with its final bytes, which wait
// for the usage event anyway, in one send rather than two. The bytes are the same either way.
import type { HttpResponse } from 'uWebSockets.js';
import { describe, expect, it } from 'vitest';
import { ClientResponse } from '../http/client-response.ts';
import { SseWriter } from '../http/sse-writer.ts';
import { CompletionText } from '../metering/completion-text.ts';
import type { RequestMeter } from '../metering/request-meter.ts';
import { OpenAICompatibleStreamTranslator } from '../providers/openai-compatible/openai-compatible-stream-translator.ts';
import { CancelSignal } from './cancel-signal.ts';
import { relayStream, type UpstreamEventBody } from './relay-stream.ts';

const chunk = (content: string) =>
  `data: {"id":"c1","object":"chat.completion.chunk","created":5,"model":"m","choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":null}]}\n\n`;
const FINISH = 'data: {"id":"c1","object":"chat.completion.chunk","created":5,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n';
const DONE = 'data: [DONE]\n\n';

/** A uWS response that keeps the body bytes of each corked write. */
function recordingResponse(): { response: ClientResponse; sends: string[] } {
  const sends: string[] = [];
  let current: string[] | null = null;
  const native = {
    onAborted() {},
    cork(write: () => void) {
      current = [];
      write();
      sends.push(current.join(''));
      current = null;
    },
    writeStatus: () => native,
    writeHeader: () => native,
    write(bytes: Uint8Array) {
      current?.push(Buffer.from(bytes).toString('utf8'));
      return true;
    },
    end(bytes?: Uint8Array | string) {
      if (bytes !== undefined) current?.push(Buffer.from(bytes).toString('utf8'));
      return native;
    },
  };
  return { response: new ClientResponse(native as unknown as HttpResponse, 'req_1', { name: 'chat' } as never), sends };
}

/** The upstream's reads, `complete` once the last one was handed over (as StreamedAnswer says when the body ended with it). */
function body(reads: string[], knowsItsEnd: boolean): UpstreamEventBody {
  let index = 0;
  return {
    get complete() {
      return knowsItsEnd && index === reads.length;
    },
    [Symbol.asyncIterator]() {
      return {
        next: () => Promise.resolve(index < reads.length ? { value: Buffer.from(reads[index++] as string), done: false } : { value: undefined, done: true }),
      };
    },
  };
}

async function relay(reads: string[], knowsItsEnd: boolean): Promise<string[]> {
  const { response, sends } = recordingResponse();
  const writer = new SseWriter(response);
  const meter = { completionText: new CompletionText(), firstByte() {}, upstreamFinished() {}, recordResponse() {} } as unknown as RequestMeter;
  const translator = new OpenAICompatibleStreamTranslator({ created: 5, clientWantsUsage: false, model: 'm' });
  const result = await relayStream(body(reads, knowsItsEnd), writer, meter, translator, { signal: new CancelSignal(), ceiling: null });
  expect(result.outcome).toBe('completed');
  writer.end(result.finalBytes);
  return sends;
}

describe('relayStream, the client writes', () => {
  it("sends the last read's events with the final bytes, in one write", async () => {
    const reads = [chunk('a'), chunk('b') + chunk('c'), FINISH + DONE];
    expect(await relay(reads, true)).toEqual([chunk('a'), chunk('b') + chunk('c'), FINISH + DONE]);
  });

  it('sends each read as it comes when the end of the body is not known', async () => {
    const reads = [chunk('a'), FINISH + DONE];
    expect(await relay(reads, false)).toEqual([chunk('a'), FINISH, DONE]);
  });

  it('never holds back the first bytes, even when the whole stream came in one read', async () => {
    expect(await relay([chunk('a') + FINISH + DONE], true)).toEqual([chunk('a') + FINISH, DONE]);
  });
});
