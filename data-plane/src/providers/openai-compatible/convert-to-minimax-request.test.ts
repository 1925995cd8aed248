import { describe, expect, it } from 'vitest';
import { parseChatRequest } from '../../pipeline/parse-chat-request.ts';
import { convertToMiniMaxRequest } from './convert-to-minimax-request.ts';
import { upstreamBodyText } from '../../testing/upstream-body.ts';

const target = { url: 'https://api.minimax.io/v1/chat/completions', upstreamModel: 'MiniMax-M2', apiKey: null };
const convert = (body: object) => upstreamBodyText(convertToMiniMaxRequest(parseChatRequest(Buffer.from(JSON.stringify(body))), target).body);

describe('convertToMiniMaxRequest', () => {
  it('sends max_tokens as max_completion_tokens, unless the client set both', () => {
    expect(convert({ model: 'minimax/m2', messages: [{ role: 'user', content: 'x' }], max_tokens: 64 })).toBe(
      '{"model":"MiniMax-M2","messages":[{"role":"user","content":"x"}],"max_completion_tokens":64}',
    );
    expect(convert({ model: 'minimax/m2', messages: [{ role: 'user', content: 'x' }], max_tokens: 64, max_completion_tokens: 32 })).toBe(
      '{"model":"MiniMax-M2","messages":[{"role":"user","content":"x"}],"max_tokens":64,"max_completion_tokens":32}',
    );
  });
});
