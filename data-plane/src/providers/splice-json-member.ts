// Changing one top-level member of a JSON object without re-serialising the rest: an agent's chat body
// is 100 KB-1 MB of messages, and only `model` (and for streams `stream_options`) differs upstream.
// JSON.stringify of the whole parsed body costs as much as parsing it; a splice costs a scan that jumps
// from quote to quote (native indexOf), so its cost grows with the body's structure, not its text.
// An ASCII body is spliced in its bytes, so the prompt is neither encoded again nor (when long) copied;
// so is a body read in its bytes (http/read-json-bytes.ts, which gives the top-level layout it saw, so
// the text is not scanned twice). The text must be one that JSON.parse accepted. Anything unusual (a
// top-level key with an escape, the key twice, a non-string value where a string is replaced) returns
// null, and the caller serialises.
import {
  QUOTE,
  BACKSLASH,
  OPEN_BRACE,
  CLOSE_BRACE,
  OPEN_BRACKET,
  CLOSE_BRACKET,
  COMMA,
  COLON,
  type MemberRange,
  type TopLevelLayout,
} from '../http/json-text.ts';
import { randomBytes } from 'node:crypto';
import { putBytes } from '../../../shared/src/json-bytes.ts';
import { longMembersOf, withText, type LongString } from '../http/read-json-bytes.ts';

/** A client's JSON body as sent: decoded text, ASCII text with its bytes, or bytes read with their layout. */
export type JsonSource = { text: string; bytes: Buffer | null } | { text: null; bytes: Buffer; layout: TopLevelLayout | null };

