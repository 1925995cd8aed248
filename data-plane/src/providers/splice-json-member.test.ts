import { describe, expect, it } from 'vitest';
import { SPLICED_PIECES_MIN_BYTES, serialiseKeepingBytes, spliceModel, spliceModelInto } from './splice-json-member.ts';
import { LongString, memberOf, readJsonBytes } from '../http/read-json-bytes.ts';
import { escapedPrompt } from '../testing/escaped-prompt.ts';
import { upstreamBodyText } from '../testing/upstream-body.ts';

const STREAM_USAGE = { key: 'stream_options', value: '{"include_usage":true}' };

describe('spliceModel', () => {
  it('replaces only the top-level model, keeping every other byte', () => {
    const text = '{ "messages" : [ {"role":"user","content":"say \\"model\\": \\\\"x\\\\"","model":"inner"} ],\n "model" : "public/m", "n": 1 }';
    expect(spliceModel(text, 'upstream-m')).toBe(text.replace('"public/m"', '"upstream-m"'));
  });

  it('adds stream_options at the end when the client sent none', () => {
    const spliced = spliceModel('{"model":"a","messages":[],"stream":true}  ', 'b', STREAM_USAGE);
    expect(spliced).toBe('{"model":"b","messages":[],"stream":true,"stream_options":{"include_usage":true}}  ');
  });

  it('escapes the new model as JSON', () => {
    expect(JSON.parse(spliceModel('{"model":"a"}', 'we"ird\\model') as string)).toEqual({ model: 'we"ird\\model' });
  });

  it('matches what serialising the parsed body sends, for bodies that nest objects and arrays', () => {
    const body = {
      messages: [{ role: 'user', content: [{ type: 'text', text: '{"model":"nope"}' }] }],
      model: 'm',
      tools: [{ a: [1, { b: null }] }],
      stream: true,
    };
    const spliced = spliceModel(JSON.stringify(body), 'up', STREAM_USAGE) as string;
    expect(JSON.parse(spliced)).toEqual({ ...body, model: 'up', stream_options: { include_usage: true } });
  });

  it.each([
    ['a repeated model key', '{"model":"a","model":"b"}'],
    ['an escaped top-level key', '{"mod\\u0065l":"a","model":"b"}'],
    ['a non-string model', '{"model":1}'],
    ['no model', '{"messages":[]}'],
    ['an array', '[{"model":"a"}]'],
  ])('refuses %s (the caller serialises instead)', (_name, text) => {
    expect(spliceModel(text, 'x')).toBeNull();
  });

  it('refuses to add a member the client already sent', () => {
    expect(spliceModel('{"model":"a","stream_options":{"include_usage":false}}', 'b', STREAM_USAGE)).toBeNull();
    expect(spliceModel('{"model":"a","stream_options":null}', 'b', STREAM_USAGE)).toBeNull();
  });

  it("splices ASCII bytes, and bytes read with their layout, to the same bytes as the text: one buffer for a short body, views of the client's bytes for a long one", () => {
    for (const prompt of [
      'short',
      'x'.repeat(SPLICED_PIECES_MIN_BYTES),
      'très ✓ 😀 "q" \\ and some plain words between the escapes '.repeat(SPLICED_PIECES_MIN_BYTES / 32),
    ]) {
      // A short body's bytes are spliced when ASCII; a long one is read in its bytes, UTF-8 too.
      const text = JSON.stringify({
        model: 'public/m',
        messages: [{ role: 'user', content: prompt }],
        ...(prompt === 'short' ? {} : { clé: { model: 'inner' } }),
        n: 1,
        stream: true,
      });
      const bytes = Buffer.from(text);
      const layout = readJsonBytes(bytes, 128)?.layout;
      const spliced = spliceModelInto(layout ? { text: null, bytes, layout } : { text, bytes }, 'upstream-é', STREAM_USAGE);
      expect(layout === undefined).toBe(prompt === 'short');
      const expected = Buffer.from(spliceModel(text, 'upstream-é', STREAM_USAGE) as string);
      if (prompt === 'short') expect(Buffer.isBuffer(spliced)).toBe(true);
      else expect((spliced as Buffer[]).some((piece) => piece.buffer === bytes.buffer && piece.length >= SPLICED_PIECES_MIN_BYTES)).toBe(true);
      expect(Buffer.concat(Buffer.isBuffer(spliced) ? [spliced] : (spliced as Buffer[]))).toEqual(expected);
    }
    expect(spliceModelInto({ text: '{"model":1}', bytes: Buffer.from('{"model":1}') }, 'x')).toBeNull();
    const long = Buffer.from(`{"model":1,"m":"${'x'.repeat(SPLICED_PIECES_MIN_BYTES)}"}`);
    expect(spliceModelInto({ text: null, bytes: long, layout: readJsonBytes(long, 128)!.layout }, 'x')).toBeNull();
    const streamOptions = Buffer.from(`{"model":"a","m":"${'x'.repeat(SPLICED_PIECES_MIN_BYTES)}","stream_options":null}`);
    expect(spliceModelInto({ text: null, bytes: streamOptions, layout: readJsonBytes(streamOptions, 128)!.layout }, 'b', STREAM_USAGE)).toBeNull();
    const escapedKey = Buffer.from(`{"model":"a","m\\u0021":"${'x'.repeat(SPLICED_PIECES_MIN_BYTES)}"}`);
    expect(readJsonBytes(escapedKey, 128)?.layout).toBeNull();
  });
});

