// What the byte-level JSON scans share (http/read-json-bytes.ts, providers/splice-json-member.ts).

/** The ASCII codes of JSON's punctuation. */
export const QUOTE = 34;
export const BACKSLASH = 92;
export const OPEN_BRACE = 123;
export const CLOSE_BRACE = 125;
export const OPEN_BRACKET = 91;
export const CLOSE_BRACKET = 93;
export const COMMA = 44;
export const COLON = 58;

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
