// An agent's long context reaches the upstream as the client sent it, with only the model replaced (and
// for a stream the usage option added): ASCII bodies are spliced in their bytes, and past
// SPLICED_PIECES_MIN_BYTES sent as pieces, which must still arrive with a content-length, not chunked.
// The same for Anthropic Messages sent natively to an `anthropic` endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotState } from '../../shared/src/snapshot.ts';
import { startAnthropicSimulator, type AnthropicSimulator } from '../../simulators/anthropic/anthropic-simulator.ts';
import { useSimulatedDataPlane } from '../../test/support/simulated-data-plane.ts';
import { convertMessagesToChatRequest } from './front-doors/anthropic-messages/convert-messages-to-chat-request.ts';
import type { MessagesRequest } from './front-doors/anthropic-messages/parse-messages-request.ts';
import { SPLICED_PIECES_MIN_BYTES } from './providers/splice-json-member.ts';
import { escapedPrompt } from './testing/escaped-prompt.ts';
import { FIXTURE_UPSTREAM_KEY, TEST_API_KEY, TEST_MODEL, testSnapshotState } from './testing/data-plane-fixture.ts';

const { simulator, fixture } = useSimulatedDataPlane({ fixture: { maxBodyBytes: 2 * 1024 * 1024 } });

/** Serialised again, this prompt would change (testing/escaped-prompt.ts). */
const ESCAPED_PROMPT = escapedPrompt(1024 * 1024);
const ESCAPED_BLOCK = escapedPrompt(40_000);

async function send(body: Record<string, unknown> | string, path = '/v1/chat/completions'): Promise<string> {
  const response = await fetch(`${fixture.dataPlane.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return response.text();
}

describe('long prompts', () => {
  it.each([
    ['ASCII, non-streamed', 'a long context line\n'.repeat(SPLICED_PIECES_MIN_BYTES / 10), false],
    ['ASCII, streamed', 'a long context line\n'.repeat(SPLICED_PIECES_MIN_BYTES / 10), true],
    ['UTF-8, non-streamed', 'un contexte très long ✓\n'.repeat(SPLICED_PIECES_MIN_BYTES / 10), false],
  ])('%s: the upstream gets the whole body, with a content-length', async (_name, content, stream) => {
    const body = { model: TEST_MODEL, messages: [{ role: 'user', content }], temperature: 0.5, ...(stream ? { stream: true } : {}) };
    const answer = await send(body);
    // The simulator echoes the prompt, which outgrows a stream's reservation: only the request is checked there.
    if (stream) expect(answer.startsWith('data: {')).toBe(true);
    else expect((JSON.parse(answer) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content === `Echo: ${content}`).toBe(true);
    const received = simulator.requests.at(-1);
    // Compared as text: a failing deep comparison of a long prompt would print all of it.
    expect(JSON.stringify(received?.body) === JSON.stringify({ ...body, model: 'echo', ...(stream ? { stream_options: { include_usage: true } } : {}) })).toBe(
      true,
    );
    expect(received?.headers['transfer-encoding']).toBeUndefined();
    expect(Number(received?.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(received?.body)));
  });

  // Read in its bytes (http/read-json-bytes.ts): escapes written the long way, multi-byte UTF-8 and
  // surrogate pairs reach the upstream as the client wrote them, not serialised again.
  it('a 1 MiB prompt reaches the upstream byte for byte, only the model replaced', async () => {
    const text = `{"model":"${TEST_MODEL}","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"${ESCAPED_PROMPT}"}],"temperature":0.5}`;
    const answer = JSON.parse(await send(text)) as { choices: Array<{ message: { content: string } }> };
    const expected = JSON.parse(text.replace(`"model":"${TEST_MODEL}"`, '"model":"echo"')) as { messages: Array<{ content: string }> };
    expect(answer.choices[0]?.message.content === `Echo: ${expected.messages[1]?.content}`).toBe(true);
    const received = simulator.requests.at(-1);
    expect(JSON.stringify(received?.body) === JSON.stringify(expected)).toBe(true);
    // Serialised again, the escapes would have shrunk (\u00e9 to é): the same length is the same bytes.
    expect(Number(received?.headers['content-length'])).toBe(Buffer.byteLength(text) - Buffer.byteLength(TEST_MODEL) + 'echo'.length);
    expect(received?.headers['transfer-encoding']).toBeUndefined();
  });

  // An agent's turn is many texts of 2-8 KiB, not one long prompt: it is read in its bytes too.
  it("an agent's 300 KiB turn of many medium texts and tool schemas reaches the upstream byte for byte", async () => {
    const turns = Array.from(
      { length: 60 },
      (_, index) => `{"role":"${index % 2 === 0 ? 'user' : 'assistant'}","content":"${escapedPrompt(2048 + ((index * 997) % 6144))}"}`,
    );
    const tool = (index: number) =>
      `{"type":"function","function":{"name":"t${index}","description":"Reads a file.","parameters":{"type":"object","properties":{"path":{"type":"string"}}}}}`;
    const text = `{"model":"${TEST_MODEL}","messages":[${turns.join(',')}],"tools":[${Array.from({ length: 20 }, (_, index) => tool(index)).join(',')}]}`;
    await send(text);
    const received = simulator.requests.at(-1);
    expect(JSON.stringify(received?.body) === JSON.stringify(JSON.parse(text.replace(`"model":"${TEST_MODEL}"`, '"model":"echo"')))).toBe(true);
    // Serialised again, the escapes would have shrunk: the same length is the same bytes.
    expect(Number(received?.headers['content-length'])).toBe(Buffer.byteLength(text) - Buffer.byteLength(TEST_MODEL) + 'echo'.length);
  });
});

