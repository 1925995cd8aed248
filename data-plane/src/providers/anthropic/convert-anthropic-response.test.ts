import { REQUESTED_MODEL } from '../../testing/translate-stream.ts';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../../shared/src/errors.ts';
import { convertAnthropicResponse } from './convert-anthropic-response.ts';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url));
const context = { created: 1700000000, clientWantsUsage: false, model: REQUESTED_MODEL };

function converted(name: string) {
  const result = convertAnthropicResponse(fixture(name), context);
  if (result instanceof GatewayError) throw result;
  return result;
}

describe('convertAnthropicResponse', () => {
  it('turns text + tool_use into content + tool_calls with JSON-string arguments, and cache usage into OpenAI usage', () => {
    const result = converted('anthropic-tool-call.1.json');
    expect(JSON.parse(result.body.toString())).toMatchSnapshot();
    expect(result).toMatchObject({ finishReason: 'tool_calls', servedModel: 'claude-sonnet-4-5-20250929' });
    expect(result.usage?.usage).toEqual({ promptTokens: 100, completionTokens: 25, cacheReadTokens: 40, cacheWriteTokens: 10, reasoningTokens: 0 });
  });

  it('puts thinking in `reasoning`', () => {
    const result = converted('anthropic-text.1.json');
    expect(JSON.parse(result.body.toString()).choices[0]).toMatchSnapshot();
    expect(result.usage?.usage).toMatchObject({ promptTokens: 12, completionTokens: 9, reasoningTokens: 4 });
  });

  it('answers 502 for a body that is not a message', () => {
    const result = convertAnthropicResponse(Buffer.from('<html>'), context);
    expect(result).toBeInstanceOf(GatewayError);
    expect((result as GatewayError).status).toBe(502);
  });
});
