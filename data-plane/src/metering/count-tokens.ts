// The one tokenizer behind every estimate: OpenAI's o200k_base (GPT-4o, o-series, GPT-5) from
// gpt-tokenizer, pure JS. Other families (Claude, Gemini, Mistral) use tokenizers that are not public
// or not in JS; o200k_base is a close stand-in for them and is only used when an upstream reported no
// usage. Loaded with the data plane (about 0.3 s, once) so an estimate never waits for it.
//
// Its cost is bounded, because it runs on the data plane's event loop: BPE on one long run without
// whitespace (a base64 blob, 'xxxx…') grows much faster than linearly, so such runs are counted in
// slices of LONG_RUN characters (at most a token more per slice); and beyond EXACT_CHARACTERS only
// the first EXACT_CHARACTERS are counted, scaled by length.
import { countTokens as countO200kTokens } from 'gpt-tokenizer/encoding/o200k_base';

const LONG_RUN = 128;
const LONG_RUNS = new RegExp(`\\S{${LONG_RUN},}`, 'g');
const EXACT_CHARACTERS = 256 * 1024;

// Text a client or model wrote is text: `<|endoftext|>` in it counts as ordinary characters, it must not throw.
const asPlainText = { disallowedSpecial: new Set<string>() };

export function countTokens(text: string): number {
  if (text.length <= EXACT_CHARACTERS) return countWithBoundedRuns(text);
  return Math.ceil((countWithBoundedRuns(text.slice(0, EXACT_CHARACTERS)) * text.length) / EXACT_CHARACTERS);
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
