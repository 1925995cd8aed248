// A long request body read as JSON without building its long strings. Our own code rather than a
// library because it is the hot path of every long prompt and because of what this machine's kernel
// charges: every fresh 4 KiB page a large allocation touches costs a page fault of about 20 µs, and V8
// puts each string over 128 KiB in pages of its own. Decoding a 256 KiB prompt to a string and
// JSON.parse copying its content again cost about 1.4 ms each, more than the rest of the request.
//
// How: one pass over the bytes jumps from quote to quote and backslash to backslash (native
// Buffer#indexOf) and notes each string value of LONG_STRING_BYTES or more; a skeleton of the body, those strings emptied, goes through
// JSON.parse (small: it is only the structure); each long value then becomes a getter on its holder
// that decodes the string the first time anything reads it. Code that reads the body sees the same
// values as JSON.parse would give; code on the hot path asks `memberOf` first and gets the LongString,
// whose byte length and ASCII-ness the pass recorded, so a passthrough request never builds the text.
//
// The reader declines (returns null, and the caller decodes and parses as before, errors included)
// whenever the result could differ from JSON.parse of the decoded text or the saving is small: a body
// under READER_MIN_BYTES, bytes that are not valid UTF-8, a repeated key or `__proto__` anywhere, a
// nesting deeper than asked, invalid JSON, or escapes so dense that the old way is cheaper.
import { isAscii, isUtf8 } from 'node:buffer';
import { latin1Text, utf8Text } from './buffer-text.ts';
import { QUOTE, BACKSLASH, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET, COMMA, COLON, type MemberRange, type TopLevelLayout } from './json-text.ts';

/**
 * A string value this long (its bytes between the quotes) is left in the body. Each costs a fixed
 * measurement and getter, so short ones are cheaper parsed: in-process, a 512 KiB body of 512-byte
 * strings read this way took 1.9x decoding, JSON.parse and JSON.stringify, of 1 KiB strings 0.9x, of
 * 2 KiB 0.55x. 2 KiB, not 16 KiB, so an agent's turn (many tool results and files of 2-8 KiB) is read in its bytes.
 */
export const LONG_STRING_BYTES = 2 * 1024;
/** Below this a body decodes and parses without page faults (64 KiB: 35 µs); the reader is not worth it. */
export const READER_MIN_BYTES = 64 * 1024;

const LETTER_U = 117;
/** What may follow a backslash besides `u`: " \ / b f n r t. */
const SIMPLE_ESCAPES = new Set([34, 92, 47, 98, 102, 110, 114, 116]);

/** A JSON string value left in the body's bytes; `text()` builds it. */
export class LongString {
  readonly #bytes: Buffer;
  /** Its bytes between the quotes: [start, end). */
  readonly #start: number;
  readonly #end: number;
  readonly #ascii: boolean;
  readonly #escaped: boolean;
  /** Buffer.byteLength of the string (a lone surrogate escape counts 3, as it encodes). */
  readonly utf8Length: number;

  constructor(bytes: Buffer, start: number, end: number, ascii: boolean, escaped: boolean, utf8Length: number) {
    this.#bytes = bytes;
    this.#start = start;
    this.#end = end;
    this.#ascii = ascii;
    this.#escaped = escaped;
    this.utf8Length = utf8Length;
  }

  /** The string's length in UTF-16 code units, as `string.length`. */
  get length(): number {
    return this.#ascii && !this.#escaped ? this.#end - this.#start : this.text().length;
  }

  /** The string as the client wrote it, quotes included: valid JSON, to be copied into another JSON text. */
  json(): Buffer {
    return this.#bytes.subarray(this.#start - 1, this.#end + 1);
  }

