// A Responses API request body → the chat request the pipeline runs (the shape parseChatRequest
// produces), plus what the `response` object echoes back. The stateless subset only:
// - `input` as a string or items: messages (input_text, input_image, output_text), function_call
//   (joined into the assistant turn before it), function_call_output (a tool message); reasoning items
//   are left out (no chat upstream takes back another model's reasoning);
// - `instructions` → a leading system message; function `tools` and `tool_choice` → chat's shapes;
//   `max_output_tokens` → max_completion_tokens; `reasoning.effort` → reasoning_effort;
//   `text.format` → response_format; temperature, top_p, user, parallel_tool_calls as they are;
//   OpenRouter's `provider` and `models` routing extras pass through to the pipeline;
// - `item_reference` items naming an output item the gateway returned are expanded from the id itself,
//   or for a streamed item from the call_id of the call after it (self-contained-item-id.ts), and such
//   call_ids become the upstream's own again; for the native upstream too. Other references are a 400;
// - `metadata` is only echoed. `store: true`, `previous_response_id`, `conversation` and `background`
//   need stored state the gateway does not keep: a 400 that says so. (The AI SDK's default store only
//   shows as references: it sends no `store` field unless one is set.)
// A long body is read in its bytes (http/read-json-bytes.ts): text moves into the chat request with
// memberOf/withText, built only when something reads it, and the native path splices into the bytes.
import { GatewayError } from '../../../../shared/src/errors.ts';
import { isRecord, type JsonObject } from '../../../../shared/src/json-object.ts';
import { readDoorBody, requireModel } from '../../pipeline/read-request-body.ts';
import type { ChatRequest } from '../../providers/client-requests.ts';
import type { JsonSource } from '../../providers/splice-json-member.ts';
import type { ResponsesObject } from './responses-wire.ts';
import { expandSelfContainedId, readCallId } from './self-contained-item-id.ts';
import { asBuffer } from '../../http/decode-text.ts';
import { isText, joinTexts, memberOf, textOf, withText, type LongString } from '../../http/read-json-bytes.ts';
import { copyKeepingBytes } from '../../providers/splice-json-member.ts';

/** The request's fields that the `response` object repeats. */
export type ResponsesEcho = Pick<
  ResponsesObject,
  | 'instructions'
  | 'max_output_tokens'
  | 'model'
  | 'parallel_tool_calls'
  | 'reasoning'
  | 'temperature'
  | 'text'
  | 'tool_choice'
  | 'tools'
  | 'top_p'
  | 'user'
  | 'metadata'
>;

export interface ConvertedResponsesRequest {
  /** The client's body as parsed, its item references expanded (what a native Responses upstream gets). */
  body: JsonObject;
  /** The client's bytes, when the body was read in them and `body` still says exactly what they say. */
  source?: JsonSource;
  chat: ChatRequest;
  echo: ResponsesEcho;
}

const STATELESS =
  'The gateway keeps no conversation state: send the whole conversation in `input` (with the AI SDK, set providerOptions.openai.store = false).';

function invalid(message: string, param: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}

function optionalNumber(body: JsonObject, key: string): number | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`'${key}' must be a number.`, key);
  return value;
}

export function convertResponsesRequest(raw: Uint8Array): ConvertedResponsesRequest {
  const { record: parsed, source } = readDoorBody(asBuffer(raw));
  const input = parsed.input;
  const expanded = Array.isArray(input) ? expandItemReferences(input) : null;
  // Unchanged by the expansion, the body is still what the client's bytes say.
  const changed = expanded !== null && expanded.some((item, index) => item !== (input as unknown[])[index]);
  const body = changed ? Object.assign(copyKeepingBytes(parsed), { input: expanded }) : parsed;
  const model = requireModel(body);
  refuseStatefulFields(body);
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') throw invalid("'stream' must be a boolean.", 'stream');

  const instructions = memberOf(body, 'instructions') ?? null;
  if (instructions !== null && !isText(instructions)) throw invalid("'instructions' must be a string.", 'instructions');
  const messages: JsonObject[] = instructions === null ? [] : [withText({ role: 'system' }, 'content', instructions)];
  messages.push(...convertInput(memberOf(body, 'input')));
  if (messages.length === 0) throw invalid("'input' must not be empty.", 'input');

  const maxOutputTokens = optionalNumber(body, 'max_output_tokens');
  const temperature = optionalNumber(body, 'temperature');
  const topP = optionalNumber(body, 'top_p');
  const tools = convertTools(body.tools);
  const toolChoice = convertToolChoice(body.tool_choice);
  const reasoning = isRecord(body.reasoning) ? body.reasoning : null;
  const effort = typeof reasoning?.effort === 'string' ? reasoning.effort : null;
  const format = isRecord(body.text) && isRecord(body.text.format) ? body.text.format : { type: 'text' };
  const responseFormat = convertTextFormat(format);
  const user = typeof body.user === 'string' ? body.user : null;
  const stream = body.stream === true;

  const chatBody: JsonObject = {
    model,
    messages,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    ...(maxOutputTokens !== null ? { max_completion_tokens: maxOutputTokens } : {}),
    ...(temperature !== null ? { temperature } : {}),
    ...(topP !== null ? { top_p: topP } : {}),
    ...(tools.length > 0 ? { tools } : {}),
    ...(toolChoice !== undefined ? { tool_choice: toolChoice } : {}),
    ...(typeof body.parallel_tool_calls === 'boolean' ? { parallel_tool_calls: body.parallel_tool_calls } : {}),
    ...(effort !== null ? { reasoning_effort: effort } : {}),
    ...(responseFormat !== null ? { response_format: responseFormat } : {}),
    ...(user !== null ? { user } : {}),
    ...(body.provider !== undefined ? { provider: body.provider } : {}),
    ...(body.models !== undefined ? { models: body.models } : {}),
  };
  return {
    body,
    ...(source === undefined || changed ? {} : { source }),
    chat: { body: chatBody as ChatRequest['body'], model, stream, clientWantsStreamUsage: stream, ...(source === undefined ? {} : { readInBytes: true }) },
    echo: {
      instructions: instructions === null ? null : textOf(instructions),
      max_output_tokens: maxOutputTokens,
      model,
      parallel_tool_calls: body.parallel_tool_calls !== false,
      reasoning: { effort, summary: typeof reasoning?.summary === 'string' ? reasoning.summary : null },
      temperature,
      text: { format },
      tool_choice: body.tool_choice ?? 'auto',
      tools: Array.isArray(body.tools) ? body.tools : [],
      top_p: topP,
      user,
      metadata: readMetadata(body.metadata),
    },
  };
}

