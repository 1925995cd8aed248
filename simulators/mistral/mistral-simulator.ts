// A local stand-in for Mistral's API (`POST /v1/chat/completions`, `POST /v1/fim/completions`,
// `POST /v1/embeddings`), sending
// the wire format recorded in the mistral fixtures (wire-formats.md §2.7): OpenAI-shaped bodies with `prefix: false` messages, streams whose
// usage rides on the last choice chunk, `data: [DONE]`, and Mistral's own error shapes: the flat 400
// `{object: "error", …}`, the 422 validation report (`message.detail[]`, also sent for any field Mistral
// does not know, as the real API forbids extra inputs), the 429 `rate_limited` with code "1300", and
// the 401 `{message: "Unauthorized", request_id}` with no error envelope. Tool-call ids in the request
// must be 9 letters and digits (400 otherwise), as upstream. Answers are deterministic (chat: an echo
// of the last user message; FIM: `Fill: ` and the prompt's last line; one token per word) so tests can
// predict every byte; `scenario` steers a request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { simulatedEmbedding, simulatedEmbeddingBase64 } from '../simulated-embedding.ts';
import { startProviderSimulator, write } from '../simulator-http.ts';
import { chatMessageText, countSimulatorTokens, countTurnTokens, echoLastUserTurn } from '../simulated-text.ts';
import type { ProviderSimulatorBase, ReceivedRequest, SimulatorOptions, SimulatorWire } from '../simulator-http.ts';
import { fill, findEvent, firstChoice, objectAt, readJsonFixture, readSseFixture, type Fill, type JsonObject, type WireEvent } from '../wire-fixtures.ts';

/** The chunks of one recorded stream: the role chunk, a text chunk, the finish chunk with usage, `[DONE]`. */
function streamWire(name: string) {
  const events = readSseFixture('mistral', name);
  const delta = (data: JsonObject) => objectAt(firstChoice(data) ?? {}, 'delta');
  const text = findEvent(
    events,
    'text chunk',
    (data) => firstChoice(data)?.finish_reason === null && typeof delta(data).content === 'string' && delta(data).content !== '',
  );
  return {
    role: findEvent(events, 'role chunk', (data) => firstChoice(data) !== null && delta(data).role !== undefined),
    text,
    textChoice: objectAt(text.data, 'choices', 0),
    finish: findEvent(events, 'finish chunk', (data) => typeof firstChoice(data)?.finish_reason === 'string'),
    done: events.find((event) => event.data === null)!,
  };
}
const chatStream = readSseFixture('mistral', 'mistral-tool-call.1.sse');
const toolCallChunk = findEvent(chatStream, 'tool call chunk', (data) => Array.isArray(objectAt(firstChoice(data) ?? {}, 'delta').tool_calls));
const thinkingChunk = findEvent(readSseFixture('mistral', 'mistral-reasoning.1.sse'), 'thinking chunk', (data) =>
  Array.isArray(objectAt(firstChoice(data) ?? {}, 'delta').content),
);
const completion = readJsonFixture('mistral', 'mistral-tool-call.1.json');
const reasoning = readJsonFixture('mistral', 'mistral-reasoning.1.json');
const validationError = readJsonFixture('mistral', 'mistral-error-validation.1.json');
const embeddings = readJsonFixture('mistral', 'mistral-embeddings.1.json');
const wire = {
  chat: streamWire('mistral-tool-call.1.sse'),
  fim: streamWire('mistral-fim.1.sse'),
  toolCallChunk,
  toolCallChoice: objectAt(toolCallChunk.data, 'choices', 0),
  toolCall: objectAt(toolCallChunk.data, 'choices', 0, 'delta', 'tool_calls', 0),
  thinkingChunk,
  thinkingChoice: objectAt(thinkingChunk.data, 'choices', 0),
  completion,
  completionChoice: objectAt(completion, 'choices', 0),
  /** Magistral's content chunks: thinking, then text. */
  thinkingContent: objectAt(reasoning, 'choices', 0, 'message', 'content', 0),
  textContent: objectAt(reasoning, 'choices', 0, 'message', 'content', 1),
  validationError,
  validationDetail: objectAt(validationError, 'message', 'detail', 0),
  error: readJsonFixture('mistral', 'mistral-error-rate-limit.1.json'),
  unauthorized: readJsonFixture('mistral', 'mistral-error-unauthorized.1.json'),
};

