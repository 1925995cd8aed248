// An OpenAI chat request → an Anthropic Messages request (wire-formats.md §2.1 → §2.5).
// - system and developer messages become `system` blocks;
// - Anthropic's turns alternate and tool results travel inside a user turn, so tool messages become
//   `tool_result` blocks and consecutive same-role messages merge into one turn;
// - `max_tokens` is required there: the client's limit, else 4096; a thinking budget is added on top,
//   because Anthropic counts thinking inside `max_tokens` and demands it exceed the budget;
// - `cache_control` on a content part or tool is passed through (prompt caching);
// - tool-call ids Anthropic would refuse are replaced, alike in tool_use and tool_result (map-anthropic-tool-call-ids.ts).
// Anything the Messages API cannot express (n > 1, audio or file parts) is refused with a 400.
// Text is moved with memberOf/withText: a long prompt read in its bytes (http/read-json-bytes.ts) goes
// out as those bytes (serialiseKeepingBytes), not decoded and escaped again.
import { GatewayError } from '../../../../shared/src/errors.ts';
import { isRecord, type JsonObject } from '../../../../shared/src/json-object.ts';
import type { ChatRequest } from '../client-requests.ts';
import type { UpstreamHttpRequest, UpstreamTarget } from '../provider-adapter.ts';
import type {
  AnthropicCacheControl,
  AnthropicContentBlock,
  AnthropicImageBlock,
  AnthropicMessage,
  AnthropicRequest,
  AnthropicTextBlock,
  AnthropicTool,
  AnthropicToolChoice,
  AnthropicToolResultBlock,
} from './anthropic-wire.ts';
import { createAnthropicToolCallIdMapper } from './map-anthropic-tool-call-ids.ts';
import { parseToolCallArguments, readFunctionTools } from '../read-function-tools.ts';
import { readStopSequences, readThinkingBudget } from '../read-generation-options.ts';
import { isText, memberOf, withText, type LongString } from '../../http/read-json-bytes.ts';
import { serialiseKeepingBytes } from '../splice-json-member.ts';

export const ANTHROPIC_VERSION = '2023-06-01';
const DEFAULT_MAX_TOKENS = 4096;
/** Thinking budgets per OpenAI `reasoning_effort`; `none` sends no thinking. */
const THINKING_BUDGETS = { none: null, minimal: 1024, low: 2048, medium: 8192, high: 24576 };
/** Anthropic's smallest thinking budget. */
const MIN_THINKING_BUDGET = 1024;

function invalid(message: string, param: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}

function cacheControlOf(part: JsonObject): { cache_control?: AnthropicCacheControl } {
  return isRecord(part.cache_control) ? { cache_control: part.cache_control as unknown as AnthropicCacheControl } : {};
}

function convertImage(part: JsonObject, param: string): AnthropicImageBlock {
  const imageUrl = part.image_url;
  const url = typeof imageUrl === 'string' ? imageUrl : isRecord(imageUrl) ? imageUrl.url : undefined;
  if (typeof url !== 'string') throw invalid("An 'image_url' part needs a URL.", param);
  const dataUrl = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  const source = dataUrl ? { type: 'base64' as const, media_type: dataUrl[1]!, data: dataUrl[2]! } : { type: 'url' as const, url };
  return { type: 'image', source, ...cacheControlOf(part) };
}

function textBlock(text: string | LongString): AnthropicTextBlock {
  return withText({ type: 'text' } as AnthropicTextBlock, 'text', text);
}

/** User, system and tool content (a string or text/image parts, read with memberOf) → blocks. */
function convertContent(content: unknown, param: string, allowImages: boolean): Array<AnthropicTextBlock | AnthropicImageBlock> {
  if (isText(content)) return [textBlock(content)];
  if (content === null || content === undefined) return [];
  if (!Array.isArray(content)) throw invalid("'content' must be a string or an array of parts.", param);
  return content.map((part, index) => {
    const partParam = `${param}[${index}]`;
    if (!isRecord(part)) throw invalid('A content part must be an object.', partParam);
    const text = part.type === 'text' ? memberOf(part, 'text') : undefined;
    if (isText(text)) return Object.assign(textBlock(text), cacheControlOf(part));
    if (part.type === 'image_url' && allowImages) return convertImage(part, partParam);
    throw invalid(`Content parts of type '${String(part.type)}' are not supported by this model's provider.`, partParam);
  });
}

function convertAssistant(message: JsonObject, param: string, toAnthropicId: (id: string) => string): AnthropicContentBlock[] {
  const blocks: AnthropicContentBlock[] = convertContent(memberOf(message, 'content'), `${param}.content`, false).filter(
    (block) => block.type !== 'text' || memberOf(block, 'text') !== '',
  );
  const toolCalls = message.tool_calls;
  if (Array.isArray(toolCalls)) {
    toolCalls.forEach((call, index) => {
      const callParam = `${param}.tool_calls[${index}]`;
      const fn = isRecord(call) ? call.function : undefined;
      if (!isRecord(call) || typeof call.id !== 'string' || !isRecord(fn) || typeof fn.name !== 'string') {
        throw invalid('A tool call needs an id and a function name.', callParam);
      }
      blocks.push({
        type: 'tool_use',
        id: toAnthropicId(call.id),
        name: fn.name,
        input: parseToolCallArguments(fn.arguments, `${callParam}.function.arguments`),
      });
    });
  }
  return blocks;
}

