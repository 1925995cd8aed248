import { REQUESTED_MODEL } from '../../testing/translate-stream.ts';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../providers/client-requests.ts';
import { SseEventSplitter } from '../../providers/split-sse-events.ts';
import { createAnthropicNativeAdapter } from './anthropic-native-adapter.ts';
import { parseMessagesRequest } from './parse-messages-request.ts';

const context = { created: 1764000000, clientWantsUsage: false, model: REQUESTED_MODEL };
const anthropicFixture = (name: string) => readFileSync(new URL(`../../providers/anthropic/__fixtures__/${name}`, import.meta.url));
const target = { url: 'https://api.anthropic.test/v1/messages', upstreamModel: 'claude-sonnet-4-5-20250929', apiKey: 'sk-ant-test' };
const unusedChat = {} as ChatRequest;

const clientBody = {
  model: 'anthropic/claude-sonnet-4.5',
  max_tokens: 2048,
  system: [{ type: 'text', text: 'Long cached preamble', cache_control: { type: 'ephemeral', ttl: '1h' } }],
  messages: [
    {
      role: 'user',
      content: [
        { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'doc' } },
        { type: 'text', text: 'Summarise' },
      ],
    },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Plan.', signature: 'EqQBCkYIBxgCKkB+/sig==' },
        { type: 'text', text: 'Sure.' },
      ],
    },
    { role: 'user', content: 'Go on' },
  ],
  thinking: { type: 'enabled', budget_tokens: 1024 },
  top_k: 5,
  metadata: { user_id: 'u-1' },
};

describe('createAnthropicNativeAdapter', () => {
  it("sends the client's body with only the model replaced, and the client's anthropic-version and beta", () => {
    const adapter = createAnthropicNativeAdapter(parseMessagesRequest(Buffer.from(JSON.stringify(clientBody))), {
      version: '2026-10-21',
      beta: 'extended-cache-ttl-2025-04-11',
    });
    const request = adapter.convertRequest(unusedChat, target);
    expect(request.body).toBe(JSON.stringify({ ...clientBody, model: 'claude-sonnet-4-5-20250929' }));
    expect(request.headers).toEqual({
      'content-type': 'application/json',
      'anthropic-version': '2026-10-21',
      'anthropic-beta': 'extended-cache-ttl-2025-04-11',
      'x-api-key': 'sk-ant-test',
    });
    const plain = createAnthropicNativeAdapter(parseMessagesRequest(Buffer.from(JSON.stringify(clientBody))), { version: '', beta: '' });
    expect(plain.convertRequest(unusedChat, target).headers).toEqual({
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'x-api-key': 'sk-ant-test',
    });
  });

  it("returns Anthropic's response body unchanged and meters it", () => {
    const adapter = createAnthropicNativeAdapter(parseMessagesRequest(Buffer.from(JSON.stringify(clientBody))), { version: '', beta: '' });
    const body = anthropicFixture('anthropic-tool-call.1.json');
    const converted = adapter.convertResponse(body, context);
    if (converted instanceof Error) throw converted;
    expect(converted.body).toBe(body);
    expect(converted.finishReason).toBe('tool_calls');
    expect(converted.usage).not.toBeNull();
  });

  it('relays the stream byte for byte but for the requested model in message_start, holding message_stop back as the final bytes', () => {
    const adapter = createAnthropicNativeAdapter(parseMessagesRequest(Buffer.from(JSON.stringify(clientBody))), { version: '', beta: '' });
    const translator = adapter.createStreamTranslator(context);
    const bytes = anthropicFixture('anthropic-tool-call.1.sse');
    const output: Uint8Array[] = [];
    for (const event of new SseEventSplitter().push(bytes)) translator.push(event, output);
    translator.end();
    const relayed = Buffer.concat(output).toString();
    expect(
      relayed.endsWith(
        'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":50,"cache_creation_input_tokens":10,"cache_read_input_tokens":40,"output_tokens":25}}\n\n',
      ),
    ).toBe(true);
    expect(Buffer.from(translator.finalBytes!).toString()).toBe('event: message_stop\ndata: {"type":"message_stop"}\n\n');
    expect(relayed + Buffer.from(translator.finalBytes!).toString()).toBe(
      bytes.toString().replace('"model":"claude-sonnet-4-5-20250929"', `"model":"${REQUESTED_MODEL}"`),
    );
    expect(translator.servedModel).toBe('claude-sonnet-4-5-20250929');
    expect(translator.usage?.usage).toMatchObject({ promptTokens: 100, completionTokens: 25, cacheReadTokens: 40, cacheWriteTokens: 10 });
    expect(translator.failure).toBeNull();
  });

  it("relays Anthropic's own error event and marks the failure relayed; a malformed event is not relayed", () => {
    const adapter = createAnthropicNativeAdapter(parseMessagesRequest(Buffer.from(JSON.stringify(clientBody))), { version: '', beta: '' });
    const errorStream = adapter.createStreamTranslator(context);
    const output: Uint8Array[] = [];
    for (const event of new SseEventSplitter().push(anthropicFixture('anthropic-error.1.sse'))) errorStream.push(event, output);
    expect(Buffer.concat(output).toString()).toContain('event: error\ndata: {"type":"error","error":{"type":"overloaded_error"');
    expect(errorStream.failure).toMatchObject({ relayed: true, error: { status: 503 } });

    const malformed = adapter.createStreamTranslator(context);
    const none: Uint8Array[] = [];
    malformed.push(Buffer.from('event: content_block_delta\ndata: {"type":\n\n'), none);
    expect(none).toEqual([]);
    expect(malformed.failure).toMatchObject({ relayed: false, error: { code: 'upstream_error' } });
  });
});
