import { describe, expect, it } from 'vitest';
import { LONG_STRING_BYTES, LongString, READER_MIN_BYTES, memberOf, readJsonBytes } from './read-json-bytes.ts';

/** A small deterministic generator (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Raw JSON string content (between the quotes): plain text, escapes of every kind, multi-byte UTF-8. */
const PIECES = [
  'the quick brown fox ',
  'é',
  '✓',
  '😀',
  '\\n',
  '\\"',
  '\\\\',
  '\\/',
  '\\t',
  '\\b\\f\\r',
  '\\u00e9',
  '\\u2713',
  '\\uD83D\\uDE00',
  '\\uD800',
  '\\uDC00x',
  '\\u0041',
  '\\u07ff',
  '\\u0800',
  'ÿ',
  '"',
];

/** `plain`: how much of it is plain words (little: escapes are dense, as in code, and the reader goes byte by byte). */
function rawContent(next: () => number, bytes: number, asciiOnly: boolean, plain: number): string {
  const pieces: string[] = [];
  let length = 0;
  while (length < bytes) {
    const piece = next() < plain ? 'plain words and more plain words ' : PIECES[Math.floor(next() * PIECES.length)]!;
    if (piece === '"' || (asciiOnly && Buffer.byteLength(piece) !== piece.length)) continue;
    pieces.push(piece);
    length += Buffer.byteLength(piece);
  }
  return pieces.join('');
}

/** A chat-like body whose strings are written by hand (so escapes stay as generated), padded past the reader's minimum. */
function bodyText(next: () => number): string {
  const ascii = next() < 0.5;
  const plain = [0.9, 0.5, 0][Math.floor(next() * 3)]!;
  const sizes = [LONG_STRING_BYTES - 1, LONG_STRING_BYTES, LONG_STRING_BYTES + 1, 40_000, READER_MIN_BYTES, 200_000];
  const size = () => sizes[Math.floor(next() * sizes.length)]!;
  const messages: string[] = [];
  const count = 1 + Math.floor(next() * 4);
  for (let index = 0; index < count; index++) {
    const content =
      next() < 0.3
        ? `[{"type":"text","text":"${rawContent(next, size(), ascii, plain)}"},{"type":"input_audio","input_audio":{"data":"${'QUJD'.repeat(size() / 4)}","format":"wav"}}]`
        : `"${rawContent(next, size(), ascii, plain)}"`;
    const name = next() < 0.2 ? `,"name":"n\\u00e9${index}"` : '';
    messages.push(`{"role":"${index % 2 === 0 ? 'user' : 'assistant'}"${name},"content":${content}}`);
  }
  const space = next() < 0.3 ? ' \n\t' : '';
  return `{${space}"model":"a/b",${space}"messages":${space}[${messages.join(`,${space}`)}],"temperature":0.5,"stop":["x",null,true,false,-1.5e3],"meta":{"deep":{"er":[[{}],[]]}},"tail":"${rawContent(next, READER_MIN_BYTES, ascii, plain)}"${space}}`;
}

function longStringsIn(value: unknown, found: LongString[] = []): LongString[] {
  if (value === null || typeof value !== 'object') return found;
  for (const key of Object.keys(value)) {
    const member = memberOf(value, key);
    if (member instanceof LongString) found.push(member);
    else longStringsIn(member, found);
  }
  return found;
}

