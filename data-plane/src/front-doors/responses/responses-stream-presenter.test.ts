import { REQUESTED_MODEL, RESPONSES_TEXT_CLOSING, RESPONSES_TEXT_OPENING } from '../../testing/translate-stream.ts';
import { readFileSync } from 'node:fs';
import { accumulateResponse } from 'openai/lib/responses/ResponseAccumulator';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../../shared/src/errors.ts';
import { AnthropicStreamTranslator } from '../../providers/anthropic/anthropic-stream-translator.ts';
import { GeminiStreamTranslator } from '../../providers/gemini/gemini-stream-translator.ts';
import { OpenAICompatibleStreamTranslator } from '../../providers/openai-compatible/openai-compatible-stream-translator.ts';
import type { StreamTranslator } from '../../providers/provider-adapter.ts';
import { SseEventSplitter } from '../../providers/split-sse-events.ts';
import { convertResponsesRequest } from './convert-responses-request.ts';
import { responseIdentity } from './responses-object.ts';
import { ResponsesStreamPresenter } from './responses-stream-presenter.ts';

const anthropicFixture = (name: string) => readFileSync(new URL(`../../providers/anthropic/__fixtures__/${name}`, import.meta.url));
const geminiFixture = (name: string) => readFileSync(new URL(`../../providers/gemini/__fixtures__/${name}`, import.meta.url));
const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url));

const context = { created: 1_700_000_000, clientWantsUsage: true, model: REQUESTED_MODEL };
const { echo } = convertResponsesRequest(Buffer.from(JSON.stringify({ model: 'anthropic/claude-sonnet-4.5', input: 'hi', stream: true })));
const identity = responseIdentity('0b9e4c2a-1111-4222-8333-944445555666', 1_700_000_000);

interface Presented {
  /** Every event the client gets, finalBytes included, as parsed JSON. */
  events: Array<Record<string, unknown> & { type: string; sequence_number: number }>;
  /** The wire text before finalBytes, and finalBytes. */
  relayed: string;
  final: string;
  presenter: ResponsesStreamPresenter;
}

function present(inner: StreamTranslator, bytes: Buffer): Presented {
  const presenter = new ResponsesStreamPresenter(inner, identity, echo);
  const output: Uint8Array[] = [];
  for (const event of new SseEventSplitter().push(bytes)) presenter.push(event, output);
  presenter.end();
  const relayed = Buffer.concat(output).toString('utf8');
  const final = presenter.finalBytes === null ? '' : Buffer.from(presenter.finalBytes).toString('utf8');
  const events = (relayed + final)
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => {
      const [eventLine, dataLine] = frame.split('\n') as [string, string];
      const event = JSON.parse(dataLine.slice('data: '.length)) as Presented['events'][number];
      expect(eventLine).toBe(`event: ${event.type}`);
      return event;
    });
  return { events, relayed, final, presenter };
}

/** What the official openai SDK builds from the events (it throws on an event that does not fit its snapshot). */
function accumulate(events: Presented['events']) {
  let snapshot: ReturnType<typeof accumulateResponse> | undefined;
  for (const event of events) snapshot = accumulateResponse(event as unknown as ResponseStreamEvent, snapshot);
  return snapshot!;
}

