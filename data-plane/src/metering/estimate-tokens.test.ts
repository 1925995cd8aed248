import { describe, expect, it } from 'vitest';
import { collectGeneratedText } from './collect-generated-text.ts';
import { CompletionText } from './completion-text.ts';
import { countTokens, EXACT_CHARACTERS } from './count-tokens.ts';
import { estimatePromptTokens, IMAGE_PART_TOKENS_UPPER_BOUND, promptTokensUpperBound } from './estimate-prompt-tokens.ts';
import { LongString, READER_MIN_BYTES, memberOf, readJsonBytes } from '../http/read-json-bytes.ts';

describe('countTokens (o200k_base)', () => {
  it('counts as OpenAI does for GPT-4o-family models', () => {
    expect(countTokens('hello world')).toBe(2);
    expect(countTokens('')).toBe(0);
  });

  it('treats special-token text a client sent as ordinary characters instead of throwing', () => {
    expect(countTokens('<|endoftext|>')).toBeGreaterThan(1);
  });

  it('estimates text longer than EXACT_CHARACTERS from slices spread over it, within a few percent', () => {
    const prose = 'The committee met on Tuesday to discuss the budget, and agreed to revisit it in spring. ';
    const code = 'for (let index = 0; index < items.length; index++) { total += items[index].price * 1.2; }\n';
    const text = prose.repeat(1_500) + code.repeat(1_500);
    expect(text.length).toBeGreaterThan(4 * EXACT_CHARACTERS);
    const exact = countTokens(prose.repeat(300)) * 5 + countTokens(code.repeat(300)) * 5;
    expect(Math.abs(countTokens(text) - exact) / exact).toBeLessThan(0.03);
  });
});

describe('estimatePromptTokens', () => {
  const messages = [
    { role: 'system', content: 'You are terse.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is the weather in Paris?' },
        { type: 'image_url', image_url: { url: 'https://example.test/a.png' } },
      ],
    },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: '18 degrees, sunny' },
  ];
  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];

  it('is 3 tokens of framing per message, 3 to prime the reply, and the text of roles, content, tool calls and tool definitions', () => {
    const text = [
      'system',
      'You are terse.',
      'user',
      'What is the weather in Paris?',
      'assistant',
      'get_weather',
      '{"city":"Paris"}',
      'tool',
      '18 degrees, sunny',
      JSON.stringify(tools),
    ].join('\n');
    expect(estimatePromptTokens(messages, tools)).toBe(3 * 4 + 3 + countTokens(text));
    expect(estimatePromptTokens(messages)).toBeLessThan(estimatePromptTokens(messages, tools));
  });

  it('has a byte-count upper bound that is never below it', () => {
    const samples = [messages, [{ role: 'user', content: 'Grüße aus Köln — 東京 🌸 '.repeat(50) }], [{ role: 'user', content: 'a'.repeat(10_000) }]];
    for (const sample of samples) expect(promptTokensUpperBound(sample, tools)).toBeGreaterThanOrEqual(estimatePromptTokens(sample, tools));
  });

  it('counts images, audio and files in the upper bound at their worst (issue 13, defect 3)', () => {
    const text = { type: 'text', text: 'what is this?' };
    const bound = (part: unknown) =>
      promptTokensUpperBound([{ role: 'user', content: [text, part] }]) - promptTokensUpperBound([{ role: 'user', content: [text] }]);
    expect(bound({ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } })).toBe(IMAGE_PART_TOKENS_UPPER_BOUND);
    const audio = 'A'.repeat(100_000);
    expect(bound({ type: 'input_audio', input_audio: { data: audio, format: 'wav' } })).toBe(100_000 + 'wav'.length);
    expect(bound({ type: 'file', file: { file_id: 'file-abc' } })).toBe(IMAGE_PART_TOKENS_UPPER_BOUND);
  });
});

describe('CompletionText', () => {
  const appendEscaped = (text: CompletionText, escaped: string) => {
    const wire = Buffer.from(`"${escaped}"`);
    text.appendJsonString(wire, 1, wire.length - 1);
  };

  it('counts the unescaped text of every part, only when asked', () => {
    const text = new CompletionText();
    appendEscaped(text, 'Line one');
    appendEscaped(text, '\\nLine \\u0074wo \\"quoted\\"');
    expect(text.estimateTokens()).toBe(countTokens('Line one\nLine two "quoted"'));
  });

  it('keeps at most 256 KiB and scales the count of what it kept to every byte seen', () => {
    const text = new CompletionText();
    const part = 'lorem ipsum dolor sit amet '.repeat(400); // 10,800 bytes
    for (let index = 0; index < 40; index += 1) appendEscaped(text, part); // 432,000 bytes: 24 parts kept
    expect(text.bytes).toBe(432_000);
    expect(text.estimateTokens()).toBe(Math.ceil((countTokens(part.repeat(24)) * 40) / 24));
  });
});