export interface MistralScenario {
  /** Answer with Mistral's error shape for this status (400, 401, 422, 429, 5xx) instead. */
  status?: number;
  /** Extra response headers (e.g. retry-after). */
  headers?: Record<string, string>;
  /** The reply text; defaults to the echo (chat) or the fill (FIM). */
  reply?: string;
  /** The finish_reason to end with (e.g. `model_length`, `error`); defaults to stop (or tool_calls). */
  finishReason?: string;
  /** Chat only: call this tool after the text. Its id is 9 letters and digits, as Mistral's are. */
  toolCall?: { id: string; name: string; arguments: string };
  /** Reply with Magistral-style content chunks: this thinking text, then the reply as a text chunk. */
  thinking?: string;
  /** Close the connection after this many content chunks. */
  dropAfterChunks?: number;
}

export interface MistralRequestBody {
  model?: unknown;
  messages?: Array<{ role?: unknown; content?: unknown; tool_calls?: Array<{ id?: unknown }>; tool_call_id?: unknown }>;
  prompt?: unknown;
  suffix?: unknown;
  stream?: unknown;
  [field: string]: unknown;
}

export interface MistralSimulator extends ProviderSimulatorBase {
  scenario: (body: MistralRequestBody, path: string) => MistralScenario;
}

const CHAT_FIELDS = new Set([
  'model',
  'messages',
  'temperature',
  'top_p',
  'max_tokens',
  'stream',
  'stop',
  'random_seed',
  'response_format',
  'tools',
  'tool_choice',
  'presence_penalty',
  'frequency_penalty',
  'n',
  'prediction',
  'parallel_tool_calls',
  'prompt_mode',
  'safe_prompt',
  'metadata',
]);
const EMBEDDINGS_FIELDS = new Set(['model', 'input', 'output_dimension', 'output_dtype', 'encoding_format', 'metadata']);
const FIM_FIELDS = new Set([
  'model',
  'prompt',
  'suffix',
  'max_tokens',
  'min_tokens',
  'temperature',
  'top_p',
  'stream',
  'stop',
  'random_seed',
  'metadata',
  'prompt_cache_key',
]);
const TOOL_CALL_ID = /^[a-zA-Z0-9]{9}$/;

export function mistralSimulatorFimReply(body: MistralRequestBody): string {
  const prompt = typeof body.prompt === 'string' ? body.prompt : '';
  return `Fill: ${prompt.split('\n').at(-1)?.trim() ?? ''}`;
}

const protocol: SimulatorWire<MistralSimulator> = { basePath: '/v1', invalidJson: 'Invalid JSON body', sendError, answer };

export function startMistralSimulator(options: SimulatorOptions = {}): Promise<MistralSimulator> {
  return startProviderSimulator(protocol, { scenario: () => ({}) }, options);
}

async function answer(simulator: MistralSimulator, recorded: ReceivedRequest, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = recorded.path;
  const body = (recorded.body ?? {}) as MistralRequestBody;
  if (simulator.apiKey !== null && request.headers.authorization !== `Bearer ${simulator.apiKey}`) return sendError(response, 401, 'Unauthorized');
  if (request.method === 'POST' && path === '/v1/embeddings') return answerEmbeddings(simulator, body, response);
  const isFim = path === '/v1/fim/completions';
  if (request.method !== 'POST' || (!isFim && path !== '/v1/chat/completions')) return sendError(response, 404, `Unknown path ${path}`);

  const extra = Object.keys(body).find((field) => !(isFim ? FIM_FIELDS : CHAT_FIELDS).has(field));
  if (extra !== undefined) return sendValidationError(response, [extra], 'extra_forbidden', 'Extra inputs are not permitted');
  const required = isFim ? 'prompt' : 'messages';
  if (body[required] === undefined) return sendValidationError(response, [required], 'missing', 'Field required');
  for (const message of body.messages ?? []) {
    const ids = [...(message.tool_calls ?? []).map((call) => call.id), ...(message.tool_call_id === undefined ? [] : [message.tool_call_id])];
    const bad = ids.find((id) => typeof id !== 'string' || !TOOL_CALL_ID.test(id));
    if (bad !== undefined) return sendError(response, 400, `Tool call id was ${String(bad)} but must be a-z, A-Z, 0-9, with a length of 9.`);
  }

  const scenario = simulator.scenario(body, path);
  if (scenario.status !== undefined && scenario.status >= 400) {
    if (scenario.status === 422)
      return sendValidationError(response, ['temperature'], 'less_than_equal', 'Input should be less than or equal to 1.5', scenario.headers);
    return sendError(
      response,
      scenario.status,
      scenario.status === 429 ? 'Rate limit exceeded' : `simulated upstream error ${scenario.status}`,
      scenario.headers,
    );
  }

  const reply = scenario.reply ?? (isFim ? mistralSimulatorFimReply(body) : echoLastUserTurn(body.messages, chatMessageText));
  const promptTokens = isFim
    ? countSimulatorTokens(`${String(body.prompt)} ${typeof body.suffix === 'string' ? body.suffix : ''}`)
    : countTurnTokens(body.messages, chatMessageText);
  const completionTokens = countSimulatorTokens(reply) + countSimulatorTokens(scenario.thinking ?? '');
  const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
  const toolCall = isFim ? undefined : scenario.toolCall;
  const toolCalls =
    toolCall === undefined ? null : [fill(wire.toolCall, { id: toolCall.id, function: { name: toolCall.name, arguments: toolCall.arguments } })];
  const finishReason = scenario.finishReason ?? (toolCalls === null ? 'stop' : 'tool_calls');
  const id = `${isFim ? 'fim' : 'chat'}${simulator.requests.length}`;
  const model = typeof body.model === 'string' ? body.model : 'unknown';
  const created = 1_700_000_000 + simulator.requests.length;
  const thinking =
    scenario.thinking === undefined
      ? null
      : fill(wire.thinkingContent, { thinking: [fill(objectAt(wire.thinkingContent, 'thinking', 0), { text: scenario.thinking })] });
  const content = thinking === null ? reply : [thinking, fill(wire.textContent, { text: reply })];

  if (body.stream !== true) {
    const message = { content, tool_calls: toolCalls };
    return sendJson(
      response,
      200,
      fill(wire.completion, { id, model, usage, created, choices: [fill(wire.completionChoice, { message, finish_reason: finishReason })] }),
      scenario.headers,
    );
  }

  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...scenario.headers });
  const stream = isFim ? wire.fim : wire.chat;
  const chunk = (event: WireEvent, values: Fill = {}) => write(response, event.format({ id, created, model, ...values }));
  await chunk(stream.role);
  if (thinking !== null) await chunk(wire.thinkingChunk, { choices: [fill(wire.thinkingChoice, { delta: { content: [thinking] } })] });
  for (const [index, piece] of (reply.match(/\S+\s*/g) ?? []).entries()) {
    if (scenario.dropAfterChunks !== undefined && index >= scenario.dropAfterChunks) {
      response.destroy();
      return;
    }
    await chunk(stream.text, { choices: [fill(stream.textChoice, { delta: { content: piece } })] });
  }
  if (toolCalls !== null) await chunk(wire.toolCallChunk, { choices: [fill(wire.toolCallChoice, { delta: { tool_calls: toolCalls } })] });
  await chunk(stream.finish, { choices: [fill(objectAt(stream.finish.data, 'choices', 0), { finish_reason: finishReason })], usage });
  response.end(stream.done.format());
}

