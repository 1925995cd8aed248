// Mistral-only translation; what every adapter owes a client is in ../stream-translator-contract.test.ts.
import { describe, expect, it } from 'vitest';
import { translateStream, wireFixture, REQUESTED_MODEL } from '../../testing/translate-stream.ts';
import { mistralFimAdapter } from './mistral-fim-adapter.ts';
import { MistralStreamTranslator } from './mistral-stream-translator.ts';

// Every chunk names the requested model, not Mistral's `mistral-small-2506` (still metered as the served one).
const head = '{"id":"s9","object":"chat.completion.chunk","created":1732000002,"model":"gateway/requested-model"';

describe('MistralStreamTranslator', () => {
  it('numbers whole tool calls in order, moves usage to a usage-only chunk before [DONE], and says usage: null when asked', () => {
    const translator = new MistralStreamTranslator({ created: 1, clientWantsUsage: true, model: REQUESTED_MODEL });
    expect(translateStream(translator, wireFixture('mistral', 'mistral-tool-call.1.sse')).text).toBe(
      `data: ${head},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null,"logprobs":null}],"usage":null}\n\n` +
        `data: ${head},"choices":[{"index":0,"delta":{"content":"Checking "},"finish_reason":null,"logprobs":null}],"usage":null}\n\n` +
        `data: ${head},"choices":[{"index":0,"delta":{"tool_calls":[{"id":"D681PevKs","function":{"name":"get_weather","arguments":"{\\"city\\": \\"Paris\\"}"},"index":0,"type":"function"}]},"finish_reason":null,"logprobs":null}],"usage":null}\n\n` +
        `data: ${head},"choices":[{"index":0,"delta":{"tool_calls":[{"id":"x9Y8z7W6v","function":{"name":"get_time","arguments":"{}"},"index":1,"type":"function"}]},"finish_reason":null,"logprobs":null}],"usage":null}\n\n` +
        `data: ${head},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"tool_calls","logprobs":null}],"usage":null}\n\n` +
        `data: ${head},"choices":[],"usage":{"prompt_tokens":20,"completion_tokens":15,"total_tokens":35,"prompt_tokens_details":{"cached_tokens":0,"cache_write_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}\n\ndata: [DONE]\n\n`,
    );
    expect(Buffer.from(translator.finalBytes!).toString('utf8')).toMatch(
      /^data: [^\n]*"choices":\[\],"usage":\{"prompt_tokens":20,[^\n]*\n\ndata: \[DONE\]\n\n$/,
    );
  });

  it("streams Magistral's thinking content chunks as delta.reasoning and its text as delta.content", () => {
    const { chunks, translator } = translateStream(
      new MistralStreamTranslator({ created: 1, clientWantsUsage: false, model: REQUESTED_MODEL }),
      wireFixture('mistral', 'mistral-reasoning.1.sse'),
    );
    expect(chunks.map((chunk) => chunk.choices[0]?.delta)).toEqual([
      { role: 'assistant', content: '' },
      { content: '', reasoning: 'The user greets me.' },
      { content: 'Hello' },
      { content: '!' },
      { content: '' },
    ]);
    expect(translator).toMatchObject({ finishReason: 'stop', servedModel: 'magistral-small-2509' });
  });
});

describe('mistralFimAdapter stream', () => {
  it("relays Codestral's stream byte for byte but for the requested model's name, holding back only [DONE], and meters its last-chunk usage", () => {
    const fixture = wireFixture('mistral', 'mistral-fim.1.sse');
    const translator = mistralFimAdapter.createStreamTranslator({ created: 1, clientWantsUsage: false, model: REQUESTED_MODEL });
    expect(translateStream(translator, fixture).text).toBe(
      fixture.toString('utf8').replaceAll('"model":"codestral-2501"', '"model":"gateway/requested-model"'),
    );
    expect(Buffer.from(translator.finalBytes!).toString('utf8')).toBe('data: [DONE]\n\n');
    expect(translator).toMatchObject({ finishReason: 'model_length', servedModel: 'codestral-2501' });
    expect(translator.usage?.usage).toMatchObject({ promptTokens: 9, completionTokens: 3 });
  });
});
