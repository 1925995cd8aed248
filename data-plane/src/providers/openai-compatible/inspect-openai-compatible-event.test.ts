import { describe, expect, it } from 'vitest';
import { convertOpenAICompatibleUsage } from './convert-openai-compatible-usage.ts';
import { inspectOpenAICompatibleEvent } from './inspect-openai-compatible-event.ts';

const inspect = (text: string) => inspectOpenAICompatibleEvent(Buffer.from(text));

describe('inspectOpenAICompatibleEvent', () => {
  it('relays a content chunk without parsing it', () => {
    const result = inspect('data: {"id":"c","choices":[{"index":0,"delta":{"content":"Hel\\"lo"},"finish_reason":null}],"usage":null}\n\n');
    expect(result).toMatchObject({ kind: 'chunk', usage: null, finishReason: null });
  });

  it('finds keys after multi-byte text', () => {
    const result = inspect('data: {"choices":[{"index":0,"delta":{"content":"héllo ✓"},"finish_reason":"stop"}]}\n\n');
    expect(result).toMatchObject({ kind: 'chunk', finishReason: 'stop' });
  });

  it('reads the finish reason', () => {
    expect(inspect('data: {"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}\n\n')).toMatchObject({ kind: 'chunk', finishReason: 'tool_calls' });
  });

  it('recognises the usage-only chunk and reads usage with cache and reasoning details', () => {
    const result = inspect(
      'data: {"model":"gpt-x","choices":[],"usage": {"prompt_tokens":10,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":4,"cache_write_tokens":2},"completion_tokens_details":{"reasoning_tokens":3}}}\r\n\r\n',
    );
    expect(result.kind).toBe('usage-only');
    expect(result.model).toBe('gpt-x');
    expect(result.usage?.usage).toEqual({ promptTokens: 10, completionTokens: 5, cacheReadTokens: 4, cacheWriteTokens: 2, reasoningTokens: 3 });
  });

  it('treats usage on a chunk with choices as a normal chunk', () => {
    const result = inspect('data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2}}\n\n');
    expect(result).toMatchObject({ kind: 'chunk', finishReason: 'stop' });
    expect(result.usage?.usage.completionTokens).toBe(2);
  });

  it('recognises [DONE], upstream error frames, comments and multi-line data', () => {
    expect(inspect('data: [DONE]\n\n').kind).toBe('done');
    expect(inspect('data:[DONE]\r\n\r\n').kind).toBe('done');
    expect(inspect('data: {"error":{"message":"overloaded","type":"server_error"}}\n\n')).toMatchObject({ kind: 'error', errorMessage: 'overloaded' });
    expect(inspect(': OPENROUTER PROCESSING\n\n').kind).toBe('other');
    expect(inspect('event: message\ndata: {"choices":[{"index":0,"delta":{},\ndata: "finish_reason":"length"}]}\n\n')).toMatchObject({
      kind: 'chunk',
      finishReason: 'length',
    });
  });
});

describe('convertOpenAICompatibleUsage', () => {
  it('returns null without token counts and reads an upstream cost in USD', () => {
    expect(convertOpenAICompatibleUsage(null)).toBeNull();
    expect(convertOpenAICompatibleUsage({})).toBeNull();
    expect(convertOpenAICompatibleUsage({ prompt_tokens: 1, completion_tokens: 1, cost: 0.0012345 })?.upstreamCostMicros).toBe(1235);
  });
});
