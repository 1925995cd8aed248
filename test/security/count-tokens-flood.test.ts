// Issue 13, lower list: `count_tokens` with 4 MB of text stalled the data plane's event loop for
// everyone (the estimate tokenized the first 256 Ki characters; words never seen before, as random
// strings are, cost the tokenizer about a microsecond a character). The attack: several 4 MB counts of
// fresh random words at once, with an ordinary request beside them. The answer: each count is estimated
// from a bounded sample (the tokenizer is handed at most EXACT_CHARACTERS of each), every request is
// answered, and the estimate stays close to what the text really holds.
import { randomBytes } from 'node:crypto';
import type * as O200k from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, test, vi } from 'vitest';
import { EXACT_CHARACTERS } from '../../data-plane/src/metering/count-tokens.ts';
import { TEST_API_KEY, TEST_MODEL } from '../../data-plane/src/testing/data-plane-fixture.ts';
import { useSimulatedDataPlane } from '../support/simulated-data-plane.ts';

/** Characters the data plane (in this process) handed the tokenizer. */
const tokenized = vi.hoisted(() => ({ characters: 0 }));
vi.mock('gpt-tokenizer/encoding/o200k_base', async (importOriginal) => {
  const tokenizer = await importOriginal<typeof O200k>();
  return {
    ...tokenizer,
    countTokens: (text: string, options?: Parameters<typeof tokenizer.countTokens>[1]) => {
      tokenized.characters += text.length;
      return tokenizer.countTokens(text, options);
    },
  };
});

/** About `characters` of random lowercase words, 6 to 12 letters: nothing the tokenizer has cached. */
function randomWords(characters: number): string {
  const letters = randomBytes(characters)
    .toString('base64')
    .replace(/[^a-z]/g, '');
  const words: string[] = [];
  for (let at = 0, length = 6; at < letters.length; at += length, length = 6 + (at % 7)) words.push(letters.slice(at, at + length));
  let text = words.join(' ');
  while (text.length < characters) text += ` ${text}`;
  return text.slice(0, characters);
}

describe('count_tokens with 4 MB of text', () => {
  const running = useSimulatedDataPlane();

  const post = (path: string, body: unknown) =>
    fetch(`${running.fixture.dataPlane.url}${path}`, {
      method: 'POST',
      headers: { 'x-api-key': TEST_API_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  test('is estimated from a bounded sample while an ordinary request beside it is served', async () => {
    const texts = Array.from({ length: 3 }, () => randomWords(4_000_000));
    tokenized.characters = 0;
    const counts = texts.map((text) => post('/v1/messages/count_tokens', { model: TEST_MODEL, messages: [{ role: 'user', content: text }] }));
    const ordinary = post('/v1/messages', { model: TEST_MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'still served?' }] });

    expect((await ordinary).status).toBe(200);
    const answers = await Promise.all(counts);
    for (const answer of answers) expect(answer.status).toBe(200);
    const estimates = (await Promise.all(answers.map((answer) => answer.json()))) as Array<{ input_tokens: number }>;
    // Each count handed the tokenizer its sample (and the role), not megabytes; the ordinary request a few words.
    expect(tokenized.characters).toBeLessThan(texts.length * (EXACT_CHARACTERS + 1_000) + 1_000);

    // Random words of 6 to 12 letters are 2 to 4 tokens each: the estimate is of that order.
    for (const { input_tokens: estimate } of estimates) {
      expect(estimate).toBeGreaterThan(4_000_000 / 13);
      expect(estimate).toBeLessThan(4_000_000 / 2);
    }
  });
});
