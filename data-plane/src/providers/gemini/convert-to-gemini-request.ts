// An OpenAI chat request → a Gemini generateContent request (wire-formats.md §2.1 → §2.6).
// - system and developer messages become `systemInstruction`; user/assistant become `user`/`model`
//   contents, consecutive same-role turns merged (parallel function responses must share one turn);
// - images: data URLs become `inlineData`, http(s) URLs `fileData` (Gemini fetches them itself);
// - assistant tool calls become `functionCall` parts; tool messages become `functionResponse` parts,
//   named after the call they answer (Gemini pairs them by name, OpenAI by id) with the text wrapped in
//   an object, because `response` must be one. OpenAI ids are not sent: most are the gateway's own
//   (`call_0`), which Gemini never issued. A call's `extra_content.google.thought_signature` (as the
//   gateway returned it) goes back as the part's `thoughtSignature`, which thinking models require;
// - the model is in the URL, and streaming is a different method (`:streamGenerateContent?alt=sse`);
// - `reasoning_effort` becomes a thinking budget with thought summaries on, so `reasoning` is filled.
// Anything Gemini cannot express (audio or file parts, other image URL schemes) is refused with a 400;
// `parallel_tool_calls` and `user` have no Gemini equivalent and are dropped.
// Text is moved with memberOf/withText: a long prompt read in its bytes (http/read-json-bytes.ts) goes
// out as those bytes (serialiseKeepingBytes), not decoded and escaped again.
import { GatewayError } from '../../../../shared/src/errors.ts';
import { isRecord, type JsonObject } from '../../../../shared/src/json-object.ts';
import type { ChatRequest } from '../client-requests.ts';
import type { UpstreamHttpRequest, UpstreamTarget } from '../provider-adapter.ts';
import type {
  GeminiContent,
  GeminiFunctionCallingConfig,
  GeminiFunctionDeclaration,
  GeminiGenerationConfig,
  GeminiPart,
  GeminiRequest,
} from './gemini-wire.ts';
import { parseToolCallArguments, readFunctionTools } from '../read-function-tools.ts';
import { readStopSequences, readThinkingBudget } from '../read-generation-options.ts';
import { isText, joinTexts, memberOf, withText, type LongString } from '../../http/read-json-bytes.ts';
import { serialiseKeepingBytes } from '../splice-json-member.ts';

/** Thinking budgets per OpenAI `reasoning_effort`; `none` turns thinking off where the model allows it. */
const THINKING_BUDGETS = { none: 0, minimal: 512, low: 1024, medium: 8192, high: 24576 };
/** Image types Gemini reads, by URL extension, for `fileData` (whose MIME type Gemini cannot guess). */
const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
  gif: 'image/gif',
};

function invalid(message: string, param: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}