function refuseStatefulFields(body: JsonObject): void {
  if (body.store === true) throw invalid(`'store: true' is not supported. ${STATELESS}`, 'store');
  if (body.previous_response_id !== undefined && body.previous_response_id !== null) {
    throw invalid(`'previous_response_id' is not supported. ${STATELESS}`, 'previous_response_id');
  }
  if (body.conversation !== undefined && body.conversation !== null) throw invalid(`'conversation' is not supported. ${STATELESS}`, 'conversation');
  if (body.background === true) throw invalid("'background: true' is not supported: responses are answered on this connection.", 'background');
}

function readMetadata(metadata: unknown): Record<string, string> {
  if (metadata === undefined || metadata === null) return {};
  if (!isRecord(metadata) || Object.values(metadata).some((value) => typeof value !== 'string')) {
    throw invalid("'metadata' must be an object of string values.", 'metadata');
  }
  return metadata as Record<string, string>;
}

function convertInput(input: unknown): JsonObject[] {
  if (isText(input)) return [withText({ role: 'user' }, 'content', input)];
  if (!Array.isArray(input)) throw invalid("'input' must be a string or an array of items.", 'input');
  const messages: JsonObject[] = [];
  input.forEach((item: unknown, index) => {
    const param = `input[${index}]`;
    if (!isRecord(item)) throw invalid(`'${param}' must be an object.`, param);
    const type = item.type ?? 'message';
    if (type === 'message') messages.push(convertMessage(item, param));
    else if (type === 'function_call') addFunctionCall(messages, item, param);
    else if (type === 'function_call_output') messages.push(convertFunctionCallOutput(item, param));
    else if (type === 'reasoning') return;
    else throw invalid(`'${param}.type' ${JSON.stringify(type)} is not supported: use message, function_call or function_call_output items.`, `${param}.type`);
  });
  return messages;
}

/** Each reference to an item the gateway returned → that item; a reference to anything else is a 400. */
function expandItemReferences(input: unknown[]): unknown[] {
  const carried = new Map<string, string>();
  const restored = input.map((item) => {
    if (!isRecord(item) || (item.type !== 'function_call' && item.type !== 'function_call_output') || typeof item.call_id !== 'string') return item;
    const { callId, items } = readCallId(item.call_id);
    for (const [id, selfContainedId] of Object.entries(items)) carried.set(id, selfContainedId);
    return callId === item.call_id ? item : { ...item, call_id: callId };
  });
  return restored.map((item, index) => {
    if (!isRecord(item) || item.type !== 'item_reference') return item;
    const param = `input[${index}]`;
    if (typeof item.id !== 'string') throw invalid(`'${param}.id' must be a string.`, `${param}.id`);
    const expanded = expandSelfContainedId(carried.get(item.id) ?? item.id);
    if (expanded === null) {
      throw invalid(
        `'${param}' references the item ${JSON.stringify(shorten(item.id))}, which the gateway cannot rebuild: only message and reasoning items it returned carry their content (in their id, or when streamed in the call_id of the function call after them). ${STATELESS}`,
        param,
      );
    }
    return expanded;
  });
}

function shorten(id: string): string {
  return id.length > 80 ? `${id.slice(0, 77)}...` : id;
}

const MESSAGE_ROLES = new Set(['user', 'system', 'developer', 'assistant']);