const CLAUDE_MODEL = 'anthropic/claude-echo';

/** A 1 MiB Messages body for `model`, as an agent writes it. */
function messagesText(model: string): string {
  return `{"model":"${model}","max_tokens":1024,"system":[{"type":"text","text":"be brief"}],"messages":[{"role":"user","content":"${ESCAPED_PROMPT}"},{"role":"assistant","content":[{"type":"text","text":"Read."}]},{"role":"user","content":[{"type":"text","text":"${ESCAPED_BLOCK}"}]}],"temperature":0.5}`;
}

describe('long Messages prompts', () => {
  let anthropic: AnthropicSimulator;

  beforeAll(async () => {
    anthropic = await startAnthropicSimulator({ apiKey: FIXTURE_UPSTREAM_KEY });
    anthropic.scenario = () => ({ reply: 'Noted.' });
    const state: SnapshotState = testSnapshotState(simulator.baseUrl);
    const provider = state.providers.prov_simulator as SnapshotState['providers'][string];
    const echo = state.models[TEST_MODEL] as SnapshotState['models'][string];
    state.providers.prov_anthropic = { ...provider, id: 'prov_anthropic', slug: 'anthropic', kind: 'anthropic', baseUrl: anthropic.baseUrl };
    state.models[CLAUDE_MODEL] = {
      ...echo,
      id: CLAUDE_MODEL,
      aliases: [],
      endpoints: [{ ...echo.endpoints[0]!, providerId: 'prov_anthropic', upstreamModel: 'claude-echo' }],
    };
    await fixture.dataPlane.waitForSnapshot(await fixture.controlPlane.publish(state));
  });
  afterAll(async () => anthropic.close());

  it('a 1 MiB prompt reaches Anthropic byte for byte, only the model replaced', async () => {
    const text = messagesText(CLAUDE_MODEL);
    const answer = JSON.parse(await send(text, '/v1/messages')) as { type: string; content: Array<{ text: string }> };
    expect(answer.content[0]?.text).toBe('Noted.');
    const received = anthropic.requests.at(-1);
    const expected = JSON.parse(text.replace(`"model":"${CLAUDE_MODEL}"`, '"model":"claude-echo"')) as unknown;
    // Compared as text: a failing deep comparison of a long prompt would print all of it.
    expect(JSON.stringify(received?.body) === JSON.stringify(expected)).toBe(true);
    // Serialised again, the escapes would have shrunk (\u00e9 to é): the same length is the same bytes.
    expect(Number(received?.headers['content-length'])).toBe(Buffer.byteLength(text) - CLAUDE_MODEL.length + 'claude-echo'.length);
    expect(received?.headers['transfer-encoding']).toBeUndefined();
  });

  it('translated for an OpenAI-compatible upstream, the upstream gets the chat request it got before, the prompt as the client escaped it', async () => {
    const text = messagesText(TEST_MODEL);
    await send(text, '/v1/messages');
    const body = JSON.parse(text) as MessagesRequest['body'];
    const chat = convertMessagesToChatRequest({ body, model: TEST_MODEL, stream: false });
    const received = simulator.requests.at(-1);
    expect(JSON.stringify(received?.body) === JSON.stringify({ ...chat.body, model: 'echo' })).toBe(true);
    // Serialised again, each long string would have shrunk (\u00e9 to é): its bytes are the client's.
    const shrunk = (escaped: string) => Buffer.byteLength(`"${escaped}"`) - Buffer.byteLength(JSON.stringify(JSON.parse(`"${escaped}"`)));
    const length = Buffer.byteLength(JSON.stringify(received?.body)) + shrunk(ESCAPED_PROMPT) + shrunk(ESCAPED_BLOCK);
    expect(Number(received?.headers['content-length'])).toBe(length);
  });
});
