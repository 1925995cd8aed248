// A local stand-in for an OpenAI-compatible upstream (`POST /v1/chat/completions`, `POST /v1/embeddings`,
// `GET /v1/models`),
// sending OpenAI's wire format as recorded in the openai-text fixtures: the non-streamed body,
// `data:`-framed chunks with a role-only first delta, a finish chunk, the usage-only chunk
// (`choices: []`) when `stream_options.include_usage` is set, and `data: [DONE]`. It answers
// deterministically (an echo of the last user message), so a test can predict every byte and token
// count. Tests steer a request through `scenario`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { simulatedEmbedding, simulatedEmbeddingBase64 } from '../simulated-embedding.ts';
import { sleep, startProviderSimulator, write } from '../simulator-http.ts';
import { chatMessageText, countSimulatorTokens, countTurnTokens, echoLastUserTurn } from '../simulated-text.ts';
import type { ProviderSimulatorBase, ReceivedRequest, SimulatorOptions, SimulatorWire } from '../simulator-http.ts';
import { fill, findEvent, firstChoice, objectAt, readJsonFixture, readSseFixture, type JsonObject } from '../wire-fixtures.ts';

const stream = readSseFixture('openai-compatible', 'openai-text.1.sse');
const delta = (data: JsonObject) => objectAt(firstChoice(data) ?? {}, 'delta');
const wire = {
  completion: readJsonFixture('openai-compatible', 'openai-text.1.json'),
  embeddings: readJsonFixture('openai-compatible', 'openai-embeddings.1.json'),
  error: readJsonFixture('openai-compatible', 'openai-error-rate-limit.1.json'),
  roleChunk: findEvent(stream, 'role chunk', (data) => firstChoice(data) !== null && delta(data).role !== undefined),
  contentChunk: findEvent(
    stream,
    'content chunk',
    (data) => firstChoice(data) !== null && delta(data).role === undefined && typeof delta(data).content === 'string',
  ),
  finishChunk: findEvent(stream, 'finish chunk', (data) => typeof firstChoice(data)?.finish_reason === 'string'),
  usageChunk: findEvent(stream, 'usage-only chunk', (data) => firstChoice(data) === null),
  done: stream.find((event) => event.data === null)!,
};

export interface SimulatorScenario {
  /** Answer with this HTTP status and an OpenAI error envelope instead of a completion. */
  status?: number;
  /** Extra response headers (e.g. retry-after on a 429). */
  headers?: Record<string, string>;
  /** Wait before sending anything. */
  headersDelayMs?: number;
  /** Wait between stream chunks. */
  chunkDelayMs?: number;
  /** The reply text; defaults to an echo of the last user message. */
  reply?: string;
  /** Reset the connection before answering anything (a crashed or restarting upstream). */
  resetBeforeHeaders?: boolean;
  /** Close the connection after this many content chunks (a broken upstream mid-stream). */
  dropAfterChunks?: number;
  /** Leave usage out of the response (as some providers do). */
  omitUsage?: boolean;
  /**
   * Send exactly these bytes instead (status `rawStatus`, default 200; content-type JSON unless
   * `headers` say otherwise): other OpenAI-compatible providers' own shapes, such as xAI's flat errors,
   * MiniMax's `base_resp` on HTTP 200 or a hand-written stream.
   */
  rawBody?: string;
  rawStatus?: number;
}

export interface OpenAISimulator extends ProviderSimulatorBase {
  /** Requests whose client went away before the response finished. */
  abortedRequests: number;
  /** Decides each request's behaviour; replace it in a test. */
  scenario: (body: ChatRequestBody) => SimulatorScenario;
}

export interface ChatRequestBody {
  model?: unknown;
  messages?: Array<{ role?: unknown; content?: unknown }>;
  stream?: unknown;
  stream_options?: { include_usage?: unknown };
}

export const SIMULATOR_FINGERPRINT = 'fp_simulator';

const protocol: SimulatorWire<OpenAISimulator> = { basePath: '/v1', invalidJson: 'We could not parse the JSON body of your request.', sendError, answer };

export function startOpenAISimulator(options: SimulatorOptions = {}): Promise<OpenAISimulator> {
  return startProviderSimulator(protocol, { abortedRequests: 0, scenario: () => ({}) }, options);
}

