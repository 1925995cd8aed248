// What the byte-level JSON scans share (http/read-json-bytes.ts, providers/splice-json-member.ts).

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

/** Where a top-level member's value lies: [valueStart, valueEnd), a string's quotes included. */
export interface MemberRange {
  valueStart: number;
  valueEnd: number;
}

/** A JSON object's top-level members (no key escaped or repeated) and where its closing brace is. */
export interface TopLevelLayout {
  members: Map<string, MemberRange>;
  closingBrace: number;
}
