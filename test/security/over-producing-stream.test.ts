// Issue 13, defect 3 (the stream half): an upstream that keeps streaming far past max_tokens was relayed
// to its end, while the request was charged at most what it reserved. The attack: max_tokens 100 and an
// upstream that streams 20,000 words, through each streaming door with its own SDK. The gateway stops
// relaying once what it sent costs more than the reservation: the upstream call is aborted, the client
// gets the partial answer and then the door's error (reservation_exceeded), and the request is charged
// no more than it held, so the balance cannot go below zero.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, test } from 'vitest';
import { TEST_API_KEY, TEST_MODEL } from '../../data-plane/src/testing/data-plane-fixture.ts';
import { useSimulatedDataPlane } from '../support/simulated-data-plane.ts';

const MAX_TOKENS = 100;
const WORDS = 20_000;

describe('an upstream streaming far past max_tokens', () => {
  const running = useSimulatedDataPlane();
  const openai = () => new OpenAI({ apiKey: TEST_API_KEY, baseURL: `${running.fixture.dataPlane.url}/v1`, maxRetries: 0 });

  /** Runs `consume` with the simulator over-producing; the usage row of the one request it made, and the upstream's aborts. */
  async function overProducing(consume: () => Promise<{ text: string; error: unknown }>) {
    const { simulator, fixture } = running;
    simulator.scenario = () => ({ reply: 'word '.repeat(WORDS) });
    const before = new Set(fixture.controlPlane.usage.keys());
    const abortedBefore = simulator.abortedRequests;
    const outcome = await consume();
    simulator.scenario = () => ({});
    await fixture.dataPlane.flushUsage();
    const rows = [...fixture.controlPlane.usage.values()].filter((row) => !before.has(row.requestId));
    expect(rows).toHaveLength(1);
    // The upstream call was cut, not read to its end.
    await expect.poll(() => simulator.abortedRequests).toBe(abortedBefore + 1);
    return { ...outcome, row: rows[0]! };
  }

  /** What the request held: the refusal's requested amount when no credit is left. */
  function expectCutWithinReservation(outcome: { text: string; row: { costMicros: number; status: number; errorCode: string | null } }) {
    const words = outcome.text.split(' ').length;
    // Some of the answer arrived (up to the ceiling's margin past the budget), never most of it.
    expect(words).toBeGreaterThan(MAX_TOKENS / 2);
    expect(words).toBeLessThan(WORDS / 10);
    expect(outcome.row).toMatchObject({ status: 200, errorCode: 'reservation_exceeded' });
    // $3/Mtok prompt (a few tokens) + 100 × $15/Mtok: the reservation is just over 1,500 µ$.
    expect(outcome.row.costMicros).toBeGreaterThan(1_500);
    expect(outcome.row.costMicros).toBeLessThan(1_600);
  }

  test('chat completions (openai SDK): the partial answer, then an APIError reservation_exceeded', async () => {
    const outcome = await overProducing(async () => {
      let text = '';
      try {
        const stream = await openai().chat.completions.create({
          model: TEST_MODEL,
          messages: [{ role: 'user', content: 'say a lot' }],
          max_tokens: MAX_TOKENS,
          stream: true,
        });
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      } catch (error) {
        return { text, error };
      }
      return { text, error: null };
    });
    expect(outcome.error).toBeInstanceOf(OpenAI.APIError);
    expect(outcome.error).toMatchObject({ code: 'reservation_exceeded', type: 'insufficient_quota' });
    expectCutWithinReservation(outcome);
  });

  test('Responses (openai SDK): the partial text deltas, then response.failed with reservation_exceeded', async () => {
    const events: { type: string; delta?: string; response?: { status?: string; error?: { code?: string } } }[] = [];
    const outcome = await overProducing(async () => {
      const stream = await openai().responses.create({ model: TEST_MODEL, input: 'say a lot', max_output_tokens: MAX_TOKENS, stream: true });
      for await (const event of stream) events.push(event as (typeof events)[number]);
      const text = events.map((event) => (event.type === 'response.output_text.delta' ? (event.delta ?? '') : '')).join('');
      return { text, error: null };
    });
    expect(events.at(-1)).toMatchObject({ type: 'response.failed', response: { status: 'failed', error: { code: 'reservation_exceeded' } } });
    expect(events.some((event) => event.type === 'response.completed')).toBe(false);
    expectCutWithinReservation(outcome);
  });

  test('Messages (Anthropic SDK): the partial text, then an APIError whose error is billing_error', async () => {
    const client = new Anthropic({ apiKey: TEST_API_KEY, baseURL: running.fixture.dataPlane.url, maxRetries: 0 });
    const outcome = await overProducing(async () => {
      let text = '';
      try {
        const stream = await client.messages.create({
          model: TEST_MODEL,
          max_tokens: MAX_TOKENS,
          messages: [{ role: 'user', content: 'say a lot' }],
          stream: true,
        });
        for await (const event of stream) if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      } catch (error) {
        return { text, error };
      }
      return { text, error: null };
    });
    expect(outcome.error).toBeInstanceOf(Anthropic.APIError);
    expect((outcome.error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: 'error',
      error: { type: 'billing_error', message: expect.stringContaining('The answer was cut') },
    });
    expectCutWithinReservation(outcome);
  });

  test('an answer that ends at its max_tokens is not cut', async () => {
    const { simulator } = running;
    simulator.scenario = () => ({ reply: 'word '.repeat(MAX_TOKENS) });
    const stream = await openai().chat.completions.create({
      model: TEST_MODEL,
      messages: [{ role: 'user', content: 'say exactly enough' }],
      max_tokens: MAX_TOKENS,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    simulator.scenario = () => ({});
    expect(text).toBe('word '.repeat(MAX_TOKENS));
    expect(usage).toMatchObject({ completion_tokens: MAX_TOKENS });
  });
});