/** Index just past the closing quote of the string that opens at `start`, or -1. */
function stringEnd(json: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const quote = json.indexOf('"', from);
    if (quote < 0) return -1;
    let backslashes = 0;
    for (let index = quote - 1; json.charCodeAt(index) === BACKSLASH; index--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/**
 * The top-level members named in `keys` (a string value's range includes its quotes), and where the
 * object's closing brace is. Null when the text is not a plain object or a key is escaped or repeated.
 */
function scanTopLevel(json: string, keys: readonly string[], from = 0, afterMember = false): TopLevelLayout | null {
  const members = new Map<string, MemberRange>();
  /** `afterMember`: `from` is inside the object, just after a member's value (see closesWithout). */
  let depth = afterMember ? 1 : 0;
  let expectKey = false;
  /** The key whose value comes next, while at depth 1. */
  let pendingKey: string | null = null;
  let valueStart = -1;
  for (let index = from; index < json.length; index++) {
    const code = json.charCodeAt(index);
    if (code === QUOTE) {
      const end = stringEnd(json, index);
      if (end < 0) return null;
      if (depth === 1 && expectKey) {
        // Compared in place, not sliced out: an answer's keys are read on every request.
        const key = keyAt(json, index + 1, end - 1, keys);
        if (key === ESCAPED_KEY) return null;
        if (key !== null) {
          if (members.has(key)) return null;
          pendingKey = key;
        }
        expectKey = false;
      } else if (depth === 1 && pendingKey !== null && valueStart < 0) {
        members.set(pendingKey, { valueStart: index, valueEnd: end });
        pendingKey = null;
      }
      index = end - 1;
      continue;
    }
    if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (depth === 0) {
        if (code !== OPEN_BRACE) return null;
        expectKey = true;
      } else if (depth === 1 && pendingKey !== null) valueStart = index;
      depth++;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
      if (depth === 1 && pendingKey !== null && valueStart >= 0) {
        members.set(pendingKey, { valueStart, valueEnd: index + 1 });
        pendingKey = null;
        valueStart = -1;
      }
      if (depth === 0) return pendingKey === null ? { members, closingBrace: index } : null;
    } else if (depth === 1 && code === COMMA) {
      // A number, true, false or null value of a key we look for: not something we splice.
      if (pendingKey !== null) return null;
      expectKey = true;
    } else if (depth === 1 && code === COLON) {
      expectKey = false;
    }
  }
  return null;
}

const ESCAPED_KEY = '\\';

/** Which of `keys` the key text [start, end) is; null for none, ESCAPED_KEY when it holds an escape. */
function keyAt(json: string, start: number, end: number, keys: readonly string[]): string | null {
  for (let index = start; index < end; index++) if (json.charCodeAt(index) === BACKSLASH) return ESCAPED_KEY;
  for (const key of keys) if (key.length === end - start && json.startsWith(key, start)) return key;
  return null;
}

/** Where a model splice cuts the text, and what it puts in. */
interface ModelSplice {
  /** The current model's string value: [valueStart, valueEnd). */
  valueStart: number;
  valueEnd: number;
  /** The object's closing brace, before which `added` goes. */
  closingBrace: number;
  model: string;
  added: string;
}

/** `code(index)`: the text's character code at an index (of the text or its bytes: the same for ASCII). */
function planModelSplice(
  scanned: TopLevelLayout | null,
  code: (index: number) => number | undefined,
  model: string,
  addMember: AddedMember | undefined,
): ModelSplice | null {
  if (scanned === null) return null;
  const current = scanned.members.get('model');
  if (current === undefined || code(current.valueStart) !== QUOTE) return null;
  if (addMember && scanned.members.has(addMember.key)) return null;
  return {
    valueStart: current.valueStart,
    valueEnd: current.valueEnd,
    closingBrace: scanned.closingBrace,
    model: JSON.stringify(model),
    added: addMember ? `,${JSON.stringify(addMember.key)}:${addMember.value}` : '',
  };
}

/**
 * `json` with `model` set to `model` (a string value it already has) and, when `addMember` is given and
 * its key is absent, that member added at the end. Null when the splice cannot be done safely.
 */
export function spliceModel(json: string, model: string, addMember?: AddedMember): string | null {
  const splice = planModelSplice(scanTopLevel(json, keysOf(addMember)), (index) => json.charCodeAt(index), model, addMember);
  if (splice === null) return null;
  return json.slice(0, splice.valueStart) + splice.model + json.slice(splice.valueEnd, splice.closingBrace) + splice.added + json.slice(splice.closingBrace);
}

/**
 * From this size on, a spliced body is sent as its pieces (views of the client's bytes) instead of one
 * new buffer. Measured on this project's machines: every fresh page a large allocation touches costs a
 * page fault, about 20 µs, so copying a 256 KiB prompt into a new buffer cost about 1 ms of CPU, more
 * than the rest of the request; below this size the copy comes from reused memory and one buffer is
 * one write.
 */
export const SPLICED_PIECES_MIN_BYTES = 64 * 1024;

/** A member added at the end of the object (the stream's usage option). */
export interface AddedMember {
  key: string;
  value: string;
}

function keysOf(addMember: AddedMember | undefined): string[] {
  return addMember ? ['model', addMember.key] : ['model'];
}

/**
 * The source with `model` set (and `addMember` added), as `spliceModel` does: text for decoded text;
 * for bytes one buffer, or for a body of SPLICED_PIECES_MIN_BYTES and more the pieces to send in order.
 */
export function spliceModelInto(source: JsonSource, model: string, addMember?: AddedMember): string | Buffer | Buffer[] | null {
  if (source.text === null) return spliceBytes(source.bytes, source.layout, model, addMember);
  if (source.bytes === null) return spliceModel(source.text, model, addMember);
  return spliceBytes(source.bytes, scanTopLevel(source.text, keysOf(addMember)), model, addMember);
}

// Held once and called with .call: `bytes.subarray` on a Buffer is a named load that V8 11 (Node 20),
// compiling off the main thread, leaves a generic LoadIC call (docs/architecture.md, Where the time goes);
// putBytes holds `set` the same way.
const subarray = Uint8Array.prototype.subarray as (this: Buffer, start?: number, end?: number) => Buffer;

function spliceBytes(bytes: Buffer, layout: TopLevelLayout | null, model: string, addMember: AddedMember | undefined): Buffer | Buffer[] | null {
  const splice = planModelSplice(layout, (index) => bytes[index], model, addMember);
  if (splice === null) return null;
  const { valueStart, valueEnd, closingBrace } = splice;
  const modelBytes = Buffer.from(splice.model);
  const addedBytes = splice.added === '' ? null : Buffer.from(splice.added);
  const length = bytes.length - (valueEnd - valueStart) + modelBytes.length + (addedBytes === null ? 0 : addedBytes.length);
  if (length >= SPLICED_PIECES_MIN_BYTES) {
    const pieces = [subarray.call(bytes, 0, valueStart), modelBytes, subarray.call(bytes, valueEnd, closingBrace)];
    if (addedBytes !== null) pieces.push(addedBytes);
    pieces.push(subarray.call(bytes, closingBrace));
    return pieces;
  }
  // One buffer, each piece copied straight into it (what Buffer.concat of the pieces made, without them).
  const out = Buffer.allocUnsafe(length);
  let at = putBytes(out, 0, subarray.call(bytes, 0, valueStart));
  at = putBytes(out, at, modelBytes);
  at = putBytes(out, at, subarray.call(bytes, valueEnd, closingBrace));
  if (addedBytes !== null) at = putBytes(out, at, addedBytes);
  putBytes(out, at, subarray.call(bytes, closingBrace));
  return out;
}

/**
 * Where the string value of the top-level `model` of the object that opens at `from` lies (quotes
 * included), or null when it has none or the scan cannot tell safely. `json` may be an SSE event read as
 * latin1, so that indexes are byte offsets.
 */
export function modelValueRange(json: string, from: number): { start: number; end: number } | null {
  const member = scanTopLevel(json, ['model'], from)?.members.get('model');
  if (member === undefined || json.charCodeAt(member.valueStart) !== QUOTE) return null;
  return { start: member.valueStart, end: member.valueEnd };
}

/**
 * Whether an object whose scan stopped just after a member's value would, resumed at `from` in `json`, close
 * with no other member named `key` and no escaped key: what scanTopLevel from the object's start would also
 * require of those bytes. A stream's chunks repeat their first members, so a relay that saw the same bytes up
 * to the end of the `model` value scans only the rest.
 */
export function closesWithout(json: string, key: string, from: number): boolean {
  const rest = scanTopLevel(json, [key], from, true);
  return rest !== null && !rest.members.has(key);
}

/**
 * A complete answer with its top-level `model` string replaced by `model` (when not null) and
 * `usageMembers` (members' JSON text, such as `"cost":1`) appended inside its top-level `usage` object
 * (when not null), everything else as the upstream wrote it: the same JSON value as serialising the
 * parsed answer with those changes, without serialising it. `text` is what JSON.parse accepted; with
 * `ascii` (the text is its bytes decoded as Latin-1) the answer comes back as bytes. Null when the splice
 * cannot be done safely (a key escaped or repeated, `model` not a string, `usage` not an object): the
 * caller serialises.
 */
export function spliceAnswer(text: string, ascii: boolean, model: string | null, usageMembers: string | null): string | Buffer | null {
  const layout = scanTopLevel(text, model === null ? USAGE_KEY : usageMembers === null ? MODEL_KEY : MODEL_AND_USAGE_KEYS);
  if (layout === null) return null;
  // Two cuts at most: the model's value [modelStart, modelEnd), and before the usage's closing brace.
  let modelStart = text.length;
  let modelEnd = text.length;
  if (model !== null) {
    const range = layout.members.get('model');
    if (range === undefined || text.charCodeAt(range.valueStart) !== QUOTE) return null;
    modelStart = range.valueStart;
    modelEnd = range.valueEnd;
  }
  let usageClose = text.length;
  let usageText = '';
  if (usageMembers !== null) {
    const range = layout.members.get('usage');
    if (range === undefined || text.charCodeAt(range.valueStart) !== OPEN_BRACE) return null;
    usageClose = range.valueEnd - 1;
    usageText = isEmptyObject(text, range.valueStart, usageClose) ? usageMembers : `,${usageMembers}`;
  }
  const modelText = model === null ? '' : JSON.stringify(model);
  const spliced =
    usageClose < modelStart
      ? text.slice(0, usageClose) + usageText + text.slice(usageClose, modelStart) + modelText + text.slice(modelEnd)
      : text.slice(0, modelStart) + modelText + text.slice(modelEnd, usageClose) + usageText + text.slice(usageClose);
  // One copy into bytes (what the client's socket gets), unless something spliced in is not ASCII.
  return ascii && isAsciiText(modelText) ? Buffer.from(spliced, 'latin1') : spliced;
}

/** Whether the object between `open` and `close` (its braces) has no member: only whitespace inside. */
function isEmptyObject(text: string, open: number, close: number): boolean {
  for (let index = open + 1; index < close; index++) {
    const code = text.charCodeAt(index);
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return false;
  }
  return true;
}

function isAsciiText(text: string): boolean {
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) > 0x7f) return false;
  return true;
}

