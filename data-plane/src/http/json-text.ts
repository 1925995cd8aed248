// JSON text as the byte-level scans read it (http/read-json-bytes.ts, providers/splice-json-member.ts):
// a string's UTF-16 code units or a buffer's bytes, alike for the ASCII punctuation they look for.

/** The ASCII codes of JSON's punctuation. */
export const JSON_CODE = {
  quote: 34,
  backslash: 92,
  openBrace: 123,
  closeBrace: 125,
  openBracket: 91,
  closeBracket: 93,
  comma: 44,
  colon: 58,
} as const;

export interface JsonText {
  readonly length: number;
  code(index: number): number;
  quoteFrom(from: number): number;
  slice(start: number, end: number): string;
}

export function stringText(json: string): JsonText {
  return {
    length: json.length,
    code: (index) => json.charCodeAt(index),
    quoteFrom: (from) => json.indexOf('"', from),
    slice: (start, end) => json.slice(start, end),
  };
}

/** Bytes that are ASCII or UTF-8: no byte of a multi-byte character is ASCII, so indexes are byte offsets. */
export function bytesText(bytes: Buffer): JsonText {
  return {
    length: bytes.length,
    code: (index) => bytes[index] ?? Number.NaN,
    quoteFrom: (from) => bytes.indexOf(JSON_CODE.quote, from),
    slice: (start, end) => bytes.toString('utf8', start, end),
  };
}

/** Index just past the closing quote of the string that opens at `start`, or -1. */
export function stringEnd(json: JsonText, start: number): number {
  let from = start + 1;
  for (;;) {
    const quote = json.quoteFrom(from);
    if (quote < 0) return -1;
    let backslashes = 0;
    for (let index = quote - 1; json.code(index) === JSON_CODE.backslash; index--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}
