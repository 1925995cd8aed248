// What every adapter's stream translator owes an OpenAI client, checked once over all of them against
// each provider's recorded wire bytes: the chunk sequence (role first, one finish chunk with an OpenAI
// finish reason, `[DONE]` last), the same bytes however the upstream cut them, the usage chunk only when
// asked and with what is metered, tool calls an SDK can assemble, and how an upstream error, a malformed
// event and a stream cut short end. What only one provider does is tested next to its translator.
import { describe, expect, it } from 'vitest';
import type { TokenUsage } from '../../../shared/src/money.ts';
import { translateStream, wireFixture, type ChunkJson, REQUESTED_MODEL } from '../testing/translate-stream.ts';
import { anthropicAdapter } from './anthropic/anthropic-adapter.ts';
import { geminiAdapter } from './gemini/gemini-adapter.ts';
import { mistralAdapter } from './mistral/mistral-adapter.ts';
import { adapterForProvider } from './provider-adapters.ts';
import type { ProviderAdapter } from './provider-adapter.ts';

const OPENAI_FINISH_REASONS = ['stop', 'length', 'tool_calls', 'content_filter', 'function_call'];
const MALFORMED = 'The upstream provider sent a malformed stream event.';

interface StreamContract {
  adapter: ProviderAdapter;
  /** A whole answer and what the client must read from it. */
  answer: { bytes: Buffer; content: string; reasoning?: string; finishReason: string; servedModel: string; usage: TokenUsage };
  /** Where the answer's upstream finish reason stands, to send it with others. */
  finishReason: { pattern: RegExp; format: (reason: string) => string; mapped: Array<[upstream: string, openai: string]> };
  /** The event that carries the finish: the answer cut before it is a stream cut short. */
  finishEvent: string;
  /** A translating adapter writes every chunk itself; the byte copy relays the upstream's events as they are. */
  byteCopy: boolean;
  /** An answer with tool calls, and the calls an SDK assembles from it. */
  toolCalls?: { bytes: Buffer; calls: Array<{ id: string; name: string; arguments: string }> };
  /** How a stream cut short ends: this failure, or (the byte copy) as the upstream ended it. */
  cutShort: string | null;
  /**
   * A stream the upstream failed mid-way: the text relayed before, the error the client is told, and
   * whether the upstream's own error frame already went to the client (`relayed`).
   */
  error: {
    bytes: Buffer;
    content: string;
    failure: { code: string; type: string; status: number; message: string; relayed: boolean };
    usage: Partial<TokenUsage> | null;
  };
}

const tokens = (usage: Partial<TokenUsage>): TokenUsage => ({
  promptTokens: 0,
  completionTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  ...usage,
});

