// The OpenAI-compatible byte copy's model replacement across a stream's events: every event names the
// requested model, byte for byte as the upstream framed the rest, and an event the scan cannot read safely
// (a second top-level model, an escaped key) is relayed as it came, whatever the events before it were.
import { describe, expect, it } from 'vitest';
import { REQUESTED_MODEL } from '../../testing/translate-stream.ts';
import { OpenAICompatibleStreamTranslator } from './openai-compatible-stream-translator.ts';

function relay(events: string[]): string[] {
  const translator = new OpenAICompatibleStreamTranslator({ created: 1, clientWantsUsage: true, model: REQUESTED_MODEL });
  return events.map((event) => {
    const output: Uint8Array[] = [];
    translator.push(Buffer.from(event), output);
    return output.map((bytes) => Buffer.from(bytes).toString('utf8')).join('');
  });
}

const chunk = (rest: string, id = 'c1') => `data: {"id":"${id}","object":"chat.completion.chunk","created":5,"model":"served-1",${rest}}\n\n`;
const requested = (event: string) => event.replace('"model":"served-1"', `"model":${JSON.stringify(REQUESTED_MODEL)}`);

describe('OpenAICompatibleStreamTranslator, the model of each event', () => {
  it('names the requested model in every event, the other bytes as the upstream sent them', () => {
    const events = [
      chunk('"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]'),
      chunk('"choices":[{"index":0,"delta":{"content":"Hé \\"1\\""},"finish_reason":null}]'),
      chunk('"choices":[{"index":0,"delta":{"content":"2"},"finish_reason":null}] , "system_fingerprint":"fp"'),
      chunk('"choices":[{"index":0,"delta":{"content":"3"},"finish_reason":null}]', 'c2'),
      chunk('"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]'),
    ];
    expect(relay(events)).toEqual(events.map(requested));
  });

  it('replaces it past brackets, braces and a "model" in strings or nested objects of the bytes after it', () => {
    const events = [
      chunk('"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]'),
      chunk('"choices":[{"index":0,"delta":{"content":"}]}{[ model"},"finish_reason":null}]'),
      chunk('"choices":[{"index":0,"delta":{"content":"model"},"finish_reason":null}]'),
      chunk('"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}],"meta":{"model":"inner"}'),
      chunk('"choices":[{"index":0,"delta":{"content":"\\\\ \\"}\\""},"finish_reason":null}]'),
      chunk('"choices":[{"index":0,"delta":{"content":"y"},"finish_reason":null}]'),
    ];
    expect(relay(events)).toEqual(events.map(requested));
  });

  it('relays an event it cannot read safely as it came, after events it replaced', () => {
    const plain = chunk('"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]');
    const twice = chunk('"choices":[{"index":0,"delta":{"content":"b"},"finish_reason":null}],"model":"served-2"');
    const escapedKey = chunk('"choices":[{"index":0,"delta":{"content":"c"},"finish_reason":null}],"mod\\u0065l":"x"');
    const unclosed = chunk('"choices":[{"index":0,"delta":{"content":"d"}').replace(/}\n\n$/, '\n\n');
    expect(relay([plain, twice, plain, escapedKey, plain, unclosed, plain])).toEqual([
      requested(plain),
      twice,
      requested(plain),
      escapedKey,
      requested(plain),
      unclosed,
      requested(plain),
    ]);
  });
});

describe('OpenAICompatibleStreamTranslator, what the events report', () => {
  it('finds a usage object in the bytes the events repeat too: a usage-only chunk is still dropped', () => {
    const translator = new OpenAICompatibleStreamTranslator({ created: 1, clientWantsUsage: false, model: REQUESTED_MODEL });
    const head = 'data: {"id":"c1","usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5},"model":"served-1",';
    const relayed = [`${head}"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}\n\n`, `${head}"choices":[]}\n\n`].map((event) => {
      const output: Uint8Array[] = [];
      translator.push(Buffer.from(event), output);
      return output.length;
    });
    expect(relayed).toEqual([1, 0]);
    expect(translator.usage?.usage.completionTokens).toBe(2);
  });
});