function sendValidationError(response: ServerResponse, field: string[], type: string, message: string, headers: Record<string, string> = {}): void {
  const detail = fill(wire.validationDetail, { type, loc: ['body', ...field], msg: message, input: null });
  sendJson(response, 422, fill(wire.validationError, { message: { detail: [detail] } }), headers);
}

/** Mistral's embeddings: text input only, `output_dimension`, float or base64; one simulated vector per text, one token per word. */
function answerEmbeddings(simulator: MistralSimulator, body: MistralRequestBody, response: ServerResponse): void {
  const extra = Object.keys(body).find((field) => !EMBEDDINGS_FIELDS.has(field));
  if (extra !== undefined) return sendValidationError(response, [extra], 'extra_forbidden', 'Extra inputs are not permitted');
  const texts = typeof body.input === 'string' ? [body.input] : body.input;
  if (!Array.isArray(texts) || texts.length === 0 || !texts.every((text) => typeof text === 'string')) {
    return sendValidationError(response, ['input'], 'string_type', 'Input should be a valid string');
  }
  const scenario = simulator.scenario(body, '/v1/embeddings');
  if (scenario.status !== undefined && scenario.status >= 400)
    return sendError(response, scenario.status, `simulated upstream error ${scenario.status}`, scenario.headers);
  const dimensions = typeof body.output_dimension === 'number' ? body.output_dimension : undefined;
  const promptTokens = texts.reduce((sum: number, text: string) => sum + countSimulatorTokens(text), 0);
  const data = texts.map((text: string, index) => {
    const vector = simulatedEmbedding(text, dimensions);
    return fill(objectAt(embeddings, 'data', 0), { embedding: body.encoding_format === 'base64' ? simulatedEmbeddingBase64(vector) : vector, index });
  });
  const usage = { prompt_tokens: promptTokens, total_tokens: promptTokens, completion_tokens: 0 };
  sendJson(response, 200, fill(embeddings, { id: `embd${simulator.requests.length}`, data, model: String(body.model), usage }));
}

function sendError(response: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  if (status === 401) return sendJson(response, 401, fill(wire.unauthorized, { message, request_id: 'req-simulated' }), headers);
  const type = status === 429 ? 'rate_limited' : status >= 500 ? 'internal_server_error' : 'invalid_request_error';
  sendJson(response, status, fill(wire.error, { message, type, code: status === 429 ? '1300' : null }), headers);
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}