function convertMessage(item: JsonObject, param: string): JsonObject {
  const role = item.role;
  const content = memberOf(item, 'content');
  if (typeof role !== 'string' || !MESSAGE_ROLES.has(role))
    throw invalid(`'${param}.role' must be one of user, system, developer, assistant.`, `${param}.role`);
  if (isText(content)) return withText({ role }, 'content', content);
  if (!Array.isArray(content)) throw invalid(`'${param}.content' must be a string or an array of content parts.`, `${param}.content`);
  if (role === 'assistant') {
    const texts = content.map((part: unknown, index) => assistantText(part, `${param}.content[${index}]`));
    return withText({ role }, 'content', joinTexts(texts, ''));
  }
  return { role, content: content.map((part: unknown, index) => convertInputPart(part, `${param}.content[${index}]`)) };
}

/** Earlier assistant output: its text (a refusal is what the model said, so it counts as text). */
function assistantText(part: unknown, param: string): string | LongString {
  const text = isRecord(part) ? memberOf(part, part.type === 'refusal' ? 'refusal' : 'text') : undefined;
  if (isRecord(part) && (part.type === 'output_text' || part.type === 'input_text' || part.type === 'refusal') && isText(text)) return text;
  throw invalid(`'${param}' must be an output_text or refusal part.`, param);
}

function convertInputPart(part: unknown, param: string): JsonObject {
  if (!isRecord(part)) throw invalid(`'${param}' must be an object.`, param);
  if (part.type === 'input_text' || part.type === 'output_text') {
    const text = memberOf(part, 'text');
    if (!isText(text)) throw invalid(`'${param}.text' must be a string.`, `${param}.text`);
    return withText({ type: 'text' }, 'text', text);
  }
  if (part.type === 'input_image') {
    if (typeof part.image_url !== 'string')
      throw invalid(`'${param}.image_url' is required: images by file_id need stored files, which the gateway does not keep.`, `${param}.image_url`);
    return { type: 'image_url', image_url: { url: part.image_url, ...(typeof part.detail === 'string' ? { detail: part.detail } : {}) } };
  }
  throw invalid(`'${param}.type' ${JSON.stringify(part.type)} is not supported: use input_text or input_image.`, `${param}.type`);
}

/** Calls the model made join the assistant turn right before them (its text, or the calls before). */
function addFunctionCall(messages: JsonObject[], item: JsonObject, param: string): void {
  const { call_id: callId, name } = item;
  const args = memberOf(item, 'arguments');
  if (typeof callId !== 'string' || typeof name !== 'string' || !isText(args)) {
    throw invalid(`'${param}' needs string call_id, name and arguments.`, param);
  }
  const call = { id: callId, type: 'function', function: withText({ name }, 'arguments', args) };
  const previous = messages.at(-1);
  if (previous?.role === 'assistant') {
    previous.tool_calls = [...((previous.tool_calls as unknown[] | undefined) ?? []), call];
    return;
  }
  messages.push({ role: 'assistant', content: null, tool_calls: [call] });
}

function convertFunctionCallOutput(item: JsonObject, param: string): JsonObject {
  const callId = item.call_id;
  const output = memberOf(item, 'output');
  if (typeof callId !== 'string') throw invalid(`'${param}.call_id' must be a string.`, `${param}.call_id`);
  if (isText(output)) return withText({ role: 'tool', tool_call_id: callId }, 'content', output);
  if (!Array.isArray(output)) throw invalid(`'${param}.output' must be a string or an array of content parts.`, `${param}.output`);
  return { role: 'tool', tool_call_id: callId, content: output.map((part: unknown, index) => convertInputPart(part, `${param}.output[${index}]`)) };
}

function convertTools(tools: unknown): JsonObject[] {
  if (tools === undefined || tools === null) return [];
  if (!Array.isArray(tools)) throw invalid("'tools' must be an array.", 'tools');
  return tools.map((tool: unknown, index) => {
    const param = `tools[${index}]`;
    if (!isRecord(tool) || tool.type !== 'function') throw invalid(`'${param}' is not supported: only function tools are.`, `${param}.type`);
    if (typeof tool.name !== 'string') throw invalid(`'${param}.name' must be a string.`, `${param}.name`);
    const { name, description, parameters, strict } = tool;
    return {
      type: 'function',
      function: {
        name,
        ...(typeof description === 'string' ? { description } : {}),
        ...(isRecord(parameters) ? { parameters } : {}),
        ...(typeof strict === 'boolean' ? { strict } : {}),
      },
    };
  });
}

function convertToolChoice(choice: unknown): unknown {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  if (isRecord(choice) && choice.type === 'function' && typeof choice.name === 'string') return { type: 'function', function: { name: choice.name } };
  throw invalid("'tool_choice' must be auto, none, required or {type: 'function', name}.", 'tool_choice');
}

function convertTextFormat(format: JsonObject): JsonObject | null {
  if (format.type === 'text') return null;
  if (format.type === 'json_object') return { type: 'json_object' };
  if (format.type === 'json_schema' && typeof format.name === 'string' && isRecord(format.schema)) {
    const { name, schema, description, strict } = format;
    return {
      type: 'json_schema',
      json_schema: { name, schema, ...(typeof description === 'string' ? { description } : {}), ...(typeof strict === 'boolean' ? { strict } : {}) },
    };
  }
  throw invalid("'text.format' must be text, json_object, or json_schema with a name and a schema.", 'text.format');
}