async function answer(simulator: OpenAISimulator, recorded: ReceivedRequest, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { path, body } = recorded;

  if (request.method === 'GET' && path === '/v1/models') {
    return sendJson(response, 200, {
      object: 'list',
      data: [{ id: 'echo', object: 'model', created: 1700000000, owned_by: 'simulator' }],
    });
  }
  if (request.method === 'POST' && path === '/v1/embeddings') return answerEmbeddings(simulator, (body ?? {}) as EmbeddingsRequestBody, response);
  if (request.method !== 'POST' || path !== '/v1/chat/completions') {
    return sendError(response, 404, `Unknown path ${path}`);
  }
  const chat = (body ?? {}) as ChatRequestBody;
  if (typeof chat.model !== 'string' || !Array.isArray(chat.messages)) {
    return sendError(response, 400, "'model' and 'messages' are required");
  }

  const scenario = simulator.scenario(chat);
  let finished = false;
  response.on('close', () => {
    if (!finished) simulator.abortedRequests += 1;
  });
  if (scenario.headersDelayMs) await sleep(scenario.headersDelayMs);
  if (scenario.resetBeforeHeaders) {
    request.socket.resetAndDestroy();
    return;
  }
  if (response.destroyed) return;
  if (scenario.rawBody !== undefined) {
    response.writeHead(scenario.rawStatus ?? 200, { 'content-type': 'application/json', ...scenario.headers });
    response.end(scenario.rawBody);
    finished = true;
    return;
  }
  if (scenario.status && scenario.status >= 400) {
    sendError(response, scenario.status, `simulated upstream error ${scenario.status}`, scenario.headers);
    finished = true;
    return;
  }

  const reply = scenario.reply ?? echoLastUserTurn(chat.messages, chatMessageText);
  const promptTokens = countTurnTokens(chat.messages, chatMessageText);
  const usage = { prompt_tokens: promptTokens, completion_tokens: countSimulatorTokens(reply), total_tokens: promptTokens + countSimulatorTokens(reply) };
  const id = `chatcmpl-sim${simulator.received}`;
  const created = Math.floor(Date.now() / 1000);

  if (chat.stream !== true) {
    const body = fill(wire.completion, {
      id,
      created,
      model: chat.model,
      choices: [fill(objectAt(wire.completion, 'choices', 0), { message: { content: reply } })],
      usage: scenario.omitUsage ? undefined : usage,
      system_fingerprint: SIMULATOR_FINGERPRINT,
    });
    sendJson(response, 200, body, scenario.headers);
    finished = true;
    return;
  }

  const includeUsage = chat.stream_options?.include_usage === true && !scenario.omitUsage;
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...scenario.headers });
  const chunk = { id, created, model: chat.model, system_fingerprint: SIMULATOR_FINGERPRINT, usage: includeUsage ? null : undefined };
  const contentChoice = objectAt(wire.contentChunk.data, 'choices', 0);

  await write(response, wire.roleChunk.format(chunk));
  const pieces = reply.match(/\S+\s*/g) ?? [];
  for (const [index, piece] of pieces.entries()) {
    if (scenario.dropAfterChunks !== undefined && index >= scenario.dropAfterChunks) {
      response.destroy();
      return;
    }
    if (scenario.chunkDelayMs) await sleep(scenario.chunkDelayMs);
    if (response.destroyed) return;
    await write(response, wire.contentChunk.format({ ...chunk, choices: [fill(contentChoice, { delta: { content: piece } })] }));
  }
  await write(response, wire.finishChunk.format(chunk));
  if (includeUsage) await write(response, wire.usageChunk.format({ ...chunk, usage }));
  response.end(wire.done.format());
  finished = true;
}

export interface EmbeddingsRequestBody {
  model?: unknown;
  input?: unknown;
  encoding_format?: unknown;
  dimensions?: unknown;
}

/** OpenAI's embeddings: one simulated vector per input (simulated-embedding.ts), float or base64; prompt tokens as the words (or token ids) sent. */
function answerEmbeddings(simulator: OpenAISimulator, body: EmbeddingsRequestBody, response: ServerResponse): void {
  const input = body.input;
  const oneTokenArray = Array.isArray(input) && input.length > 0 && input.every((item) => typeof item === 'number');
  const inputs = (typeof input === 'string' || oneTokenArray ? [input] : input) as Array<string | number[]> | undefined;
  if (typeof body.model !== 'string' || !Array.isArray(inputs) || inputs.length === 0) return sendError(response, 400, "'model' and 'input' are required");
  const scenario = simulator.scenario({ model: body.model });
  if (scenario.status && scenario.status >= 400) return sendError(response, scenario.status, `simulated upstream error ${scenario.status}`, scenario.headers);
  const dimensions = typeof body.dimensions === 'number' ? body.dimensions : undefined;
  const promptTokens = inputs.reduce((sum: number, item) => sum + (typeof item === 'string' ? countSimulatorTokens(item) : item.length), 0);
  const data = inputs.map((item, index) => {
    const vector = simulatedEmbedding(item, dimensions);
    return fill(objectAt(wire.embeddings, 'data', 0), { index, embedding: body.encoding_format === 'base64' ? simulatedEmbeddingBase64(vector) : vector });
  });
  sendJson(
    response,
    200,
    fill(wire.embeddings, { data, model: body.model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } }),
    scenario.headers,
  );
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

function sendError(response: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  const type = status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error';
  const code = status === 429 ? 'rate_limit_exceeded' : status === 401 ? 'invalid_api_key' : null;
  sendJson(response, status, fill(wire.error, { error: { message, type, code } }), headers);
}