describe('collectGeneratedText', () => {
  const collected = (wire: string) => {
    const text = new CompletionText();
    collectGeneratedText(Buffer.from(wire), text);
    return text.estimateTokens();
  };

  it("reads Anthropic's natively relayed text, thinking and tool-input deltas", () => {
    expect(collected('event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello there"}}\n\n')).toBe(
      countTokens('Hello there'),
    );
    expect(collected('data: {"type":"content_block_delta","index":1,"delta":{"type":"thinking_delta","thinking":"Let me see"}}\n\n')).toBe(
      countTokens('Let me see'),
    );
    expect(collected('data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\""}}\n\n')).toBe(
      countTokens('{"city"'),
    );
  });

  it('counts only the deltas of a Responses stream, not the done events that repeat them', () => {
    expect(collected('event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_1","delta":"Hi there"}\n\n')).toBe(
      countTokens('Hi there'),
    );
    expect(collected('event: response.output_text.done\ndata: {"type":"response.output_text.done","item_id":"msg_1","text":"Hi there"}\n\n')).toBe(0);
  });

  it('ignores null content and the delta objects of chat chunks', () => {
    expect(collected('data: {"choices":[{"index":0,"delta":{"role":"assistant","content":null},"finish_reason":null}]}\n\n')).toBe(0);
  });
});

describe('countTokens on inputs that make BPE slow', () => {
  it('counts a long run without whitespace in slices, so the tokenizer never works on the whole run', () => {
    const run = 'x'.repeat(128);
    // 1 MiB: the first 256 Ki characters (2048 slices) are counted and scaled by 4.
    expect(countTokens('x'.repeat(1 << 20))).toBe(countTokens(run) * 2048 * 4);
    expect(countTokens(`hello ${run}${run} world`)).toBe(countTokens('hello ') + 2 * countTokens(run) + countTokens(' world'));
  });
});

/** The strings of `value` still left in the bytes. */
function longStrings(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let count = 0;
  for (const key of Object.keys(value)) {
    const member = memberOf(value, key);
    count += member instanceof LongString ? 1 : longStrings(member);
  }
  return count;
}

describe('prompt estimates of a body read in its bytes (http/read-json-bytes.ts)', () => {
  it('equal those of the same body parsed with JSON.parse, and leave its long strings unbuilt for the bound', () => {
    // Escapes no denser than every 16 bytes or so: denser ones make the reader decline.
    const long = (text: string) => `${text} and a good many plain words after it `.repeat(READER_MIN_BYTES / text.length);
    const bodies = [
      { content: long('plain words '), name: null },
      { content: long('caf\\u00e9 ✓ and words \\n then \\"q\\" and words \\uD83D\\uDE00 more words \\uD800 😀 and words '), name: '"n\\u00e9"' },
      {
        content: `[{"type":"text","text":"${long('part of a text in plain words \\t ')}"},{"type":"input_audio","input_audio":{"data":"${long('QUJD')}","format":"wav"}},{"type":"image_url","image_url":{"url":"x"}}]`,
        name: null,
      },
    ];
    for (const { content, name } of bodies) {
      const value = content.startsWith('[') ? content : `"${content}"`;
      const text = `{"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user"${name === null ? '' : `,"name":${name}`},"content":${value}},{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"${long('{\\"key\\":\\"a value in plain words\\"} ')}"}}]}],"tools":[{"type":"function","function":{"name":"f"}}]}`;
      const parsed = JSON.parse(text) as { messages: unknown[]; tools: unknown };
      const read = readJsonBytes(Buffer.from(text), 128)?.value as { messages: unknown[]; tools: unknown };
      const unbuilt = longStrings(read);
      expect(promptTokensUpperBound(read.messages, read.tools)).toBe(promptTokensUpperBound(parsed.messages, parsed.tools));
      expect(unbuilt).toBeGreaterThanOrEqual(2);
      expect(longStrings(read)).toBe(unbuilt);
      const again = readJsonBytes(Buffer.from(text), 128)?.value as { messages: unknown[]; tools: unknown };
      expect(estimatePromptTokens(again.messages, again.tools)).toBe(estimatePromptTokens(parsed.messages, parsed.tools));
    }
  });
});