function convertMessages(messages: unknown[]): { system: AnthropicTextBlock[]; turns: AnthropicMessage[] } {
  const system: AnthropicTextBlock[] = [];
  const turns: AnthropicMessage[] = [];
  const toAnthropicId = createAnthropicToolCallIdMapper();
  const append = (role: AnthropicMessage['role'], blocks: AnthropicContentBlock[]) => {
    // Anthropic refuses a message with no content (OpenAI accepts an empty assistant turn): leave it
    // out, and the turns around it merge.
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    if (last !== undefined && last.role === role) (last.content as AnthropicContentBlock[]).push(...blocks);
    else turns.push({ role, content: blocks });
  };
  messages.forEach((message, index) => {
    const param = `messages[${index}]`;
    if (!isRecord(message)) throw invalid('A message must be an object.', param);
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(...(convertContent(memberOf(message, 'content'), `${param}.content`, false) as AnthropicTextBlock[]));
        return;
      case 'user':
        append('user', convertContent(memberOf(message, 'content'), `${param}.content`, true));
        return;
      case 'assistant':
        append('assistant', convertAssistant(message, param, toAnthropicId));
        return;
      case 'tool': {
        if (typeof message.tool_call_id !== 'string') throw invalid("A tool message needs a 'tool_call_id'.", `${param}.tool_call_id`);
        const content = memberOf(message, 'content');
        const result = { type: 'tool_result', tool_use_id: toAnthropicId(message.tool_call_id) } as AnthropicToolResultBlock;
        append('user', [isText(content) ? withText(result, 'content', content) : { ...result, content: convertContent(content, `${param}.content`, true) }]);
        return;
      }
      default:
        throw invalid(`Messages with role '${String(message.role)}' are not supported by this model's provider.`, `${param}.role`);
    }
  });
  return { system, turns };
}

function convertTools(tools: unknown): AnthropicTool[] {
  return readFunctionTools(tools).map(({ name, description, parameters, tool }) => ({
    name,
    ...(description !== null ? { description } : {}),
    input_schema: parameters ?? { type: 'object', properties: {} },
    ...cacheControlOf(tool),
  }));
}

function convertToolChoice(toolChoice: unknown, parallelToolCalls: unknown): AnthropicToolChoice | undefined {
  let choice: AnthropicToolChoice | undefined;
  if (toolChoice === 'auto') choice = { type: 'auto' };
  else if (toolChoice === 'required') choice = { type: 'any' };
  else if (toolChoice === 'none') choice = { type: 'none' };
  else if (isRecord(toolChoice) && isRecord(toolChoice.function) && typeof toolChoice.function.name === 'string') {
    choice = { type: 'tool', name: toolChoice.function.name };
  } else if (toolChoice !== undefined && toolChoice !== null) throw invalid("'tool_choice' must be auto, required, none or a function.", 'tool_choice');
  if (parallelToolCalls === false && choice?.type !== 'none') return { ...(choice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return choice;
}

export function convertToAnthropicRequest(chat: ChatRequest, target: UpstreamTarget): UpstreamHttpRequest {
  const body = chat.body;
  if (typeof body.n === 'number' && body.n > 1) throw invalid("This model's provider returns one choice per request ('n' must be 1).", 'n');
  const { system, turns } = convertMessages(body.messages);
  const requestedMax = body.max_completion_tokens ?? body.max_tokens;
  const maxTokens = typeof requestedMax === 'number' && requestedMax > 0 ? Math.floor(requestedMax) : DEFAULT_MAX_TOKENS;
  const budget = readThinkingBudget(body, THINKING_BUDGETS, MIN_THINKING_BUDGET);
  const stop = readStopSequences(body.stop);
  const toolChoice = convertToolChoice(body.tool_choice, body.parallel_tool_calls);

  const request: AnthropicRequest = {
    model: target.upstreamModel,
    max_tokens: budget === null ? maxTokens : maxTokens + budget,
    messages: turns,
    ...(system.length > 0 ? { system } : {}),
    ...(typeof body.temperature === 'number' ? { temperature: body.temperature } : {}),
    ...(typeof body.top_p === 'number' ? { top_p: body.top_p } : {}),
    ...(stop !== undefined ? { stop_sequences: stop } : {}),
    ...(body.tools !== undefined && body.tools !== null ? { tools: convertTools(body.tools) } : {}),
    ...(toolChoice !== undefined ? { tool_choice: toolChoice } : {}),
    ...(budget !== null ? { thinking: { type: 'enabled', budget_tokens: budget } } : {}),
    ...(typeof body.user === 'string' ? { metadata: { user_id: body.user } } : {}),
    ...(chat.stream ? { stream: true } : {}),
  };
  const headers: Record<string, string> = { 'content-type': 'application/json', 'anthropic-version': ANTHROPIC_VERSION };
  if (target.apiKey !== null) headers['x-api-key'] = target.apiKey;
  return { url: target.url, headers, body: serialiseKeepingBytes(request, chat.readInBytes === true) };
}
