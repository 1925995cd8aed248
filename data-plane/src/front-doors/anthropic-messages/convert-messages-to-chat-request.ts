// An Anthropic Messages request → the chat request the pipeline runs for a provider that is not
// Anthropic (wire-formats.md §2.5 → §2.1); the inverse of providers/anthropic/convert-to-anthropic-request.ts.
// - `system` (a string or text blocks) becomes one system message;
// - a user turn's `tool_result` blocks become `tool` messages, sent before the turn's other blocks,
//   because OpenAI wants tool results right after the assistant turn that called them;
// - `tool_use` blocks become `tool_calls` (input as a JSON string); `thinking` and `redacted_thinking`
//   are left out: their signatures only mean something to Anthropic;
// - `thinking` becomes `reasoning_effort` by budget; `stop_sequences` → `stop`;
//   `disable_parallel_tool_use` → `parallel_tool_calls: false`;
// - `cache_control`, `top_k` and `metadata` have no portable equivalent (Mistral refuses unknown fields),
//   so they are not sent.
// Blocks and tools other providers cannot take (documents, server tools, images in tool results) get a 400.
// Text is moved with memberOf/withText: a long prompt read in its bytes (http/read-json-bytes.ts) stays
// there in the chat request too, built only when something reads it (the native path never does).
import { GatewayError } from '../../../../shared/src/errors.ts';
import { isRecord, type JsonObject } from '../../../../shared/src/json-object.ts';
import { isText, joinTexts, memberOf, withText, type LongString } from '../../http/read-json-bytes.ts';
import type { ChatRequest } from '../../providers/client-requests.ts';
import type { MessagesRequest } from './parse-messages-request.ts';

type ChatMessage = JsonObject & { role: string };

const NOT_TRANSLATABLE = "is only supported when the model's provider is Anthropic";

function invalid(message: string, param: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}

function blockAt(block: unknown, param: string): JsonObject & { type: string } {
  if (!isRecord(block) || typeof block.type !== 'string') throw invalid('A content block must be an object with a type.', param);
  return block as JsonObject & { type: string };
}

function blockText(block: JsonObject, param: string): string | LongString {
  const text = memberOf(block, 'text');
  if (!isText(text)) throw invalid("A text block needs a string 'text'.", `${param}.text`);
  return text;
}

function convertImage(block: JsonObject, param: string): JsonObject {
  const source = block.source;
  if (isRecord(source) && source.type === 'base64' && typeof source.media_type === 'string' && typeof source.data === 'string') {
    return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  }
  if (isRecord(source) && source.type === 'url' && typeof source.url === 'string') return { type: 'image_url', image_url: { url: source.url } };
  throw invalid('An image block needs a base64 or url source.', `${param}.source`);
}

/** A tool_result's content → the tool message's text. */
function toolResultText(content: unknown, param: string): string | LongString {
  if (content === undefined || content === null) return '';
  if (isText(content)) return content;
  if (!Array.isArray(content)) throw invalid("A tool_result's 'content' must be a string or an array of blocks.", `${param}.content`);
  const texts = content.map((item, index) => {
    const block = blockAt(item, `${param}.content.${index}`);
    if (block.type !== 'text') throw invalid(`'${block.type}' blocks inside a tool_result ${NOT_TRANSLATABLE}.`, `${param}.content.${index}`);
    return blockText(block, `${param}.content.${index}`);
  });
  return joinTexts(texts, '\n');
}

function convertUserTurn(content: unknown, param: string): ChatMessage[] {
  if (isText(content)) return [withText({ role: 'user' }, 'content', content)];
  const toolMessages: ChatMessage[] = [];
  const parts: JsonObject[] = [];
  (content as unknown[]).forEach((item, index) => {
    const blockParam = `${param}.${index}`;
    const block = blockAt(item, blockParam);
    if (block.type === 'text') parts.push(withText({ type: 'text' }, 'text', blockText(block, blockParam)));
    else if (block.type === 'image') parts.push(convertImage(block, blockParam));
    else if (block.type === 'tool_result') {
      if (typeof block.tool_use_id !== 'string') throw invalid("A tool_result block needs a 'tool_use_id'.", `${blockParam}.tool_use_id`);
      toolMessages.push(withText({ role: 'tool', tool_call_id: block.tool_use_id }, 'content', toolResultText(memberOf(block, 'content'), blockParam)));
    } else throw invalid(`'${block.type}' blocks in user turns ${NOT_TRANSLATABLE}.`, blockParam);
  });
  return parts.length > 0 ? [...toolMessages, { role: 'user', content: parts }] : toolMessages;
}

function convertAssistantTurn(content: unknown, param: string): ChatMessage {
  if (isText(content)) return withText({ role: 'assistant' }, 'content', content);
  const texts: Array<string | LongString> = [];
  const toolCalls: JsonObject[] = [];
  (content as unknown[]).forEach((item, index) => {
    const blockParam = `${param}.${index}`;
    const block = blockAt(item, blockParam);
    if (block.type === 'text') texts.push(blockText(block, blockParam));
    else if (block.type === 'tool_use') {
      if (typeof block.id !== 'string' || typeof block.name !== 'string') throw invalid('A tool_use block needs an id and a name.', blockParam);
      toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    } else if (block.type !== 'thinking' && block.type !== 'redacted_thinking') {
      throw invalid(`'${block.type}' blocks in assistant turns ${NOT_TRANSLATABLE}.`, blockParam);
    }
  });
  const text = joinTexts(texts, '');
  if (toolCalls.length === 0) return withText({ role: 'assistant' }, 'content', text);
  const message: ChatMessage = text === '' ? { role: 'assistant', content: null } : withText({ role: 'assistant' }, 'content', text);
  message.tool_calls = toolCalls;
  return message;
}

