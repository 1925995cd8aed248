import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SseEventSplitter } from '../split-sse-events.ts';
import { mistralFimAdapter } from './mistral-fim-adapter.ts';
import { MistralStreamTranslator } from './mistral-stream-translator.ts';
import type { StreamTranslator } from '../provider-adapter.ts';

function run(translator: StreamTranslator, fixtureName: string): string {
  const output: Uint8Array[] = [];
  for (const event of new SseEventSplitter().push(readFileSync(new URL(`./__fixtures__/${fixtureName}`, import.meta.url)))) translator.push(event, output);
  translator.end();
  return Buffer.concat(output).toString('utf8');
}

const head = '{"id":"s9","object":"chat.completion.chunk","created":1732000002,"model":"mistral-small-2506"';

describe('MistralStreamTranslator', () => {
  it('numbers whole tool calls in order, moves usage to a usage-only chunk before [DONE], and says usage: null when asked', () => {
    const translator = new MistralStreamTranslator({ created: 1, clientWantsUsage: true });
    expect(run(translator, 'mistral-tool-call.1.sse')).toBe(
      `data: ${head},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null,"logprobs":null}],"usage":null}\n\n` +
        `data: ${head},"choices":[{"index":0,"delta":{"content":"Checking "},"finish_reason":null,"logprobs":null}],"usage":null}\n\n` +
        `data: ${head},"choices":[{"index":0,"delta":{"tool_calls":[{"id":"D681PevKs","function":{"name":"get_weather","arguments":"{\\"city\\": \\"Paris\\"}"},"index":0,"type":"function"}]},"finish_reason":null,"logprobs":null}],"usage":null}\n\n` +
        `data: ${head},"choices":[{"index":0,"delta":{"tool_calls":[{"id":"x9Y8z7W6v","function":{"name":"get_time","arguments":"{}"},"index":1,"type":"function"}]},"finish_reason":null,"logprobs":null}],"usage":null}\n\n` +
        `data: ${head},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"tool_calls","logprobs":null}],"usage":null}\n\n`,
    );
    expect(Buffer.from(translator.finalBytes!).toString('utf8')).toBe(
      `data: ${head},"choices":[],"usage":{"prompt_tokens":20,"completion_tokens":15,"total_tokens":35,"prompt_tokens_details":{"cached_tokens":0,"cache_write_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}\n\ndata: [DONE]\n\n`,
    );
    expect(translator).toMatchObject({ finishReason: 'tool_calls', servedModel: 'mistral-small-2506', failure: null });
    expect(translator.usage?.usage).toMatchObject({ promptTokens: 20, completionTokens: 15 });
  });

  it('sends no usage at all when the client did not ask', () => {
    const translator = new MistralStreamTranslator({ created: 1, clientWantsUsage: false });
    expect(run(translator, 'mistral-tool-call.1.sse')).not.toContain('usage');
    expect(Buffer.from(translator.finalBytes!).toString('utf8')).toBe('data: [DONE]\n\n');
    expect(translator.usage?.usage.completionTokens).toBe(15);
  });

  it('relays the text before a finish_reason of error, then fails with usage kept', () => {
    const translator = new MistralStreamTranslator({ created: 1, clientWantsUsage: false });
    const output = run(translator, 'mistral-text-error.1.sse');
    expect(output).toContain('"delta":{"content":"Par"},"finish_reason":null');
    expect(translator.finalBytes).toBeNull();
    expect(translator.failure?.error.toEnvelope().error).toMatchObject({
      code: 'upstream_error',
      message: 'The upstream provider stopped generating with an error.',
    });
    expect(translator.usage?.usage.promptTokens).toBe(7);
  });

  it('fails on a malformed event and on a stream cut before any finish reason', () => {
    const malformed = new MistralStreamTranslator({ created: 1, clientWantsUsage: false });
    malformed.push(Buffer.from('data: {"choices":[\n\n'), []);
    expect(malformed.failure?.error.message).toBe('The upstream provider sent a malformed stream event.');
    const cut = new MistralStreamTranslator({ created: 1, clientWantsUsage: false });
    cut.push(Buffer.from('data: {"id":"x","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}\n\n'), []);
    cut.end();
    expect(cut.failure?.error.message).toBe('The upstream stream ended before the message was complete.');
  });
});

describe('mistralFimAdapter stream', () => {
  it("relays Codestral's stream byte for byte, holding back only [DONE], and meters its last-chunk usage", () => {
    const fixture = readFileSync(new URL('./__fixtures__/mistral-fim.1.sse', import.meta.url), 'utf8');
    const translator = mistralFimAdapter.createStreamTranslator({ created: 1, clientWantsUsage: false });
    expect(run(translator, 'mistral-fim.1.sse')).toBe(fixture.replace('data: [DONE]\n\n', ''));
    expect(Buffer.from(translator.finalBytes!).toString('utf8')).toBe('data: [DONE]\n\n');
    expect(translator).toMatchObject({ finishReason: 'model_length', servedModel: 'codestral-2501' });
    expect(translator.usage?.usage).toMatchObject({ promptTokens: 9, completionTokens: 3 });
  });
});