function convertImage(part: JsonObject, param: string): GeminiPart {
  const imageUrl = part.image_url;
  const url = typeof imageUrl === 'string' ? imageUrl : isRecord(imageUrl) ? imageUrl.url : undefined;
  if (typeof url !== 'string') throw invalid("An 'image_url' part needs a URL.", param);
  const dataUrl = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (dataUrl) return { inlineData: { mimeType: dataUrl[1]!, data: dataUrl[2]! } };
  if (!/^https?:\/\//i.test(url)) throw invalid('Image URLs must be base64 data URLs or http(s) URLs.', param);
  const extension = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  const mimeType = extension === undefined ? undefined : IMAGE_TYPES[extension];
  return { fileData: { fileUri: url, ...(mimeType !== undefined ? { mimeType } : {}) } };
}

function textPart(text: string | LongString): { text: string } {
  return withText({} as { text: string }, 'text', text);
}

/** User and system content (a string or text/image parts, read with memberOf) → parts. */
function convertContent(content: unknown, param: string, allowImages: boolean): GeminiPart[] {
  if (isText(content)) return content === '' ? [] : [textPart(content)];
  if (content === null || content === undefined) return [];
  if (!Array.isArray(content)) throw invalid("'content' must be a string or an array of parts.", param);
  return content.map((part, index) => {
    const partParam = `${param}[${index}]`;
    if (!isRecord(part)) throw invalid('A content part must be an object.', partParam);
    const text = part.type === 'text' ? memberOf(part, 'text') : undefined;
    if (isText(text)) return textPart(text);
    if (part.type === 'image_url' && allowImages) return convertImage(part, partParam);
    throw invalid(`Content parts of type '${String(part.type)}' are not supported by this model's provider.`, partParam);
  });
}

/** A text-only content → one string (system instructions and tool results); a single long text is not built. */
function contentText(content: unknown, param: string): string | LongString {
  const texts = convertContent(content, param, false).map((part) => ('text' in part ? (memberOf(part, 'text') as string | LongString) : ''));
  return joinTexts(texts, '');
}

/** The signature the gateway put on a tool call it returned (see to-openai-tool-call.ts). */
function thoughtSignature(call: JsonObject): string | null {
  const extra = isRecord(call.extra_content) && isRecord(call.extra_content.google) ? call.extra_content.google : null;
  return typeof extra?.thought_signature === 'string' ? extra.thought_signature : null;
}

function convertMessages(messages: unknown[]): { system: Array<{ text: string }>; contents: GeminiContent[] } {
  const system: Array<{ text: string }> = [];
  const contents: GeminiContent[] = [];
  /** Tool call id → function name; a later call reusing an id (the gateway's `call_0`) wins. */
  const toolNames = new Map<string, string>();
  const append = (role: GeminiContent['role'], parts: GeminiPart[]) => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last !== undefined && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  messages.forEach((message, index) => {
    const param = `messages[${index}]`;
    if (!isRecord(message)) throw invalid('A message must be an object.', param);
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = contentText(memberOf(message, 'content'), `${param}.content`);
        if (text !== '') system.push(textPart(text));
        return;
      }
      case 'user':
        append('user', convertContent(memberOf(message, 'content'), `${param}.content`, true));
        return;
      case 'assistant': {
        const parts = convertContent(memberOf(message, 'content'), `${param}.content`, false).filter(
          (part) => !('text' in part) || memberOf(part, 'text') !== '',
        );
        if (Array.isArray(message.tool_calls)) {
          message.tool_calls.forEach((call, callIndex) => {
            const callParam = `${param}.tool_calls[${callIndex}]`;
            const fn = isRecord(call) ? call.function : undefined;
            if (!isRecord(call) || typeof call.id !== 'string' || !isRecord(fn) || typeof fn.name !== 'string') {
              throw invalid('A tool call needs an id and a function name.', callParam);
            }
            toolNames.set(call.id, fn.name);
            const signature = thoughtSignature(call);
            parts.push({
              functionCall: { name: fn.name, args: parseToolCallArguments(fn.arguments, `${callParam}.function.arguments`) },
              ...(signature !== null ? { thoughtSignature: signature } : {}),
            });
          });
        }
        append('model', parts);
        return;
      }
      case 'tool': {
        const name = typeof message.tool_call_id === 'string' ? toolNames.get(message.tool_call_id) : undefined;
        if (name === undefined)
          throw invalid("A tool message's 'tool_call_id' must name a tool call of an earlier assistant message.", `${param}.tool_call_id`);
        const output = contentText(memberOf(message, 'content'), `${param}.content`);
        append('user', [{ functionResponse: { name, response: withText({}, 'output', output) } }]);
        return;
      }
      default:
        throw invalid(`Messages with role '${String(message.role)}' are not supported by this model's provider.`, `${param}.role`);
    }
  });
  return { system, contents };
}

function convertTools(tools: unknown): GeminiFunctionDeclaration[] {
  return readFunctionTools(tools).map(({ name, description, parameters }) => ({
    name,
    ...(description !== null ? { description } : {}),
    ...(parameters !== null ? { parametersJsonSchema: parameters } : {}),
  }));
}