describe('readJsonBytes', () => {
  it('reads what JSON.parse reads, measuring long strings without building them (generated bodies)', () => {
    const next = random(20261206);
    let deferred = 0;
    let declined = 0;
    for (let run = 0; run < 60; run++) {
      const text = bodyText(next);
      const bytes = Buffer.from(text);
      const expected: unknown = JSON.parse(text);
      const read = readJsonBytes(bytes, 128);
      if (read === null) {
        declined++;
        continue;
      }
      const longs = longStringsIn(read.value);
      deferred += longs.length;
      // Measured before anything reads them...
      const measured = longs.map((long) => ({ utf8Length: long.utf8Length, length: long.length, text: long.text() }));
      for (const { utf8Length, length, text: value } of measured) {
        expect(utf8Length).toBe(Buffer.byteLength(value));
        expect(length).toBe(value.length);
      }
      // ...and reading the body gives JSON.parse's values, the same key order included.
      expect(JSON.stringify(read.value) === JSON.stringify(expected)).toBe(true);
      expect(longStringsIn(read.value)).toEqual([]);
    }
    // Declined: bodies whose escapes are dense, or with less than half their bytes in long strings.
    expect(declined).toBeLessThan(20);
    expect(deferred).toBeGreaterThan(60);
  });

  it("reads an agent's turn in its bytes: many texts of 2-8 KiB and tool schemas (generated bodies)", () => {
    const next = random(19);
    for (let run = 0; run < 8; run++) {
      const ascii = run % 2 === 0;
      const messages: string[] = [];
      for (let length = 0; length < 300 * 1024;) {
        const text = rawContent(next, 2048 + Math.floor(next() * 6144), ascii, 0.9);
        messages.push(`{"role":"${messages.length % 2 === 0 ? 'user' : 'tool'}","content":"${text}"}`);
        length += text.length;
      }
      const schema = '{"type":"object","properties":{"path":{"type":"string","description":"\\"a\\" path"},"limit":{"type":"integer"}},"required":["path"]}';
      const tools = Array.from(
        { length: 20 },
        (_, index) => `{"type":"function","function":{"name":"t${index}","description":"${rawContent(next, 300, ascii, 0.9)}","parameters":${schema}}}`,
      );
      const text = `{"model":"a/b","messages":[${messages.join(',')}],"tools":[${tools.join(',')}]}`;
      const read = readJsonBytes(Buffer.from(text), 128);
      expect(read).not.toBeNull();
      // Every message's content stays in the bytes, and reading the body gives JSON.parse's values.
      expect(longStringsIn(read?.value)).toHaveLength(messages.length);
      expect(JSON.stringify(read?.value) === JSON.stringify(JSON.parse(text))).toBe(true);
    }
  });

  it('leaves exactly the strings of LONG_STRING_BYTES and more in the bytes', () => {
    const pad = 'p'.repeat(READER_MIN_BYTES);
    const text = `{"a":"${'x'.repeat(LONG_STRING_BYTES - 1)}","b":"${'y'.repeat(LONG_STRING_BYTES)}","c":["${'z'.repeat(LONG_STRING_BYTES + 1)}"],"d":"${pad}"}`;
    const value = readJsonBytes(Buffer.from(text), 128)?.value as Record<string, unknown>;
    expect(typeof memberOf(value, 'a')).toBe('string');
    expect(memberOf(value, 'b')).toBeInstanceOf(LongString);
    expect(memberOf(value.c as object, 0)).toBeInstanceOf(LongString);
    expect(value).toEqual(JSON.parse(text));
  });

  it('keeps a value written over a long string, and the key order', () => {
    const text = `{"model":"m","content":"${'x'.repeat(READER_MIN_BYTES)}","n":1}`;
    const value = readJsonBytes(Buffer.from(text), 128)?.value as Record<string, unknown>;
    value.content = 'short';
    expect(memberOf(value, 'content')).toBe('short');
    expect(JSON.stringify(value)).toBe('{"model":"m","content":"short","n":1}');
  });

  it.each([
    ['a small body', '{"a":"x"}'],
    ['invalid UTF-8', Buffer.concat([Buffer.from(`{"a":"${'x'.repeat(READER_MIN_BYTES)}`), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])],
    ['a repeated key (JSON.parse keeps the last)', `{"a":"${'x'.repeat(READER_MIN_BYTES)}","a":""}`],
    ['a repeated key before', `{"a":1,"a":"${'x'.repeat(READER_MIN_BYTES)}"}`],
    ['__proto__', `{"__proto__":{"a":"${'x'.repeat(READER_MIN_BYTES)}"}}`],
    ['nesting past the limit', `{"a":"${'x'.repeat(READER_MIN_BYTES)}","b":${'['.repeat(128)}${']'.repeat(128)}}`],
    ['mostly structure', `{"a":"${'x'.repeat(LONG_STRING_BYTES)}","b":[${'1,'.repeat(READER_MIN_BYTES)}1]}`],
    ['a raw newline in a long string', `{"a":"${'x'.repeat(READER_MIN_BYTES)}\n"}`],
    ['a raw newline among dense escapes', `{"a":"${'x\\n'.repeat(READER_MIN_BYTES / 3)}\n"}`],
    ['a raw control byte in a long string', `{"a":"x\u0001${'x'.repeat(READER_MIN_BYTES)}"}`],
    ['an unknown escape', `{"a":"${'x'.repeat(READER_MIN_BYTES)}\\x"}`],
    ['an unknown escape among dense escapes', `{"a":"${'x\\n'.repeat(READER_MIN_BYTES / 3)}\\x"}`],
    ['a short \\u escape', `{"a":"${'x'.repeat(READER_MIN_BYTES)}\\u12G4"}`],
    ['an unterminated string', `{"a":"${'x'.repeat(READER_MIN_BYTES)}`],
    ['trailing bytes', `{"a":"${'x'.repeat(READER_MIN_BYTES)}"} x`],
    ['a missing comma', `{"a":"${'x'.repeat(READER_MIN_BYTES)}" "b":1}`],
    ['an unclosed object', `{"a":"${'x'.repeat(READER_MIN_BYTES)}"`],
    ['escapes denser than one every 16 bytes (decoding and JSON.parse are cheaper)', `{"a":"${'x = \\"y\\";\\n'.repeat(READER_MIN_BYTES / 8)}"}`],
    ['a top-level string', `"${'x'.repeat(READER_MIN_BYTES)}"`],
  ])('declines %s (the caller then parses the text as before)', (_name, body) => {
    expect(readJsonBytes(Buffer.isBuffer(body) ? body : Buffer.from(body), 128)).toBeNull();
  });

  it('declines every corrupted body JSON.parse refuses (generated)', () => {
    const next = random(7);
    const valid = `{"model":"a","messages":[{"role":"user","content":"${'word \\n '.repeat(READER_MIN_BYTES / 7)}"}],"x":[1,{"y":null}]}`;
    for (let run = 0; run < 300; run++) {
      const at = Math.floor(next() * valid.length);
      const insert = ['"', '\\', '{', '}', ']', ',', ':', '\u0000', '\n', 'x', ''][Math.floor(next() * 11)]!;
      const text = valid.slice(0, at) + insert + valid.slice(at + (next() < 0.5 ? 1 : 0));
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        expect(readJsonBytes(Buffer.from(text), 128)).toBeNull();
        continue;
      }
      const read = readJsonBytes(Buffer.from(text), 128);
      if (read !== null) expect(JSON.stringify(read.value) === JSON.stringify(parsed)).toBe(true);
    }
  });

  it('reads an array body (the caller refuses it as JSON.parse would have let it)', () => {
    const text = `[{"a":"${'x'.repeat(READER_MIN_BYTES)}"}]`;
    expect(readJsonBytes(Buffer.from(text), 128)?.value).toEqual(JSON.parse(text));
  });
});
