// Tool-call repair (pipeline/repair-tool-calls.ts) for a Messages body sent natively to Anthropic, whose
// rule is stricter than OpenAI's: every tool_use of an assistant turn needs its tool_result in the user
// turn right after it, and a tool_result must answer a tool_use of the turn right before. Histories cut
// short by agents break it, and Anthropic answers them with a 400. So, the same repair in Anthropic's shape:
//   1. a tool_use whose id already appeared in the same assistant turn is dropped (the first wins);
//   2. a tool_result that answers no tool_use of the turn right before, or repeats an answered id, is
//      dropped; a user turn left empty by that is dropped too;
//   3. a tool_use left without a result gets MISSING_TOOL_RESULT, after the results the next user turn
//      already has (a user turn with only the placeholders when the next turn is not a user turn).
// Only turns it changes are rebuilt; with no change the body goes upstream untouched. Pure.
import { MISSING_TOOL_RESULT } from '../../pipeline/repair-tool-calls.ts';
import { memberOf } from '../../http/read-json-bytes.ts';

type Block = Record<string, unknown>;
type Message = { role?: unknown; content?: unknown } & Record<string, unknown>;

export interface AnthropicToolUseRepair {
  messages: unknown[];
  /** Tool uses dropped + results dropped + placeholders added (0: `messages` is the input itself). */
  changes: number;
}

/** Read with memberOf: a long string turn's text is not built (http/read-json-bytes.ts). */
function blocksOf(message: Message): Block[] | null {
  const content = memberOf(message, 'content');
  return Array.isArray(content) ? (content as Block[]) : null;
}

function isToolResult(block: Block): boolean {
  return block !== null && typeof block === 'object' && block.type === 'tool_result';
}

/** The assistant turn without repeated tool_use ids, and the ids it calls, in order. */
function dedupeToolUses(message: Message): { message: Message; ids: string[]; dropped: number } {
  const blocks = blocksOf(message);
  const ids: string[] = [];
  if (blocks === null) return { message, ids, dropped: 0 };
  const kept = blocks.filter((block) => {
    if (block === null || typeof block !== 'object' || block.type !== 'tool_use' || typeof block.id !== 'string') return true;
    if (ids.includes(block.id)) return false;
    ids.push(block.id);
    return true;
  });
  const dropped = blocks.length - kept.length;
  return { message: dropped === 0 ? message : { ...message, content: kept }, ids, dropped };
}

/** A user turn's tool_results checked against `callIds` (the turn before), with placeholders for the unanswered ones. */
function repairResults(message: Message | null, callIds: readonly string[]): { message: Message | null; changes: number } {
  const blocks = message === null ? [] : (blocksOf(message) ?? []);
  const answered = new Set<string>();
  const results: Block[] = [];
  const others: Block[] = [];
  let dropped = 0;
  for (const block of blocks) {
    if (!isToolResult(block)) {
      others.push(block);
      continue;
    }
    const id = typeof block.tool_use_id === 'string' ? block.tool_use_id : null;
    if (id === null || !callIds.includes(id) || answered.has(id)) dropped += 1;
    else {
      answered.add(id);
      results.push(block);
    }
  }
  const placeholders = callIds.filter((id) => !answered.has(id)).map((id) => ({ type: 'tool_result', tool_use_id: id, content: MISSING_TOOL_RESULT }));
  const changes = dropped + placeholders.length;
  if (changes === 0) return { message, changes };
  // Results lead the turn, as Anthropic wants them; a string turn keeps its text after them.
  const rest = message !== null && typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : others;
  const content = [...results, ...placeholders, ...rest];
  if (content.length === 0) return { message: null, changes };
  return { message: { ...(message ?? { role: 'user' }), content }, changes };
}

export function repairAnthropicToolUses(messages: readonly unknown[]): AnthropicToolUseRepair {
  const output: unknown[] = [];
  let changes = 0;
  let callIds: string[] = [];
  for (let index = 0; index < messages.length; index += 1) {
    const message = messages[index] as Message;
    if (message.role === 'assistant') {
      // The turn before had calls and no user turn followed: their placeholders come first.
      if (callIds.length > 0) {
        const repaired = repairResults(null, callIds);
        changes += repaired.changes;
        if (repaired.message !== null) output.push(repaired.message);
      }
      const deduped = dedupeToolUses(message);
      changes += deduped.dropped;
      output.push(deduped.message);
      callIds = deduped.ids;
      continue;
    }
    const repaired = repairResults(message, callIds);
    changes += repaired.changes;
    if (repaired.message !== null) output.push(repaired.message);
    callIds = [];
  }
  if (callIds.length > 0) {
    const repaired = repairResults(null, callIds);
    changes += repaired.changes;
    if (repaired.message !== null) output.push(repaired.message);
  }
  return changes === 0 ? { messages: messages as unknown[], changes } : { messages: output, changes };
}
