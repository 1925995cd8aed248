// A non-streamed MiniMax body → the OpenAI chat.completion: an HTTP 200 whose `base_resp` reports a
// failure is that error (minimax-error.ts), and a leading `<think>…</think>` in a message's content
// moves to its `reasoning` field. Metering reads the upstream body as for any OpenAI-compatible one; a
// body without a think block or that does not parse is relayed byte for byte.
import type { GatewayError } from '../../../../shared/src/errors.ts';
import type { ConvertedResponse } from '../provider-adapter.ts';
import { convertOpenAICompatibleResponse } from './convert-openai-compatible-response.ts';
import { minimaxBaseRespError } from './minimax-error.ts';
import { MiniMaxThinkSplitter } from './minimax-think-splitter.ts';

interface MiniMaxResponseWire {
  base_resp?: unknown;
  choices?: unknown;
}

type MessageWire = { content?: unknown; reasoning?: unknown } & Record<string, unknown>;

/** The message with its think block moved to `reasoning`, or null when it has none. */
function splitThink(message: MessageWire | null | undefined): MessageWire | null {
  if (typeof message?.content !== 'string') return null;
  const splitter = new MiniMaxThinkSplitter();
  const first = splitter.push(message.content);
  const last = splitter.flush();
  const reasoning = first.reasoning + last.reasoning;
  if (reasoning === '' && !message.content.trimStart().startsWith('<think>')) return null;
  return { ...message, content: first.content + last.content, reasoning };
}

export function convertMiniMaxResponse(body: Buffer): ConvertedResponse | GatewayError {
  const report = convertOpenAICompatibleResponse(body);
  if (report.parsedBody === undefined) return report;
  const parsed = report.parsedBody as MiniMaxResponseWire;
  const failure = minimaxBaseRespError(parsed?.base_resp);
  if (failure !== null) return failure;
  if (!Array.isArray(parsed?.choices)) return report;
  let changed = false;
  const choices = (parsed.choices as Array<{ message?: MessageWire | null } | null>).map((choice) => {
    const message = splitThink(choice?.message);
    if (message === null) return choice;
    changed = true;
    return { ...choice, message };
  });
  if (!changed) return report;
  // The rewritten body replaces the parsed one, which later steps (the cost fields) reuse.
  const rewritten = { ...parsed, choices };
  return { ...report, body: JSON.stringify(rewritten), parsedBody: rewritten };
}