const contracts: Record<string, StreamContract> = {
  anthropic: {
    adapter: anthropicAdapter,
    answer: {
      bytes: wireFixture('anthropic', 'anthropic-text.1.sse'),
      content: 'Hello there.',
      finishReason: 'stop',
      servedModel: 'claude-sonnet-4-5-20250929',
      usage: tokens({ promptTokens: 100, completionTokens: 12, cacheReadTokens: 40, cacheWriteTokens: 10 }),
    },
    finishReason: {
      pattern: /"stop_reason":"end_turn"/,
      format: (reason) => `"stop_reason":"${reason}"`,
      mapped: [
        ['end_turn', 'stop'],
        ['stop_sequence', 'stop'],
        ['pause_turn', 'stop'],
        ['max_tokens', 'length'],
        ['model_context_window_exceeded', 'length'],
        ['tool_use', 'tool_calls'],
        ['refusal', 'content_filter'],
      ],
    },
    finishEvent: 'event: message_delta',
    byteCopy: false,
    cutShort: 'The upstream stream ended before the message was complete.',
    toolCalls: {
      bytes: wireFixture('anthropic', 'anthropic-tool-call.1.sse'),
      calls: [
        { id: 'toolu_01', name: 'get_weather', arguments: '{"city": "Paris"}' },
        { id: 'toolu_02', name: 'get_time', arguments: '{"zone":"CET"}' },
      ],
    },
    error: {
      bytes: wireFixture('anthropic', 'anthropic-error.1.sse'),
      content: 'Partial',
      failure: { code: 'upstream_error', type: 'upstream_error', status: 503, message: 'Overloaded', relayed: false },
      usage: { promptTokens: 100, completionTokens: 1 },
    },
  },
  gemini: {
    adapter: geminiAdapter,
    answer: {
      bytes: wireFixture('gemini', 'gemini-text.1.sse'),
      content: 'Hello there.',
      finishReason: 'stop',
      servedModel: 'gemini-2.5-flash',
      usage: tokens({ promptTokens: 6, completionTokens: 3 }),
    },
    finishReason: {
      pattern: /"finishReason": "STOP"/,
      format: (reason) => `"finishReason": "${reason}"`,
      mapped: [
        ['STOP', 'stop'],
        ['MAX_TOKENS', 'length'],
        ['SAFETY', 'content_filter'],
        ['RECITATION', 'content_filter'],
        ['PROHIBITED_CONTENT', 'content_filter'],
        ['MALFORMED_FUNCTION_CALL', 'stop'],
        ['OTHER', 'stop'],
      ],
    },
    finishEvent: '"finishReason"',
    byteCopy: false,
    cutShort: 'The upstream stream ended before the response was complete.',
    toolCalls: {
      bytes: wireFixture('gemini', 'gemini-tool-call.1.sse'),
      calls: [
        { id: 'call_0', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { id: 'call_1', name: 'get_time', arguments: '{"zone":"CET"}' },
      ],
    },
    error: {
      bytes: wireFixture('gemini', 'gemini-error.1.sse'),
      content: 'Partial',
      failure: { code: 'upstream_error', type: 'upstream_error', status: 503, message: 'The model is overloaded. Please try again later.', relayed: false },
      usage: { promptTokens: 6, completionTokens: 0 },
    },
  },
  mistral: {
    adapter: mistralAdapter,
    answer: {
      bytes: wireFixture('mistral', 'mistral-tool-call.1.sse'),
      content: 'Checking ',
      finishReason: 'tool_calls',
      servedModel: 'mistral-small-2506',
      usage: tokens({ promptTokens: 20, completionTokens: 15 }),
    },
    finishReason: {
      pattern: /"finish_reason":"tool_calls"/,
      format: (reason) => `"finish_reason":"${reason}"`,
      mapped: [
        ['stop', 'stop'],
        ['length', 'length'],
        ['model_length', 'length'],
        ['tool_calls', 'tool_calls'],
        ['content_filter', 'content_filter'],
      ],
    },
    finishEvent: '"finish_reason":"tool_calls"',
    byteCopy: false,
    cutShort: 'The upstream stream ended before the message was complete.',
    toolCalls: {
      bytes: wireFixture('mistral', 'mistral-tool-call.1.sse'),
      calls: [
        { id: 'D681PevKs', name: 'get_weather', arguments: '{"city": "Paris"}' },
        { id: 'x9Y8z7W6v', name: 'get_time', arguments: '{}' },
      ],
    },
    error: {
      bytes: wireFixture('mistral', 'mistral-text-error.1.sse'),
      content: 'Par',
      failure: {
        code: 'upstream_error',
        type: 'upstream_error',
        status: 502,
        message: 'The upstream provider stopped generating with an error.',
        relayed: false,
      },
      usage: { promptTokens: 7, completionTokens: 1 },
    },
  },
  'openai-compatible': {
    adapter: adapterForProvider({ kind: 'openai-compatible', slug: 'openai' }),
    answer: {
      bytes: wireFixture('openai-compatible', 'openai-text.1.sse'),
      content: 'Hello there.',
      finishReason: 'stop',
      servedModel: 'gpt-4o-mini-2024-07-18',
      usage: tokens({ promptTokens: 9, completionTokens: 3 }),
    },
    finishReason: {
      pattern: /"finish_reason":"stop"/,
      format: (reason) => `"finish_reason":"${reason}"`,
      mapped: OPENAI_FINISH_REASONS.map((reason) => [reason, reason]),
    },
    finishEvent: '"finish_reason":"stop"',
    byteCopy: true,
    cutShort: null,
    toolCalls: {
      bytes: wireFixture('openai-compatible', 'openai-tool-call.1.sse'),
      calls: [
        { id: 'call_weather1', name: 'get_weather', arguments: '{"city": "Paris"}' },
        { id: 'call_time2', name: 'get_time', arguments: '{"zone":"CET"}' },
      ],
    },
    error: {
      bytes: wireFixture('openai-compatible', 'openai-error.1.sse'),
      content: 'Partial',
      failure: {
        code: 'upstream_error',
        type: 'upstream_error',
        status: 502,
        message: 'The server had an error while processing your request.',
        relayed: true,
      },
      usage: null,
    },
  },
  minimax: {
    adapter: adapterForProvider({ kind: 'openai-compatible', slug: 'minimax' }),
    answer: {
      bytes: wireFixture('openai-compatible', 'minimax-think.1.sse'),
      content: 'Hello!',
      reasoning: '\nGreeting.\n',
      finishReason: 'stop',
      servedModel: 'MiniMax-M2',
      usage: tokens({ promptTokens: 10, completionTokens: 20 }),
    },
    finishReason: {
      pattern: /"finish_reason":"stop"/,
      format: (reason) => `"finish_reason":"${reason}"`,
      mapped: [
        ['stop', 'stop'],
        ['length', 'length'],
        ['tool_calls', 'tool_calls'],
      ],
    },
    finishEvent: '"finish_reason":"stop"',
    byteCopy: true,
    cutShort: null,
    error: {
      bytes: wireFixture('openai-compatible', 'minimax-error.1.sse'),
      content: 'Hi',
      failure: {
        code: 'invalid_request',
        type: 'invalid_request_error',
        status: 400,
        message: "The upstream provider's content filter refused the request: output new_sensitive (MiniMax status 1027)",
        relayed: false,
      },
      usage: null,
    },
  },
};

const translate = (contract: StreamContract, bytes: Buffer, options: { clientWantsUsage?: boolean; size?: number } = {}) =>
  translateStream(
    contract.adapter.createStreamTranslator({ created: 1700000000, clientWantsUsage: options.clientWantsUsage ?? false, model: REQUESTED_MODEL }),
    bytes,
    options.size,
  );

const choiceChunks = (chunks: ChunkJson[]) => chunks.filter((chunk) => Array.isArray(chunk.choices) && chunk.choices.length > 0);
const joined = (chunks: ChunkJson[], field: 'content' | 'reasoning') => chunks.map((chunk) => chunk.choices[0]?.delta[field] ?? '').join('');

/** The bytes before the event holding `marker` (events end with a blank line, `\n\n` or `\r\n\r\n`). */
function cutBefore(bytes: Buffer, marker: string): Buffer {
  const text = bytes.toString('utf8');
  const at = text.indexOf(marker);
  const eventStart = Math.max(text.lastIndexOf('\n\n', at) + 2, text.lastIndexOf('\r\n\r\n', at) + 4);
  return Buffer.from(text.slice(0, eventStart));
}

/** The answer's first event with its JSON cut in half: framing intact, data unreadable. */
function malformedEvent(bytes: Buffer): Buffer {
  const first = /^([\s\S]*?data: ?)(\{.*?\})(\r?\n\r?\n)/.exec(bytes.toString('utf8'))!;
  return Buffer.from(`${first[1]}${first[2]!.slice(0, first[2]!.length / 2)}${first[3]}`);
}

describe.each(Object.entries(contracts))('the %s stream translator', (_name, contract) => {
  it('sends a role chunk first, the text, one finish chunk with an OpenAI finish reason, then [DONE]; and reports what it metered', () => {
    const { chunks, events, translator } = translate(contract, contract.answer.bytes);
    expect(chunks[0]?.choices[0]?.delta).toMatchObject({ role: 'assistant' });
    for (const chunk of chunks) expect(chunk).toMatchObject({ object: 'chat.completion.chunk', id: chunks[0]!.id, model: REQUESTED_MODEL });
    expect(joined(chunks, 'content')).toBe(contract.answer.content);
    if (contract.answer.reasoning !== undefined) expect(joined(chunks, 'reasoning')).toBe(contract.answer.reasoning);
    // (MiniMax leaves finish_reason out until the end, and the byte copy keeps that.)
    const finishes = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.finish_reason ?? null)).filter((reason) => reason !== null);
    expect(finishes).toEqual([contract.answer.finishReason]);
    expect(choiceChunks(chunks).at(-1)?.choices[0]?.finish_reason).toBe(contract.answer.finishReason);
    expect(OPENAI_FINISH_REASONS).toContain(contract.answer.finishReason);
    expect(events.at(-1)).toBe('[DONE]');
    expect(events.filter((event) => event === '[DONE]')).toHaveLength(1);
    expect(translator.failure).toBeNull();
    expect(translator).toMatchObject({ finishReason: contract.answer.finishReason, servedModel: contract.answer.servedModel });
    expect(translator.usage?.usage).toEqual(contract.answer.usage);
  });

  it('gives the client the same bytes however the upstream bytes were cut', () => {
    for (const bytes of [contract.answer.bytes, contract.error.bytes, ...(contract.toolCalls ? [contract.toolCalls.bytes] : [])]) {
      const whole = translate(contract, bytes, { clientWantsUsage: true }).text;
      for (const size of [1, 7, 64]) expect(translate(contract, bytes, { clientWantsUsage: true, size }).text).toBe(whole);
    }
  });

  it('maps every upstream finish reason to the OpenAI one, for the client and for metering', () => {
    for (const [upstream, openai] of contract.finishReason.mapped) {
      const bytes = Buffer.from(contract.answer.bytes.toString('utf8').replace(contract.finishReason.pattern, contract.finishReason.format(upstream)));
      const { chunks, translator } = translate(contract, bytes);
      expect([upstream, choiceChunks(chunks).at(-1)?.choices[0]?.finish_reason]).toEqual([upstream, openai]);
      expect([upstream, translator.finishReason]).toEqual([upstream, openai]);
    }
  });

  it('ends with the usage-only chunk the client asked for, in the OpenAI shape of the metered usage, `usage: null` on every other chunk', () => {
    const { chunks, translator } = translate(contract, contract.answer.bytes, { clientWantsUsage: true });
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    const metered = translator.usage!.usage;
    expect(last.usage).toMatchObject({
      prompt_tokens: metered.promptTokens,
      completion_tokens: metered.completionTokens,
      total_tokens: metered.promptTokens + metered.completionTokens,
    });
    if (!contract.byteCopy) {
      expect(last.usage).toMatchObject({
        prompt_tokens_details: { cached_tokens: metered.cacheReadTokens, cache_write_tokens: metered.cacheWriteTokens },
        completion_tokens_details: { reasoning_tokens: metered.reasoningTokens },
      });
    }
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
    // A translator holds the usage chunk back with [DONE], so it goes out only once the usage event is durable.
    if (!contract.byteCopy)
      expect(Buffer.from(translator.finalBytes!).toString()).toMatch(/^data: \{[^\n]*"choices":\[\],"usage":\{[^\n]*\}\}\n\ndata: \[DONE\]\n\n$/);
  });

  it('sends no usage chunk when the client did not ask, yet meters the usage', () => {
    const { chunks, text, translator } = translate(contract, contract.answer.bytes);
    expect(chunks.every((chunk) => chunk.choices.length > 0 && (chunk.usage ?? null) === null)).toBe(true);
    // A translating adapter writes its chunks itself: no usage field at all, as OpenAI without include_usage.
    if (!contract.byteCopy) expect(text).not.toContain('"usage"');
    expect(translator.usage?.usage).toEqual(contract.answer.usage);
  });

  it('ends a stream the upstream failed mid-way with the upstream error, relaying the text before it and nothing after, usage kept', () => {
    const { chunks, translator, events } = translate(contract, Buffer.concat([contract.error.bytes, contract.answer.bytes]));
    expect(joined(choiceChunks(chunks), 'content')).toBe(contract.error.content);
    expect(translator.finalBytes).toBeNull();
    expect(events).not.toContain('[DONE]');
    const { error, relayed } = translator.failure!;
    const { code, type, message } = contract.error.failure;
    expect(error.toEnvelope()).toEqual({ error: { code, type, message, param: null } });
    expect({ code: error.code, type, status: error.status, message: error.message, relayed }).toEqual(contract.error.failure);
    // No chunk says the answer finished.
    expect(chunks.flatMap((chunk) => chunk.choices ?? []).filter((choice) => (choice.finish_reason ?? null) !== null)).toEqual([]);
    // A relayed failure's frame is the last event the client got; otherwise only the text went out (the pipeline sends the error frame).
    if (relayed) expect(chunks.at(-1)?.error).toBeTypeOf('object');
    else expect(choiceChunks(chunks)).toEqual(chunks);
    if (contract.error.usage === null) expect(translator.usage).toBeNull();
    else expect(translator.usage?.usage).toMatchObject(contract.error.usage);
  });

  it('never throws on a malformed event: a translator fails and reads nothing after it, the byte copy relays it untouched', () => {
    const malformed = malformedEvent(contract.answer.bytes);
    const { text, translator } = translate(contract, Buffer.concat([malformed, contract.answer.bytes]));
    if (contract.byteCopy) {
      expect(translator.failure).toBeNull();
      expect(text.startsWith(malformed.toString('utf8'))).toBe(true);
    } else {
      expect(translator.failure?.error.message).toBe(MALFORMED);
      expect(text).toBe('');
    }
  });

  it('never throws on a stream cut short: a translator fails and sends no [DONE], the byte copy ends as the upstream did', () => {
    const cut = cutBefore(contract.answer.bytes, contract.finishEvent);
    expect(cut.length).toBeGreaterThan(0);
    for (const bytes of [cut, Buffer.alloc(0)]) {
      const { translator, events } = translate(contract, bytes);
      expect(translator.finalBytes).toBeNull();
      expect(events).not.toContain('[DONE]');
      expect(translator.failure?.error.message ?? null).toBe(contract.cutShort);
    }
  });
});

const withToolCalls = Object.entries(contracts).flatMap(([name, contract]) =>
  contract.toolCalls === undefined ? [] : [[name, contract, contract.toolCalls] as const],
);

describe.each(withToolCalls)('the %s stream translator with tool calls', (_name, contract, toolCalls) => {
  it('streams tool calls an SDK assembles: an index and a function object on every delta, the id and name first', () => {
    const { chunks, translator } = translate(contract, toolCalls.bytes);
    const calls: Array<{ id: string; name: string; arguments: string }> = [];
    for (const delta of chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])) {
      expect(delta.index).toBeTypeOf('number');
      expect(delta.function).toBeTypeOf('object');
      if (calls[delta.index] === undefined) {
        expect(delta).toMatchObject({ id: expect.any(String), type: 'function', function: { name: expect.any(String) } });
        calls[delta.index] = { id: delta.id!, name: delta.function!.name!, arguments: '' };
      }
      calls[delta.index]!.arguments += delta.function!.arguments ?? '';
    }
    expect(calls).toEqual(toolCalls.calls);
    expect(translator.finishReason).toBe('tool_calls');
  });
});