describe('serialiseKeepingBytes', () => {
  const prompt = escapedPrompt(256 * 1024);
  // Compact JSON as JSON.stringify writes it, but for the long strings, which keep the client's escapes.
  const text = `{"model":"m","messages":[{"role":"system","content":"short"},{"role":"user","content":"${prompt}"},{"role":"user","content":[{"type":"text","text":"${prompt}"},{"type":"image_url","image_url":{"url":"x"}}]}],"stop":["${prompt}","end"],"n":1}`;

  it('writes a body read in its bytes back as those bytes, its long strings never built', () => {
    const { value } = readJsonBytes(Buffer.from(text), 128)!;
    const body = value as { messages: Array<{ content: unknown }> };
    // Compared as text: a failing comparison of a long prompt would print all of it.
    expect(upstreamBodyText(serialiseKeepingBytes(value, true)) === text).toBe(true);
    expect(memberOf(body.messages[1]!, 'content')).toBeInstanceOf(LongString);
  });

  it('moved into a new object (as a front door translates), the long strings still go out as the bytes', () => {
    const { value } = readJsonBytes(Buffer.from(text), 128)!;
    const { messages, stop } = value as { messages: unknown[]; stop: unknown[] };
    const translated = { model: 'upstream', messages: messages.slice(1, 2), stop, stream: true };
    const expected = `{"model":"upstream","messages":[{"role":"user","content":"${prompt}"}],"stop":["${prompt}","end"],"stream":true}`;
    expect(upstreamBodyText(serialiseKeepingBytes(translated, true)) === expected).toBe(true);
  });

  it('is JSON.stringify for anything else, a string read once included', () => {
    const { value } = readJsonBytes(Buffer.from(text), 128)!;
    const body = value as { messages: Array<{ content: string }>; stop: string[] };
    expect(typeof body.messages[1]!.content).toBe('string');
    const serialised = serialiseKeepingBytes(value, true);
    expect(JSON.parse(upstreamBodyText(serialised)) as unknown).toEqual(JSON.parse(text) as unknown);
    expect(upstreamBodyText(serialised).includes(prompt)).toBe(true);
    expect(serialiseKeepingBytes({ a: [1, 'b', { c: null }] }, true)).toBe(JSON.stringify({ a: [1, 'b', { c: null }] }));
  });

  it('sends a body of many medium texts in few pieces (undici writes each piece on its own)', () => {
    const turn = escapedPrompt(3 * 1024);
    const many = `{"model":"m","messages":[${Array.from({ length: 100 }, () => `{"role":"user","content":"${turn}"}`).join(',')}]}`;
    const { value } = readJsonBytes(Buffer.from(many), 128)!;
    const serialised = serialiseKeepingBytes(value, true);
    expect(upstreamBodyText(serialised) === many).toBe(true);
    expect(Array.isArray(serialised) && serialised.length <= Math.ceil(Buffer.byteLength(many) / (32 * 1024))).toBe(true);
  });

  it('for a body not read in bytes is JSON.stringify without looking for long strings', () => {
    const { value } = readJsonBytes(Buffer.from(text), 128)!;
    // Told wrongly, it still sends the same JSON: the getters build the strings.
    const serialised = serialiseKeepingBytes(value, false);
    expect(typeof serialised).toBe('string');
    expect(serialised === JSON.stringify(JSON.parse(text))).toBe(true);
  });
});
