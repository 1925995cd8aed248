// The one tokenizer behind every estimate: OpenAI's o200k_base (GPT-4o, o-series, GPT-5) from
// gpt-tokenizer, pure JS. Other families (Claude, Gemini, Mistral) use tokenizers that are not public
// or not in JS; o200k_base is a close stand-in for them and is only used when an upstream reported no
// usage, and for Anthropic's count_tokens. Loaded with the data plane (about 0.3 s, once) so an
// estimate never waits for it.
//
// Its cost is bounded, because it runs on the data plane's event loop and a caller chooses the text
// (count_tokens with 4 MB of it, issue 13): BPE on one long run without whitespace (a base64 blob,
// 'xxxx…') grows much faster than linearly, so such runs are counted in slices of LONG_RUN characters
// (at most a token more per slice); and text longer than EXACT_CHARACTERS is estimated from
// SAMPLE_SLICES slices spread over it (EXACT_CHARACTERS in all), scaled by length. Text made of
// words never seen before (random strings) is the tokenizer's slowest, about 1 µs a character
// (cached words are ten times faster), so no call tokenizes more than about 30 ms of it.
import { countTokens as countO200kTokens } from 'gpt-tokenizer/encoding/o200k_base';

const LONG_RUN = 128;
const LONG_RUNS = new RegExp(`\\S{${LONG_RUN},}`, 'g');
/** Text up to this long is counted exactly; longer text is sampled. */
export const EXACT_CHARACTERS = 32 * 1024;
const SAMPLE_SLICES = 8;

// Text a client or model wrote is text: `<|endoftext|>` in it counts as ordinary characters, it must not throw.
const asPlainText = { disallowedSpecial: new Set<string>() };

export function countTokens(text: string): number {
  if (text.length <= EXACT_CHARACTERS) return countWithBoundedRuns(text);
  // Spread over the text rather than its start: a prompt that opens with prose and goes on with code
  // or another script is sampled in each.
  const sliceLength = EXACT_CHARACTERS / SAMPLE_SLICES;
  const stride = text.length / SAMPLE_SLICES;
  let sampled = 0;
  for (let slice = 0; slice < SAMPLE_SLICES; slice++) {
    const start = Math.floor(slice * stride);
    sampled += countWithBoundedRuns(text.slice(start, start + sliceLength));
  }
  return Math.ceil((sampled * text.length) / EXACT_CHARACTERS);
}

function countWithBoundedRuns(text: string): number {
  let tokens = 0;
  let counted = 0;
  for (const run of text.matchAll(LONG_RUNS)) {
    tokens += countPlain(text.slice(counted, run.index));
    for (let offset = 0; offset < run[0].length; offset += LONG_RUN) tokens += countPlain(run[0].slice(offset, offset + LONG_RUN));
    counted = run.index + run[0].length;
  }
  return tokens + countPlain(text.slice(counted));
}

function countPlain(text: string): number {
  return text.length === 0 ? 0 : countO200kTokens(text, asPlainText);
}
