import { REQUESTED_MODEL } from '../testing/translate-stream.ts';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnthropicStreamTranslator } from '../providers/anthropic/anthropic-stream-translator.ts';
import { GeminiStreamTranslator } from '../providers/gemini/gemini-stream-translator.ts';
import { OpenAICompatibleStreamTranslator } from '../providers/openai-compatible/openai-compatible-stream-translator.ts';
import type { StreamTranslator, TranslationContext, UnifiedUsage, UpstreamOperation } from '../providers/provider-adapter.ts';
import { redactingOperation } from '../pipeline/redact-credentials.ts';
import { SseEventSplitter } from '../providers/split-sse-events.ts';
import { CompletionText } from './completion-text.ts';
import { countTokens } from './count-tokens.ts';
import { MeteredChunkStream } from './meter-chunk-stream.ts';

const fixture = (path: string) => readFileSync(new URL(`../providers/${path}`, import.meta.url));
const context = { created: 1700000000, clientWantsUsage: true, model: REQUESTED_MODEL };
// What the pipeline would say: here 1 µ$ per prompt token, so the cost shows which usage was priced.
const oneMicroPerPromptToken = {
  usageChunkFields: (usage: UnifiedUsage) => ({
    usage: { cost_microdollars: usage.usage.promptTokens },
    chunk: { ttft_ms: 12.5, latency_ms: 40 },
  }),
};

function run(inner: StreamTranslator, bytes: Buffer) {
  const text = new CompletionText();
  const metered = new MeteredChunkStream(inner, text, oneMicroPerPromptToken);
  const splitter = new SseEventSplitter();
  const output: Uint8Array[] = [];
  for (const event of splitter.push(bytes)) metered.push(event, output);
  const rest = splitter.rest();
  if (rest !== null) metered.push(rest, output);
  metered.end();
  const final = metered.finalBytes === null ? '' : Buffer.from(metered.finalBytes).toString();
  const wire = Buffer.concat(output).toString() + final;
  const chunks = wire
    .split('\n\n')
    .filter((event) => event.startsWith('data: {'))
    .map((event) => JSON.parse(event.slice('data: '.length)) as Record<string, unknown>);
  return { wire, chunks, text, metered };
}

describe('MeteredChunkStream', () => {
  it('adds the cost and timings to the usage chunk a translator writes as it goes (Anthropic, at message_stop)', () => {
    const { chunks, wire, text } = run(new AnthropicStreamTranslator(context), fixture('anthropic/__fixtures__/anthropic-text.1.sse'));
    const usageChunk = chunks.find((chunk) => Array.isArray(chunk.choices) && chunk.choices.length === 0);
    expect(usageChunk).toMatchObject({ ttft_ms: 12.5, latency_ms: 40, usage: { prompt_tokens: 100, completion_tokens: 12, cost_microdollars: 100 } });
    // Content chunks carry `usage: null` and are left byte for byte as the translator wrote them.
    expect(wire).toContain('"delta":{"content":"Hel"},"finish_reason":null,"logprobs":null}],"usage":null}');
    expect(wire.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(text.estimateTokens()).toBe(countTokens('Hello there.'));
  });

  it('adds them to a usage chunk held back with [DONE] (Gemini)', () => {
    const { chunks, metered } = run(new GeminiStreamTranslator(context), fixture('gemini/__fixtures__/gemini-text.1.sse'));
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 6, completion_tokens: 3, cost_microdollars: 6 }, ttft_ms: 12.5 });
    expect(Buffer.from(metered.finalBytes!).toString().endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it("rewrites an OpenAI-compatible upstream's own usage-only chunk, keeping its fields", () => {
    const upstream = Buffer.from(
      'data: {"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hi \\"there\\""},"finish_reason":"stop"}]}\n\n' +
        'data: {"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10},"system_fingerprint":"fp_1"}\n\n' +
        'data: [DONE]\n\n',
    );
    const { chunks, text } = run(new OpenAICompatibleStreamTranslator(context), upstream);
    expect(chunks[1]).toEqual({
      id: 'c1',
      object: 'chat.completion.chunk',
      // The requested id, not the upstream's gpt-4o-mini.
      model: REQUESTED_MODEL,
      choices: [],
      usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10, cost_microdollars: 7 },
      system_fingerprint: 'fp_1',
      ttft_ms: 12.5,
      latency_ms: 40,
    });
    // The escaped quotes are text the model wrote: counted unescaped.
    expect(text.estimateTokens()).toBe(countTokens('Hi "there"'));
  });

  it('keeps the text of a stream cut before any usage, for the estimate', () => {
    const cut = Buffer.from(
      'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"reasoning_content":"Think first."},"finish_reason":null}]}\n\n' +
        'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\":"}}]},"finish_reason":null}]}\n\n',
    );
    const { metered, text } = run(new OpenAICompatibleStreamTranslator(context), cut);
    expect(metered.usage).toBeNull();
    expect(text.estimateTokens()).toBe(countTokens('Think first.{"city":'));
  });

  it('counts the text of chunks whose model was replaced, through the key-redacting wrapper, and of an error frame as it was cleaned', () => {
    const secret = 'sk-live-0123456789abcdefghij';
    const operation = {
      createStreamTranslator: (translation: TranslationContext) => new OpenAICompatibleStreamTranslator(translation),
    } as unknown as UpstreamOperation<unknown>;
    const translator = redactingOperation(operation, secret).createStreamTranslator!(context);
    const upstream = Buffer.from(
      'data: {"id":"c1","object":"chat.completion.chunk","model":"upstream-model","choices":[{"index":0,"delta":{"content":"Bonjour"},"finish_reason":null}]}\n\n' +
        'data: {"id":"c1","object":"chat.completion.chunk","model":"upstream-model","choices":[{"index":0,"delta":{"content":" le monde"},"finish_reason":null}]}\n\n' +
        `data: {"error":{"message":"bad key","text":"${secret}"}}\n\n`,
    );
    const { wire, text } = run(translator, upstream);
    expect(wire).toContain(`"model":${JSON.stringify(REQUESTED_MODEL)},"choices":[{"index":0,"delta":{"content":" le monde"}`);
    expect(wire).not.toContain(secret);
    expect(text.estimateTokens()).toBe(countTokens('Bonjour le monde[redacted]'));
  });
});
