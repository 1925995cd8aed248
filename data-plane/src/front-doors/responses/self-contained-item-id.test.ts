import { describe, expect, it } from 'vitest';
import {
  carryingCallId,
  expandSelfContainedId,
  MAX_SELF_CONTAINED_ID_LENGTH,
  readCallId,
  selfContainedMessageId,
  selfContainedReasoningId,
} from './self-contained-item-id.ts';

const base64url = (text: string) => Buffer.from(text).toString('base64url');

describe('self-contained item ids', () => {
  it('spells a message id as msg_ and base64url of {"text"}, and expands it to the assistant message', () => {
    const id = selfContainedMessageId('Checking. ☀️');
    expect(id).toBe(`msg_${base64url('{"text":"Checking. ☀️"}')}`);
    expect(expandSelfContainedId(id)).toEqual({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking. ☀️' }] });
  });

  it('spells a reasoning id as rs_ and base64url of {"summary"}, and expands it to the reasoning item', () => {
    const id = selfContainedReasoningId('The user wants weather.');
    expect(id).toBe('rs_eyJzdW1tYXJ5IjoiVGhlIHVzZXIgd2FudHMgd2VhdGhlci4ifQ');
    expect(expandSelfContainedId(id)).toEqual({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'The user wants weather.' }] });
  });

  it('expands an empty message (an answer with nothing in it has one)', () => {
    expect(expandSelfContainedId(selfContainedMessageId(''))).toMatchObject({ content: [{ type: 'output_text', text: '' }] });
  });

  it.each([
    ['a streamed item (short id)', 'msg_0b9e4c2a111142228333944445555666_1'],
    ["OpenAI's own item", 'msg_68af0e1f2d4c81909b3c2a6e2f0d1c3b'],
    ['a function call', `fc_${base64url('{"text":"x"}')}`],
    ['the other kind of payload', `msg_${base64url('{"summary":"x"}')}`],
    ['an extra field', `msg_${base64url('{"text":"x","role":"system"}')}`],
    ['a text that is not a string', `msg_${base64url('{"text":1}')}`],
    ['a payload that is not an object', `msg_${base64url('["x"]')}`],
    ['a payload that is not JSON', `msg_${base64url('text')}`],
    ['characters outside base64url', `msg_${base64url('{"text":"x"}')}==`],
    ['an empty payload', 'msg_'],
  ])('does not expand %s', (_, id) => {
    expect(expandSelfContainedId(id)).toBeNull();
  });

  it('does not decode an id over the size cap', () => {
    const atCap = selfContainedMessageId('x'.repeat(MAX_SELF_CONTAINED_ID_LENGTH));
    expect(atCap.length).toBeGreaterThan(MAX_SELF_CONTAINED_ID_LENGTH);
    expect(expandSelfContainedId(atCap)).toBeNull();
  });

  it("spells a carrying call_id as call_ and base64url of the upstream's id and the items, and reads both back", () => {
    const items = { msg_ab_0: selfContainedMessageId('Checking.') };
    const id = carryingCallId('toolu_01', items);
    expect(id).toBe(`call_${base64url(JSON.stringify({ call: 'toolu_01', items }))}`);
    expect(readCallId(id)).toEqual({ callId: 'toolu_01', items });
  });

  it.each([
    ["an upstream's own call id", 'call_Zx8Q2mYbWkD3pTq9LhN4vR1s'],
    ['a call id of another shape', 'toolu_01'],
    ['a payload with an extra field', `call_${base64url('{"call":"a","items":{},"x":1}')}`],
    ['items that are not strings', `call_${base64url('{"call":"a","items":{"msg_1":2}}')}`],
    ['a call that is not a string', `call_${base64url('{"call":1,"items":{}}')}`],
  ])('reads %s as it is, carrying nothing', (_, callId) => {
    expect(readCallId(callId)).toEqual({ callId, items: {} });
  });
});
