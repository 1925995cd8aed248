import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../../shared/src/errors.ts';
import { convertMiniMaxResponse } from './convert-minimax-response.ts';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url));

describe('convertMiniMaxResponse', () => {
  it('moves the think block to reasoning and keeps everything else', () => {
    const converted = convertMiniMaxResponse(fixture('minimax-think.1.json'));
    if (converted instanceof GatewayError) throw converted;
    expect(converted.body).toBe(
      '{"id":"05b7","choices":[{"finish_reason":"stop","index":0,"message":{"content":"Hello! How can I help?","role":"assistant","name":"MiniMax AI","audio_content":"","reasoning":"\\nThe user says hi.\\n"}}],' +
        '"created":1732000200,"model":"MiniMax-M2","object":"chat.completion","usage":{"total_tokens":60,"total_characters":0,"prompt_tokens":20,"completion_tokens":40},' +
        '"input_sensitive":false,"output_sensitive":false,"input_sensitive_type":0,"output_sensitive_type":0,"output_sensitive_int":0,"base_resp":{"status_code":0,"status_msg":""}}',
    );
    expect(converted).toMatchObject({ finishReason: 'stop', servedModel: 'MiniMax-M2', usage: { usage: { promptTokens: 20, completionTokens: 40 } } });
  });

  it('treats a failing base_resp on HTTP 200 as the error', () => {
    const converted = convertMiniMaxResponse(fixture('minimax-error-rate-limit.1.json'));
    expect(converted).toBeInstanceOf(GatewayError);
    expect((converted as GatewayError).status).toBe(429);
  });

  it('relays a body without a think block, or one that does not parse, byte for byte', () => {
    const plain = Buffer.from('{"choices":[{"index":0,"message":{"content":"Hi"},"finish_reason":"stop"}],"base_resp":{"status_code":0}}');
    expect((convertMiniMaxResponse(plain) as { body: unknown }).body).toBe(plain);
    const broken = Buffer.from('not json');
    expect((convertMiniMaxResponse(broken) as { body: unknown }).body).toBe(broken);
  });
});
