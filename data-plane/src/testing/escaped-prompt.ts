// A long prompt as an agent's file reads look on the wire: escapes written the long way (\u00e9, a
// surrogate pair, \" \/ \t \n), multi-byte UTF-8 and emoji. Serialised again, such a body would change
// (JSON.stringify writes é and 😀 as themselves), so a test that finds it intact upstream knows it was spliced.
const ESCAPED_LINE = 'caf\\u00e9 ✓ and 😀 or \\uD83D\\uDE00 in a \\"quoted\\" line of some length and a few more words, with a \\/ and a tab\\t at its end\\n';

/** The line repeated to at least `bytes`, as it goes between the quotes of a JSON string. */
export function escapedPrompt(bytes: number): string {
  return ESCAPED_LINE.repeat(Math.ceil(bytes / Buffer.byteLength(ESCAPED_LINE)));
}