  /** The string itself, decoded from the bytes (each call decodes again: the holder's getter keeps it). */
  text(): string {
    if (this.#escaped) return JSON.parse(utf8Text(this.#bytes, this.#start - 1, this.#end + 1)) as string;
    return this.#ascii ? latin1Text(this.#bytes, this.#start, this.#end) : utf8Text(this.#bytes, this.#start, this.#end);
  }
}

/** Holder → its members still left in the bytes. */
const longMembers = new WeakMap<object, Map<string, LongString>>();

/** `holder[key]`, except that a long string still in the body's bytes is its LongString (not built). */
export function memberOf(holder: object, key: string | number): unknown {
  const long = longMembers.get(holder)?.get(String(key));
  return long ?? (holder as Record<string, unknown>)[key];
}

/** The members of `holder` still left in the bytes (not read since), by key; undefined when none ever were. */
export function longMembersOf(holder: object): ReadonlyMap<string, LongString> | undefined {
  return longMembers.get(holder);
}

/** A member read with memberOf that is a string. */
export function isText(value: unknown): value is string | LongString {
  return typeof value === 'string' || value instanceof LongString;
}

/** Buffer.byteLength of a string, or of a LongString without building it. */
export function utf8LengthOf(text: string | LongString): number {
  return typeof text === 'string' ? Buffer.byteLength(text) : text.utf8Length;
}

/** The string itself. */
export function textOf(text: string | LongString): string {
  return typeof text === 'string' ? text : text.text();
}

/**
 * `target` with `target[key] = text`, except that a LongString goes in as the same lazy member the reader
 * gives (memberOf finds it, the first read builds the text): a front door that moves a long prompt into
 * the chat request it builds does not build the text for a request that never reads it.
 */
export function withText<T extends object>(target: T, key: string, text: string | LongString): T {
  if (typeof text === 'string') (target as Record<string, unknown>)[key] = text;
  else install(target as Record<string, unknown>, key, text);
  return target;
}

/** Texts joined by `separator`; a single text is itself, so a long one is not built. */
export function joinTexts(texts: ReadonlyArray<string | LongString>, separator: string): string | LongString {
  return texts.length === 1 ? (texts[0] as string | LongString) : texts.map(textOf).join(separator);
}

function install(holder: Record<string, unknown>, key: string, long: LongString): void {
  let members = longMembers.get(holder);
  if (members === undefined) longMembers.set(holder, (members = new Map()));
  members.set(key, long);
  const settle = (value: unknown) => {
    members.delete(key);
    Object.defineProperty(holder, key, { value, writable: true, enumerable: true, configurable: true });
  };
  const materialise = () => {
    const value = long.text();
    settle(value);
    return value;
  };
  Object.defineProperty(holder, key, { get: materialise, set: settle, enumerable: true, configurable: true });
}

interface Frame {
  array: boolean;
  /** An array's current element. */
  index: number;
  /** An object's current key, and the keys it has had. */
  key: string;
  keys: Set<string> | null;
}

interface Found {
  path: Array<string | number>;
  /** The string's bytes between its quotes. */
  start: number;
  end: number;
  long: LongString;
}

/** What readJsonBytes gives: the value, and the top-level layout for the splice (null: a key is escaped). */
export interface BytesRead {
  value: unknown;
  layout: TopLevelLayout | null;
}

/**
 * `bytes` parsed as JSON with its long string values left in the bytes, or null when the reader
 * declines (see the top of this file); the caller then parses the decoded text.
 */
export function readJsonBytes(bytes: Buffer, maxDepth: number): BytesRead | null {
  if (bytes.length < READER_MIN_BYTES || !isUtf8(bytes)) return null;
  const ascii = isAscii(bytes);
  scanned.backslash = bytes.indexOf(BACKSLASH);
  const found: Found[] = [];
  let longBytes = 0;
  const stack: Frame[] = [];
  let expectKey = false;
  // The top-level object's members, as providers/splice-json-member.ts would scan them.
  const members = new Map<string, MemberRange>();
  let layoutUsable = true;
  let closingBrace = -1;
  /** A top-level key whose value has not started yet. */
  let topKey: string | null = null;
  let topValueStart = -1;
  for (let index = 0; index < bytes.length; index++) {
    const code = bytes[index]!;
    if (code === QUOTE) {
      const isKey = stack.length > 0 && !stack.at(-1)!.array && expectKey;
      const close = scanString(bytes, index);
      if (close < 0) return null;
      const top = stack.at(-1);
      if (isKey) {
        const key = readKey(bytes, index, close);
        if (key === null || key === '__proto__' || top!.keys!.has(key)) return null;
        top!.keys!.add(key);
        top!.key = key;
        expectKey = false;
        if (stack.length === 1) {
          if (scanned.escaped) layoutUsable = false;
          topKey = key;
        }
      } else {
        if (stack.length === 1 && topKey !== null) {
          members.set(topKey, { valueStart: index, valueEnd: close + 1 });
          topKey = null;
        }
        if (close - index - 1 >= LONG_STRING_BYTES && top !== undefined) {
          const long = measured(bytes, index + 1, close, ascii);
          if (long === null) return null;
          found.push({ path: stack.map((frame) => (frame.array ? frame.index : frame.key)), start: index + 1, end: close, long });
          longBytes += close - index - 1;
        }
      }
      index = close;
      // Past half the body in structure and short strings: the reader would decline at the end anyway.
      if ((close - longBytes) * 2 > bytes.length) return null;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (stack.length >= maxDepth) return null;
      if (stack.length === 1 && topKey !== null) topValueStart = index;
      const array = code === OPEN_BRACKET;
      stack.push({ array, index: 0, key: '', keys: array ? null : new Set() });
      expectKey = !array;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      stack.pop();
      expectKey = false;
      if (stack.length === 1 && topKey !== null && topValueStart >= 0) {
        members.set(topKey, { valueStart: topValueStart, valueEnd: index + 1 });
        topKey = null;
        topValueStart = -1;
      } else if (stack.length === 0 && closingBrace < 0) closingBrace = index;
    } else if (code === COMMA) {
      const top = stack.at(-1);
      if (top?.array) top.index++;
      else expectKey = true;
    } else if (stack.length === 1 && topKey !== null && code !== COLON && code > 0x20) {
      // A number, true, false or null: its start is enough (the splice replaces strings only).
      members.set(topKey, { valueStart: index, valueEnd: index + 1 });
      topKey = null;
    }
  }
  // Mostly structure: parsing it as it is costs less than building a skeleton first.
  if (longBytes * 2 < bytes.length) return null;
  const value = parseSkeleton(bytes, found, ascii);
  if (value === undefined) return null;
  for (const { path, long } of found) {
    let holder: unknown = value;
    for (const step of path.slice(0, -1)) holder = (holder as Record<string, unknown>)[step];
    const key = String(path.at(-1));
    if (holder === null || typeof holder !== 'object' || !Object.hasOwn(holder, key) || (holder as Record<string, unknown>)[key] !== '') return null;
    install(holder as Record<string, unknown>, key, long);
  }
  return { value, layout: layoutUsable && closingBrace >= 0 ? { members, closingBrace } : null };
}

/** JSON.parse of the body with every found string emptied; undefined when that is not JSON. */
function parseSkeleton(bytes: Buffer, found: readonly Found[], ascii: boolean): unknown {
  const pieces: Buffer[] = [];
  let from = 0;
  for (const { start, end } of found) {
    pieces.push(bytes.subarray(from, start));
    from = end;
  }
  pieces.push(bytes.subarray(from));
  try {
    return JSON.parse(Buffer.concat(pieces).toString(ascii ? 'latin1' : 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function readKey(bytes: Buffer, open: number, close: number): string | null {
  const raw = bytes.toString('utf8', open, close + 1);
  if (!raw.includes('\\')) return raw.slice(1, -1);
  try {
    return JSON.parse(raw) as string;
  } catch {
    return null;
  }
}

/** What scanString saw of the string it last scanned. */
const scanned = {
  escaped: false,
  /** Buffer.byteLength of the string minus its bytes as written (escapes are longer than what they stand for). */
  utf8Delta: 0,
  /**
   * The body's first backslash at or after where it was last looked for (-1: none up to the end), so
   * a body without one is searched once, not to its end again at every string.
   */
  backslash: -1,
};

function backslashFrom(bytes: Buffer, at: number): number {
  if (scanned.backslash !== -1 && scanned.backslash < at) scanned.backslash = bytes.indexOf(BACKSLASH, at);
  return scanned.backslash;
}

/**
 * Past this many escapes, a string whose escapes come every DENSE_ESCAPE_GAP bytes or more often makes
 * the reader decline. Each escape costs a native call (about 20-30 ns); decoding and JSON.parse cost
 * about 2 ns a byte here, page faults included on a quiet machine (many more under load), so escapes
 * denser than this (code with a newline or a quote every few bytes) are cheaper the old way, and a
 * loop over the bytes in JavaScript was slower still (1.5-4 ns a byte).
 */
const DENSE_ESCAPES = 64;
const DENSE_ESCAPE_GAP = 16;

/**
 * Index of the quote that closes the string opening at `open`; -1 when there is none, an escape is
 * invalid, or escapes are dense (see DENSE_ESCAPES). Its escapes are measured into `scanned`. Jumps
 * from quote to backslash with the native Buffer#indexOf, GB/s in between.
 */
function scanString(bytes: Buffer, open: number): number {
  scanned.escaped = false;
  scanned.utf8Delta = 0;
  let at = open + 1;
  let quote = bytes.indexOf(QUOTE, at);
  let backslash = backslashFrom(bytes, at);
  let escapes = 0;
  while (quote >= 0) {
    if (backslash < 0 || backslash > quote) return quote;
    at = escapeEnd(bytes, backslash);
    if (at < 0) return -1;
    escapes++;
    if (escapes >= DENSE_ESCAPES && (at - open) / escapes < DENSE_ESCAPE_GAP) return -1;
    if (quote < at) quote = bytes.indexOf(QUOTE, at);
    backslash = backslashFrom(bytes, at);
  }
  return -1;
}

/** Index just past the escape at `at` (a backslash), its effect on the UTF-8 length noted in `scanned`; -1 when invalid. */
function escapeEnd(bytes: Buffer, at: number): number {
  scanned.escaped = true;
  const kind = bytes[at + 1]!;
  if (kind !== LETTER_U) {
    if (!SIMPLE_ESCAPES.has(kind)) return -1;
    scanned.utf8Delta -= 1;
    return at + 2;
  }
  const unit = hexUnit(bytes, at + 2);
  if (unit < 0) return -1;
  const low = unit >= 0xd800 && unit <= 0xdbff && bytes[at + 6] === BACKSLASH && bytes[at + 7] === LETTER_U ? hexUnit(bytes, at + 8) : -1;
  if (low >= 0xdc00 && low <= 0xdfff) {
    scanned.utf8Delta -= 12 - 4;
    return at + 12;
  }
  // A lone surrogate encodes as U+FFFD, 3 bytes, like the rest of the BMP above U+07FF.
  scanned.utf8Delta -= 6 - (unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3);
  return at + 6;
}

/** The long string just scanned, between `start` and `end` (its closing quote); null when JSON.parse would refuse it. */
function measured(bytes: Buffer, start: number, end: number, bodyIsAscii: boolean): LongString | null {
  if (hasControlByte(bytes, start, end)) return null;
  const ascii = bodyIsAscii || isAscii(bytes.subarray(start, end));
  return new LongString(bytes, start, end, ascii, scanned.escaped, end - start + scanned.utf8Delta);
}

/** The code unit of four hex digits at `at`, or -1. */
function hexUnit(bytes: Buffer, at: number): number {
  let unit = 0;
  for (let index = at; index < at + 4; index++) {
    const code = bytes[index] ?? 0;
    const digit = code >= 48 && code <= 57 ? code - 48 : code >= 65 && code <= 70 ? code - 55 : code >= 97 && code <= 102 ? code - 87 : -1;
    if (digit < 0) return -1;
    unit = unit * 16 + digit;
  }
  return unit;
}

/**
 * Whether a byte below 0x20 (which JSON.parse refuses inside a string) lies in [start, end): a word of
 * four bytes `w` holds one exactly when `(w - 0x20202020) & ~w & 0x80808080` is non-zero. Four words a
 * step, as int32 (a uint32 over 2^31 would leave V8's integer path): 0.17 ns a byte here, against
 * 0.8 ns for a loop over the bytes.
 */
function hasControlByte(bytes: Buffer, start: number, end: number): boolean {
  let at = start;
  while (at < end && ((bytes.byteOffset + at) & 3) !== 0) if (bytes[at++]! < 0x20) return true;
  const words = new Int32Array(bytes.buffer, bytes.byteOffset + at, (end - at) >>> 2);
  const count = words.length;
  let index = 0;
  for (; index + 4 <= count; index += 4) {
    const a = words[index]! | 0;
    const b = words[index + 1]! | 0;
    const c = words[index + 2]! | 0;
    const d = words[index + 3]! | 0;
    const flags = (((a - 0x20202020) | 0) & ~a) | (((b - 0x20202020) | 0) & ~b) | (((c - 0x20202020) | 0) & ~c) | (((d - 0x20202020) | 0) & ~d);
    if ((flags & 0x80808080) !== 0) return true;
  }
  for (; index < count; index++) {
    const word = words[index]! | 0;
    if ((((word - 0x20202020) | 0) & ~word & 0x80808080) !== 0) return true;
  }
  for (at += count * 4; at < end; at++) if (bytes[at]! < 0x20) return true;
  return false;
}