const MODEL_KEY = ['model'] as const;
const USAGE_KEY = ['usage'] as const;
const MODEL_AND_USAGE_KEYS = ['model', 'usage'] as const;

/** Per process: a marker a client cannot write, since it never leaves the process. */
const LONG_STRING_MARKER = `\u0000${randomBytes(12).toString('base64url')}:`;

/**
 * JSON.stringify(value), except that each long string still in a client's bytes (http/read-json-bytes.ts)
 * goes out as those bytes, as the client escaped it: a body a front door translated (a Messages or
 * Responses prompt become a chat request) is serialised without decoding its prompt, escaping it again
 * and encoding it back to UTF-8. The value's structure is copied where a long string hangs (a marker in
 * its place), serialised, and cut at the markers; pieces as spliceModelInto gives them. Without any long
 * string, JSON.stringify itself; so when `readInBytes` is false (the body was decoded and parsed: no string
 * can be left in bytes), without looking for one.
 */
export function serialiseKeepingBytes(value: unknown, readInBytes: boolean): string | Buffer | Buffer[] {
  if (!readInBytes) return JSON.stringify(value);
  const longs: LongString[] = [];
  const text = JSON.stringify(withMarkers(value, longs));
  if (longs.length === 0) return text;
  const pieces: Buffer[] = [];
  let from = 0;
  for (const [index, long] of longs.entries()) {
    const marker = JSON.stringify(`${LONG_STRING_MARKER}${index}`);
    const at = text.indexOf(marker, from);
    // Each marker once, in order; anything else (which a client cannot cause) serialises the plain way.
    if (at < 0) return JSON.stringify(value);
    pieces.push(Buffer.from(text.slice(from, at)), long.json());
    from = at + marker.length;
  }
  pieces.push(Buffer.from(text.slice(from)));
  const length = pieces.reduce((total, piece) => total + piece.length, 0);
  return length >= SPLICED_PIECES_MIN_BYTES ? inRuns(pieces) : Buffer.concat(pieces, length);
}