function convertToolChoice(toolChoice: unknown): GeminiFunctionCallingConfig | undefined {
  if (toolChoice === undefined || toolChoice === null) return undefined;
  if (toolChoice === 'auto') return { mode: 'AUTO' };
  if (toolChoice === 'required') return { mode: 'ANY' };
  if (toolChoice === 'none') return { mode: 'NONE' };
  if (isRecord(toolChoice) && isRecord(toolChoice.function) && typeof toolChoice.function.name === 'string') {
    return { mode: 'ANY', allowedFunctionNames: [toolChoice.function.name] };
  }
  throw invalid("'tool_choice' must be auto, required, none or a function.", 'tool_choice');
}

function responseFormat(format: unknown): Pick<GeminiGenerationConfig, 'responseMimeType' | 'responseJsonSchema'> {
  if (!isRecord(format) || format.type === 'text') return {};
  if (format.type === 'json_object') return { responseMimeType: 'application/json' };
  if (format.type === 'json_schema' && isRecord(format.json_schema) && isRecord(format.json_schema.schema)) {
    return { responseMimeType: 'application/json', responseJsonSchema: format.json_schema.schema };
  }
  throw invalid("'response_format' must be text, json_object or json_schema with a schema.", 'response_format');
}

function generationConfig(body: JsonObject): GeminiGenerationConfig {
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  const stop = readStopSequences(body.stop);
  const budget = readThinkingBudget(body, THINKING_BUDGETS, 0);
  const number = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
  return {
    ...(number(body.temperature) ? { temperature: body.temperature } : {}),
    ...(number(body.top_p) ? { topP: body.top_p } : {}),
    ...(number(maxTokens) && maxTokens > 0 ? { maxOutputTokens: Math.floor(maxTokens) } : {}),
    ...(stop !== undefined ? { stopSequences: stop } : {}),
    ...(number(body.n) && body.n > 1 ? { candidateCount: Math.floor(body.n) } : {}),
    ...(number(body.seed) ? { seed: Math.floor(body.seed) } : {}),
    ...(number(body.presence_penalty) ? { presencePenalty: body.presence_penalty } : {}),
    ...(number(body.frequency_penalty) ? { frequencyPenalty: body.frequency_penalty } : {}),
    ...responseFormat(body.response_format),
    ...(budget !== null ? { thinkingConfig: { thinkingBudget: budget, ...(budget > 0 ? { includeThoughts: true } : {}) } } : {}),
  };
}

/** `models/gemini-x` and `gemini-x` name the same model; the URL wants the bare name. */
/** The model as the URL path names it (`models/` prefix optional in the catalog). */
export function modelPath(upstreamModel: string): string {
  return encodeURIComponent(upstreamModel.replace(/^models\//, ''));
}

export function convertToGeminiRequest(chat: ChatRequest, target: UpstreamTarget): UpstreamHttpRequest {
  const body = chat.body;
  const { system, contents } = convertMessages(body.messages);
  const toolChoice = convertToolChoice(body.tool_choice);
  const config = generationConfig(body);
  const tools = body.tools === undefined || body.tools === null ? [] : convertTools(body.tools);
  const request: GeminiRequest = {
    contents,
    ...(system.length > 0 ? { systemInstruction: { parts: system } } : {}),
    ...(tools.length > 0 ? { tools: [{ functionDeclarations: tools }] } : {}),
    ...(toolChoice !== undefined ? { toolConfig: { functionCallingConfig: toolChoice } } : {}),
    ...(Object.keys(config).length > 0 ? { generationConfig: config } : {}),
  };
  const method = chat.stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.apiKey !== null) headers['x-goog-api-key'] = target.apiKey;
  return { url: `${target.url}/${modelPath(target.upstreamModel)}:${method}`, headers, body: serialiseKeepingBytes(request, chat.readInBytes === true) };
}