describe('ResponsesStreamPresenter', () => {
  it('presents text and two tool calls as typed events, closing events held back until the usage is durable', () => {
    const { events, relayed, final } = present(new AnthropicStreamTranslator(context), anthropicFixture('anthropic-tool-call.1.sse'));
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events.map((event) => event.type)).toEqual([
      ...RESPONSES_TEXT_OPENING,
      ...RESPONSES_TEXT_CLOSING,
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(relayed).not.toContain('response.completed');
    expect(final.startsWith('event: response.function_call_arguments.done\n')).toBe(true);

    const completed = events.at(-1)!.response as Record<string, unknown>;
    expect(completed).toMatchObject({
      id: 'resp_0b9e4c2a111142228333944445555666',
      object: 'response',
      created_at: 1_700_000_000,
      status: 'completed',
      model: 'anthropic/claude-sonnet-4.5',
      output: [
        { type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.', annotations: [] }] },
        // The first call carries the streamed message (see the next test); the second keeps its id.
        { type: 'function_call', call_id: expect.stringMatching(/^call_/), name: 'get_weather', arguments: '{"city": "Paris"}', status: 'completed' },
        { type: 'function_call', call_id: 'toolu_02', name: 'get_time', arguments: '{"zone":"CET"}', status: 'completed' },
      ],
      // Anthropic's 50 uncached + 40 cache reads + 10 cache writes, 25 out.
      usage: {
        input_tokens: 100,
        input_tokens_details: { cached_tokens: 40 },
        output_tokens: 25,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 125,
      },
    });
    expect(accumulate(events)).toEqual({ ...completed, output_text: 'Checking.' });
  });

  it("carries the streamed items in the first call's call_id: call_ and base64url of the upstream's id and the items' self-contained ids", () => {
    const { events } = present(new AnthropicStreamTranslator(context), anthropicFixture('anthropic-tool-call.1.sse'));
    const added = events.filter((event) => event.type === 'response.output_item.added').map((event) => event.item as { id: string; call_id?: string });
    const carried = { call: 'toolu_01', items: { msg_0b9e4c2a111142228333944445555666_0: `msg_${Buffer.from('{"text":"Checking."}').toString('base64url')}` } };
    expect(added[0]!.id).toBe('msg_0b9e4c2a111142228333944445555666_0');
    expect(added[1]!.call_id).toBe(`call_${Buffer.from(JSON.stringify(carried)).toString('base64url')}`);
    expect(added[2]!.call_id).toBe('toolu_02');
    // Sent back as the AI SDK does, the call and the reference give the upstream its own call again.
    const { chat } = convertResponsesRequest(
      Buffer.from(
        JSON.stringify({
          model: 'm',
          input: [
            { role: 'user', content: 'go' },
            { type: 'item_reference', id: added[0]!.id },
            { type: 'function_call', call_id: added[1]!.call_id, name: 'get_weather', arguments: '{}' },
            { type: 'function_call_output', call_id: added[1]!.call_id, output: 'sunny' },
          ],
        }),
      ),
    );
    expect(chat.body.messages.slice(1)).toEqual([
      { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'toolu_01', content: 'sunny' },
    ]);
  });

  it('presents thinking as a reasoning item with its summary text, and max_tokens as incomplete', () => {
    const { events } = present(new AnthropicStreamTranslator(context), anthropicFixture('anthropic-thinking.1.sse'));
    const final = events.at(-1)!;
    expect(final.type).toBe('response.incomplete');
    expect(final.response).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      output: [
        { type: 'reasoning', summary: [{ type: 'summary_text', text: 'Two plus two is four.' }] },
        { type: 'message', status: 'incomplete', content: [{ type: 'output_text', text: '4' }] },
      ],
      usage: { output_tokens: 30, output_tokens_details: { reasoning_tokens: 22 } },
    });
    expect(events.filter((event) => event.type === 'response.reasoning_summary_text.delta').map((event) => event.delta)).toEqual(['Two plus two', ' is four.']);
    expect(accumulate(events).output).toEqual((final.response as { output: unknown }).output);
  });

  it('reads the usage a translator holds back with its [DONE] (Gemini): thoughts, text, whole function calls', () => {
    const { events } = present(new GeminiStreamTranslator(context), geminiFixture('gemini-tool-call.1.sse'));
    const completed = events.at(-1)!;
    expect(completed.type).toBe('response.completed');
    expect(completed.response).toMatchObject({
      output: [
        { type: 'reasoning', summary: [{ type: 'summary_text', text: 'Weather needs a tool call.' }] },
        { type: 'message', content: [{ type: 'output_text', text: 'Checking.' }] },
        { type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call', name: 'get_time', arguments: '{"zone":"CET"}' },
      ],
      // 57 prompt tokens of which 32 cached; 21 candidates + 40 thoughts.
      usage: { input_tokens: 57, input_tokens_details: { cached_tokens: 32 }, output_tokens: 61, output_tokens_details: { reasoning_tokens: 40 } },
    });
    expect(accumulate(events).output).toEqual((completed.response as { output: unknown }).output);
  });

  it('turns an upstream error frame into response.failed, held back as the final bytes', () => {
    const { events, final, presenter } = present(new OpenAICompatibleStreamTranslator(context), fixture('chat-error.1.sse'));
    expect(presenter.failure?.relayed).toBe(true);
    expect(events.map((event) => event.type)).toEqual([...RESPONSES_TEXT_OPENING, 'response.failed']);
    expect(final.startsWith('event: response.failed\n')).toBe(true);
    expect(events.at(-1)!.response).toMatchObject({
      status: 'failed',
      error: { code: 'server_error', message: 'The server had an error.' },
      output: [{ type: 'message', content: [{ text: 'Partial' }] }],
    });
  });

  it('leaves the end of a stream the translator failed (Anthropic error event) to failedFrame', () => {
    const { events, final, presenter } = present(new AnthropicStreamTranslator(context), anthropicFixture('anthropic-error.1.sse'));
    expect(presenter.failure).toMatchObject({ relayed: false, error: { message: expect.stringContaining('Overloaded') } });
    expect(final).toBe('');
    expect(events.at(-1)!.type).toBe('response.output_text.delta');
    const frame = Buffer.from(presenter.failedFrame(presenter.failure!.error)).toString('utf8');
    expect(JSON.parse(frame.split('\n')[1]!.slice('data: '.length))).toMatchObject({
      type: 'response.failed',
      sequence_number: events.length,
      response: { status: 'failed', output: [{ type: 'message', content: [{ text: 'Partial' }] }] },
    });
  });

  it('ends a stream that broke without an error frame with failedFrame, continuing the sequence', () => {
    const presenter = new ResponsesStreamPresenter(new OpenAICompatibleStreamTranslator(context), identity, echo);
    const output: Uint8Array[] = [];
    for (const event of new SseEventSplitter().push(fixture('chat-text.1.sse').subarray(0, 400))) presenter.push(event, output);
    const frame = Buffer.from(presenter.failedFrame(new GatewayError('upstream_timeout', 'The upstream stopped sending.'))).toString('utf8');
    const sequence = Buffer.concat(output).toString('utf8').split('\n\n').filter(Boolean).length;
    expect(frame.startsWith('event: response.failed\n')).toBe(true);
    expect(JSON.parse(frame.split('\n')[1]!.slice('data: '.length))).toMatchObject({
      sequence_number: sequence,
      response: { status: 'failed', error: { code: 'upstream_timeout', message: 'The upstream stopped sending.' } },
    });
  });

  it('relays an OpenAI chat stream (byte-copied upstream) as the same text and usage', () => {
    const { events } = present(new OpenAICompatibleStreamTranslator(context), fixture('chat-text.1.sse'));
    const completed = events.at(-1)!;
    expect(completed.type).toBe('response.completed');
    expect(completed.response).toMatchObject({
      output: [{ type: 'message', content: [{ type: 'output_text', text: 'Hello there, gateway.' }] }],
      usage: {
        input_tokens: 9,
        input_tokens_details: { cached_tokens: 3 },
        output_tokens: 4,
        output_tokens_details: { reasoning_tokens: 1 },
        total_tokens: 13,
        cost: 0.000123,
        cost_microdollars: 123,
      },
    });
    expect(events.filter((event) => event.type === 'response.output_text.delta').map((event) => event.delta)).toEqual(['Hello', ' there,', ' gateway.']);
  });

  it('still answers with an empty message when the model said nothing', () => {
    const { events } = present(new OpenAICompatibleStreamTranslator(context), fixture('chat-empty.1.sse'));
    expect(events.at(-1)!.response).toMatchObject({ status: 'completed', output: [{ type: 'message', content: [{ type: 'output_text', text: '' }] }] });
  });
});
