import { describe, expect, it } from 'vitest';
import { MISSING_TOOL_RESULT } from '../../pipeline/repair-tool-calls.ts';
import { repairAnthropicToolUses } from './repair-anthropic-tool-uses.ts';

const toolUse = (id: string) => ({ type: 'tool_use', id, name: 'get_weather', input: { city: 'Paris' } });
const toolResult = (id: string, content = 'sunny') => ({ type: 'tool_result', tool_use_id: id, content });
const placeholder = (id: string) => ({ type: 'tool_result', tool_use_id: id, content: MISSING_TOOL_RESULT });

describe('repairAnthropicToolUses', () => {
  it('leaves a well-formed history untouched (the same array)', () => {
    const messages = [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature: 's' }, toolUse('toolu_1')] },
      { role: 'user', content: [toolResult('toolu_1'), { type: 'text', text: 'thanks' }] },
    ];
    const repair = repairAnthropicToolUses(messages);
    expect(repair.changes).toBe(0);
    expect(repair.messages).toBe(messages);
  });

  it('drops repeated tool_use ids and orphan or repeated results, and answers unanswered calls', () => {
    const repair = repairAnthropicToolUses([
      { role: 'user', content: [toolResult('toolu_orphan'), { type: 'text', text: 'Weather in Paris and Lyon?' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, toolUse('toolu_1'), toolUse('toolu_1'), toolUse('toolu_2')] },
      { role: 'user', content: [toolResult('toolu_1'), toolResult('toolu_1', 'again'), toolResult('toolu_9'), { type: 'text', text: 'go on' }] },
    ]);
    expect(repair.changes).toBe(5);
    expect(repair.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Lyon?' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, toolUse('toolu_1'), toolUse('toolu_2')] },
      { role: 'user', content: [toolResult('toolu_1'), placeholder('toolu_2'), { type: 'text', text: 'go on' }] },
    ]);
  });

  it('adds a user turn of placeholders where none follows, keeps a string turn as text, and drops a turn left empty', () => {
    const repair = repairAnthropicToolUses([
      { role: 'user', content: [toolResult('toolu_orphan')] },
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: [toolUse('toolu_1')] },
      { role: 'assistant', content: [toolUse('toolu_2')] },
      { role: 'user', content: 'What did you find?' },
      { role: 'assistant', content: [toolUse('toolu_3')] },
    ]);
    expect(repair.changes).toBe(4);
    expect(repair.messages).toEqual([
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: [toolUse('toolu_1')] },
      { role: 'user', content: [placeholder('toolu_1')] },
      { role: 'assistant', content: [toolUse('toolu_2')] },
      { role: 'user', content: [placeholder('toolu_2'), { type: 'text', text: 'What did you find?' }] },
      { role: 'assistant', content: [toolUse('toolu_3')] },
      { role: 'user', content: [placeholder('toolu_3')] },
    ]);
  });
});
