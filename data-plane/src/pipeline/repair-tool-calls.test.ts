import { describe, expect, it } from 'vitest';
import { MISSING_TOOL_RESULT, repairToolCalls } from './repair-tool-calls.ts';

const user = (content: string) => ({ role: 'user', content });
const call = (id: string, name = 'lookup') => ({ id, type: 'function', function: { name, arguments: '{}' } });
const assistant = (...ids: string[]) => ({ role: 'assistant', content: null, tool_calls: ids.map((id) => call(id)) });
const result = (id: string, content = `result ${id}`) => ({ role: 'tool', tool_call_id: id, content });
const placeholder = (id: string) => ({ role: 'tool', tool_call_id: id, content: MISSING_TOOL_RESULT });

describe('repairToolCalls', () => {
  it.each([
    {
      name: 'leaves a well-formed history alone',
      input: [user('q'), assistant('a', 'b'), result('a'), result('b'), { role: 'assistant', content: 'done' }],
      expected: [user('q'), assistant('a', 'b'), result('a'), result('b'), { role: 'assistant', content: 'done' }],
      changes: 0,
    },
    {
      name: 'drops a second call with the same id in one assistant message (the first wins)',
      input: [user('q'), { role: 'assistant', content: null, tool_calls: [call('a', 'first'), call('a', 'second')] }, result('a')],
      expected: [user('q'), { role: 'assistant', content: null, tool_calls: [call('a', 'first')] }, result('a')],
      changes: 1,
    },
    {
      name: 'inserts a placeholder right after the assistant message when no result came',
      input: [user('q'), assistant('a'), user('next')],
      expected: [user('q'), assistant('a'), placeholder('a'), user('next')],
      changes: 1,
    },
    {
      name: 'inserts placeholders after the results that did come, in call order',
      input: [user('q'), assistant('a', 'b', 'c'), result('b'), user('next')],
      expected: [user('q'), assistant('a', 'b', 'c'), result('b'), placeholder('a'), placeholder('c'), user('next')],
      changes: 2,
    },
    {
      name: 'keeps a late result that follows another message in the same group',
      input: [assistant('a'), user('interjection'), result('a')],
      expected: [assistant('a'), user('interjection'), result('a')],
      changes: 0,
    },
    {
      name: 'drops a result whose call does not exist',
      input: [user('q'), assistant('a'), result('a'), result('ghost')],
      expected: [user('q'), assistant('a'), result('a')],
      changes: 1,
    },
    {
      name: 'drops a second result for the same id (the first wins)',
      input: [assistant('a'), result('a', 'first'), result('a', 'second')],
      expected: [assistant('a'), result('a', 'first')],
      changes: 1,
    },
    {
      name: 'drops tool results before the first assistant message',
      input: [{ role: 'system', content: 's' }, result('a'), user('q')],
      expected: [{ role: 'system', content: 's' }, user('q')],
      changes: 1,
    },
    {
      name: "does not let a later turn's result answer an earlier turn's call",
      input: [assistant('a'), assistant('b'), result('a')],
      expected: [assistant('a'), placeholder('a'), assistant('b'), placeholder('b')],
      changes: 3,
    },
    {
      name: 'allows the same id again in a later turn',
      input: [assistant('a'), result('a', 'one'), assistant('a'), result('a', 'two')],
      expected: [assistant('a'), result('a', 'one'), assistant('a'), result('a', 'two')],
      changes: 0,
    },
    {
      name: 'leaves calls without an id untouched (nothing to match them by)',
      input: [{ role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'f', arguments: '{}' } }] }, user('q')],
      expected: [{ role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'f', arguments: '{}' } }] }, user('q')],
      changes: 0,
    },
  ])('$name', ({ input, expected, changes }) => {
    const before = structuredClone(input);
    const repaired = repairToolCalls(input);
    expect(repaired.messages).toEqual(expected);
    expect(repaired.changes).toBe(changes);
    expect(input).toEqual(before);
  });

  it('returns the input array itself when nothing needed repair', () => {
    const input = [user('q'), assistant('a'), result('a')];
    expect(repairToolCalls(input).messages).toBe(input);
  });
});
