// Tool-call repair (kilo-gateway.md §6), on every request before any adapter sees it: agents replay
// histories that were cut short (a crash mid-tool, a retried turn), and strict providers (Anthropic,
// Mistral, OpenAI itself) reject a history where a call has no result or a result has no call.
//
// The messages are split into groups, each starting at an assistant message. Within each group:
//   1. a tool call whose id already appeared in the same assistant message is dropped (the first wins);
//   2. a tool result whose call is not in the group, or that repeats an id already answered, is dropped
//      (results before the first assistant message have no call at all);
//   3. a call left without a result gets MISSING_TOOL_RESULT as its result, inserted after the tool
//      results that directly follow the assistant message (so right after the assistant message when
//      there are none), in call order.
// Ids may repeat across groups: a later turn may legitimately reuse an id. Calls without a string id
// cannot be matched and are left as they are. Pure: the input is not modified; untouched messages are
// shared with the result.

import { isRecord, type JsonObject } from '../../../shared/src/json-object.ts';

/** The result content a placeholder carries; says plainly that the tool never answered. */
export const MISSING_TOOL_RESULT = '[no result: the tool call was not answered]';

type Message = JsonObject;

export interface ToolCallRepair {
  messages: unknown[];
  /** Calls dropped + results dropped + placeholders inserted (0: `messages` is the input itself). */
  changes: number;
}

function callId(call: unknown): string | null {
  return isRecord(call) && typeof call.id === 'string' ? call.id : null;
}

export function repairToolCalls(messages: readonly unknown[]): ToolCallRepair {
  const output: unknown[] = [];
  let changes = 0;
  let index = 0;
  // Before the first assistant message no call exists, so every tool result there is an orphan.
  while (index < messages.length && !isAssistant(messages[index])) {
    const message = messages[index];
    if (isToolResult(message)) changes += 1;
    else output.push(message);
    index += 1;
  }
  while (index < messages.length) {
    const end = nextAssistant(messages, index + 1);
    changes += repairGroup(messages.slice(index, end), output);
    index = end;
  }
  return changes === 0 ? { messages: messages as unknown[], changes } : { messages: output, changes };
}

function isAssistant(message: unknown): boolean {
  return isRecord(message) && message.role === 'assistant';
}

function isToolResult(message: unknown): message is Message {
  return isRecord(message) && message.role === 'tool';
}

function nextAssistant(messages: readonly unknown[], from: number): number {
  let index = from;
  while (index < messages.length && !isAssistant(messages[index])) index += 1;
  return index;
}

/** One group (an assistant message and what follows it up to the next one), repaired onto `output`. */
function repairGroup(group: readonly unknown[], output: unknown[]): number {
  const assistant = group[0] as Message;
  let changes = 0;
  const callIds: string[] = [];
  let calls = assistant.tool_calls;
  if (Array.isArray(calls)) {
    const kept = calls.filter((call) => {
      const id = callId(call);
      if (id === null) return true;
      if (callIds.includes(id)) return false;
      callIds.push(id);
      return true;
    });
    changes += calls.length - kept.length;
    calls = kept;
  }
  output.push(changes === 0 ? assistant : { ...assistant, tool_calls: calls });

  const answered = new Set<string>();
  const rest: unknown[] = [];
  let directResults = 0; // tool results directly after the assistant message, before anything else
  let followsDirectly = true;
  for (const message of group.slice(1)) {
    if (!isToolResult(message)) {
      followsDirectly = false;
      rest.push(message);
      continue;
    }
    const id = typeof message.tool_call_id === 'string' ? message.tool_call_id : null;
    if (id === null || !callIds.includes(id) || answered.has(id)) {
      changes += 1;
      continue;
    }
    answered.add(id);
    rest.push(message);
    if (followsDirectly) directResults += 1;
  }
  const placeholders = callIds.filter((id) => !answered.has(id)).map((id) => ({ role: 'tool', tool_call_id: id, content: MISSING_TOOL_RESULT }));
  changes += placeholders.length;
  output.push(...rest.slice(0, directResults), ...placeholders, ...rest.slice(directResults));
  return changes;
}
