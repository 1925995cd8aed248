// The one tokenizer behind every estimate: OpenAI's o200k_base (GPT-4o, o-series, GPT-5) from
// gpt-tokenizer, pure JS. Other families (Claude, Gemini, Mistral) use tokenizers that are not public
// or not in JS; o200k_base is a close stand-in for them and is only used when an upstream reported no
// usage. Loaded with the data plane (about 0.3 s, once) so an estimate never waits for it.
import { countTokens as countO200kTokens } from 'gpt-tokenizer/encoding/o200k_base';

// Text a client or model wrote is text: `<|endoftext|>` in it counts as ordinary characters, it must not throw.
const asPlainText = { disallowedSpecial: new Set<string>() };

export function countTokens(text: string): number {
  return text.length === 0 ? 0 : countO200kTokens(text, asPlainText);
}