/**
 * A run of pieces this long is joined into one buffer. undici writes each piece of a body on its own (a
 * write to the socket and a promise), so an agent's turn of a hundred texts translated would cost a
 * hundred writes. The copy is not free (in-process, about 500 µs more for a 290 KB turn, mostly page
 * faults), but side by side the writes it saves cost more (docs/architecture.md, Where the time goes).
 */
const PIECE_RUN_BYTES = 32 * 1024;

/** `pieces` with each run of short ones joined; a piece of PIECE_RUN_BYTES or more stays a view of the client's bytes. */
function inRuns(pieces: readonly Buffer[]): Buffer[] {
  const runs: Buffer[] = [];
  let run: Buffer[] = [];
  let runLength = 0;
  const endRun = () => {
    if (run.length > 0) runs.push(run.length === 1 ? run[0]! : Buffer.concat(run, runLength));
    run = [];
    runLength = 0;
  };
  for (const piece of pieces) {
    if (piece.length >= PIECE_RUN_BYTES) {
      endRun();
      runs.push(piece);
      continue;
    }
    run.push(piece);
    runLength += piece.length;
    if (runLength >= PIECE_RUN_BYTES) endRun();
  }
  endRun();
  return runs;
}

/**
 * `{ ...holder }`, except that a member still in the client's bytes moves as the same lazy member
 * (withText), not read: a translation that copies a message to change one member (a role, an id)
 * leaves its prompt in the bytes for serialiseKeepingBytes.
 */
export function copyKeepingBytes<T extends object>(holder: T): T {
  const long = longMembersOf(holder);
  if (long === undefined || long.size === 0) return { ...holder };
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(holder)) {
    const member = long.get(key);
    if (member === undefined) copy[key] = (holder as Record<string, unknown>)[key];
    else withText(copy, key, member);
  }
  return copy as T;
}

/** `value` with every long string left in the bytes replaced by a numbered marker (pushed to `longs`); unchanged parts are shared, not copied. */
function withMarkers(value: unknown, longs: LongString[]): unknown {
  if (value === null || typeof value !== 'object') return value;
  const long = longMembersOf(value);
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let index = 0; index < value.length; index++) {
      const member = long?.get(String(index));
      const current: unknown = member === undefined ? value[index] : undefined;
      const item = member === undefined ? withMarkers(current, longs) : marker(member, longs);
      if (member !== undefined || item !== current) (copy ??= copyOf(value, long) as unknown[])[index] = item;
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | null = null;
  for (const key of Object.keys(value)) {
    const member = long?.get(key);
    const current = member === undefined ? (value as Record<string, unknown>)[key] : undefined;
    const item = member === undefined ? withMarkers(current, longs) : marker(member, longs);
    if (member !== undefined || item !== current) (copy ??= copyOf(value, long) as Record<string, unknown>)[key] = item;
  }
  return copy ?? value;
}

function marker(long: LongString, longs: LongString[]): string {
  longs.push(long);
  return `${LONG_STRING_MARKER}${longs.length - 1}`;
}

/** The object's (or array's) members in order, its long strings not read (the caller replaces them). */
function copyOf(value: object, long: ReadonlyMap<string, LongString> | undefined): Record<string, unknown> | unknown[] {
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
  for (const key of Object.keys(value)) (copy as Record<string, unknown>)[key] = long?.has(key) ? null : (value as Record<string, unknown>)[key];
  return copy;
}