function convertSystem(system: unknown): ChatMessage[] {
  if (system === undefined || system === null) return [];
  if (isText(system)) return [withText({ role: 'system' }, 'content', system)];
  if (!Array.isArray(system)) throw invalid("'system' must be a string or an array of text blocks.", 'system');
  const texts = system.map((item, index) => {
    const block = blockAt(item, `system.${index}`);
    if (block.type !== 'text') throw invalid("'system' blocks must be text blocks.", `system.${index}`);
    return blockText(block, `system.${index}`);
  });
  return [withText({ role: 'system' }, 'content', joinTexts(texts, '\n'))];
}

function convertTools(tools: unknown): JsonObject[] {
  if (!Array.isArray(tools)) throw invalid("'tools' must be an array.", 'tools');
  return tools.map((tool, index) => {
    const param = `tools.${index}`;
    if (!isRecord(tool) || typeof tool.name !== 'string') throw invalid('A tool needs a name.', param);
    if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom')
      throw invalid(`Tools of type '${String(tool.type)}' ${NOT_TRANSLATABLE}.`, param);
    return {
      type: 'function',
      function: {
        name: tool.name,
        ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
        parameters: isRecord(tool.input_schema) ? tool.input_schema : { type: 'object', properties: {} },
      },
    };
  });
}

function convertToolChoice(toolChoice: unknown): JsonObject {
  if (toolChoice === undefined || toolChoice === null) return {};
  if (!isRecord(toolChoice)) throw invalid("'tool_choice' must be an object.", 'tool_choice');
  const parallel = toolChoice.disable_parallel_tool_use === true ? { parallel_tool_calls: false } : {};
  switch (toolChoice.type) {
    case 'auto':
      return { tool_choice: 'auto', ...parallel };
    case 'any':
      return { tool_choice: 'required', ...parallel };
    case 'none':
      return { tool_choice: 'none' };
    case 'tool':
      if (typeof toolChoice.name !== 'string') throw invalid("A 'tool' tool_choice needs a name.", 'tool_choice.name');
      return { tool_choice: { type: 'function', function: { name: toolChoice.name } }, ...parallel };
    default:
      throw invalid("'tool_choice.type' must be auto, any, tool or none.", 'tool_choice.type');
  }
}

/** Anthropic's thinking budget → OpenAI's effort (the budgets the Anthropic adapter uses the other way). */
function reasoningEffort(thinking: unknown): JsonObject {
  if (!isRecord(thinking) || thinking.type === 'disabled') return {};
  if (thinking.type === 'adaptive') return { reasoning_effort: 'medium' };
  if (thinking.type !== 'enabled' || typeof thinking.budget_tokens !== 'number') {
    throw invalid("'thinking' must be {type: 'enabled', budget_tokens}, {type: 'adaptive'} or {type: 'disabled'}.", 'thinking');
  }
  const budget = thinking.budget_tokens;
  return { reasoning_effort: budget <= 1024 ? 'minimal' : budget <= 2048 ? 'low' : budget <= 8192 ? 'medium' : 'high' };
}

function stopSequences(stop: unknown): JsonObject {
  if (stop === undefined || stop === null) return {};
  if (!Array.isArray(stop) || !stop.every((item) => typeof item === 'string')) throw invalid("'stop_sequences' must be an array of strings.", 'stop_sequences');
  return stop.length > 0 ? { stop } : {};
}

export function convertMessagesToChatRequest(request: MessagesRequest): ChatRequest {
  const body = request.body;
  const messages: ChatMessage[] = [...convertSystem(memberOf(body, 'system'))];
  body.messages.forEach((message, index) => {
    const role = (message as { role: 'user' | 'assistant' }).role;
    const content = memberOf(message as object, 'content');
    const param = `messages.${index}.content`;
    if (role === 'user') messages.push(...convertUserTurn(content, param));
    else messages.push(convertAssistantTurn(content, param));
  });
  const chatBody: ChatRequest['body'] = {
    model: body.model,
    messages,
    ...(body.max_tokens !== undefined ? { max_tokens: body.max_tokens } : {}),
    ...(typeof body.temperature === 'number' ? { temperature: body.temperature } : {}),
    ...(typeof body.top_p === 'number' ? { top_p: body.top_p } : {}),
    ...stopSequences(body.stop_sequences),
    ...(body.tools !== undefined && body.tools !== null ? { tools: convertTools(body.tools) } : {}),
    ...convertToolChoice(body.tool_choice),
    ...reasoningEffort(body.thinking),
    ...(request.stream ? { stream: true } : {}),
  };
  // The usage chunk carries the gateway's cost fields, which the stream's message_delta passes on.
  return { body: chatBody, model: body.model, stream: request.stream, clientWantsStreamUsage: true, readInBytes: request.source !== undefined };
}
