// An agent's long context reaches the upstream as the client sent it, with only the model replaced (and
// for a stream the usage option added): ASCII bodies are spliced in their bytes, and past
// SPLICED_PIECES_MIN_BYTES sent as pieces, which must still arrive with a content-length, not chunked.
import { describe, expect, it } from 'vitest';
import { useSimulatedDataPlane } from '../../test/support/simulated-data-plane.ts';
import { SPLICED_PIECES_MIN_BYTES } from './providers/splice-json-member.ts';
import { TEST_API_KEY, TEST_MODEL } from './testing/data-plane-fixture.ts';

const { simulator, fixture } = useSimulatedDataPlane({ fixture: { maxBodyBytes: 2 * 1024 * 1024 } });

async function send(body: Record<string, unknown> | string): Promise<string> {
  const response = await fetch(`${fixture.dataPlane.url}/v1/chat/completions`, {
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
    const line = 'caf\\u00e9 ✓ and 😀 or \\uD83D\\uDE00 in a \\"quoted\\" line of some length and a few more words, with a \\/ and a tab\\t at its end\\n';
    const prompt = line.repeat(Math.ceil((1024 * 1024) / Buffer.byteLength(line)));
    const text = `{"model":"${TEST_MODEL}","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"${prompt}"}],"temperature":0.5}`;
    const answer = JSON.parse(await send(text)) as { choices: Array<{ message: { content: string } }> };
    const expected = JSON.parse(text.replace(`"model":"${TEST_MODEL}"`, '"model":"echo"')) as { messages: Array<{ content: string }> };
    expect(answer.choices[0]?.message.content === `Echo: ${expected.messages[1]?.content}`).toBe(true);
    const received = simulator.requests.at(-1);
    expect(JSON.stringify(received?.body) === JSON.stringify(expected)).toBe(true);
    // Serialised again, the escapes would have shrunk (\u00e9 to é): the same length is the same bytes.
    expect(Number(received?.headers['content-length'])).toBe(Buffer.byteLength(text) - Buffer.byteLength(TEST_MODEL) + 'echo'.length);
    expect(received?.headers['transfer-encoding']).toBeUndefined();
  });
});
