// A local stand-in for Anthropic's Messages API (`POST /v1/messages`), sending the wire format recorded
// in the anthropic fixtures (wire-formats.md §2.5): the message body, the `event:`-framed stream with a
// `ping`, `message_start` usage with `output_tokens: 1`, cumulative `message_delta` usage, the
// `{"type":"error",…}` envelope (529 overloaded included) and a mid-stream `event: error`. It accepts `x-api-key` (0.x SDKs, the gateway)
// or `Authorization: Bearer` (1.x SDKs). It answers deterministically (an echo of the last user text,
// one token per whitespace-separated word) so tests can predict every byte; `scenario` steers a request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sleep, startProviderSimulator, write } from '../simulator-http.ts';
import { countSimulatorTokens, countTurnTokens, echoLastUserTurn } from '../simulated-text.ts';
import type { ProviderSimulatorBase, ReceivedRequest, SimulatorOptions, SimulatorWire } from '../simulator-http.ts';
import { fill, findEvent, objectAt, readJsonFixture, readSseFixture, whole, type JsonObject } from '../wire-fixtures.ts';

const stream = readSseFixture('anthropic', 'anthropic-tool-call.1.sse');
const message = readJsonFixture('anthropic', 'anthropic-tool-call.1.json');
const block = (data: JsonObject) => objectAt(data, data.type === 'content_block_start' ? 'content_block' : 'delta');
const wire = {
  message,
  textBlock: objectAt(message, 'content', 0),
  toolUseBlock: objectAt(message, 'content', 1),
  error: readJsonFixture('anthropic', 'anthropic-error-overloaded.1.json'),
  messageStart: findEvent(stream, 'message_start', (data) => data.type === 'message_start'),
  textStart: findEvent(stream, 'text block start', (data) => data.type === 'content_block_start' && block(data).type === 'text'),
  toolUseStart: findEvent(stream, 'tool_use block start', (data) => data.type === 'content_block_start' && block(data).type === 'tool_use'),
  ping: findEvent(stream, 'ping', (data) => data.type === 'ping'),
  textDelta: findEvent(stream, 'text_delta', (data) => data.type === 'content_block_delta' && block(data).type === 'text_delta'),
  inputJsonDelta: findEvent(stream, 'input_json_delta', (data) => data.type === 'content_block_delta' && block(data).type === 'input_json_delta'),
  blockStop: findEvent(stream, 'content_block_stop', (data) => data.type === 'content_block_stop'),
  messageDelta: findEvent(stream, 'message_delta', (data) => data.type === 'message_delta'),
  messageStop: findEvent(stream, 'message_stop', (data) => data.type === 'message_stop'),
  streamError: findEvent(readSseFixture('anthropic', 'anthropic-error.1.sse'), 'error event', (data) => data.type === 'error'),
};

export interface AnthropicScenario {
  /** Answer with this HTTP status and Anthropic's error envelope instead of a message. */
  status?: number;
  /** Extra response headers (e.g. retry-after). */
  headers?: Record<string, string>;
  /** Wait before sending anything. */
  headersDelayMs?: number;
  /** Wait between stream events. */
  chunkDelayMs?: number;
  /** The reply text; defaults to an echo of the last user text. */
  reply?: string;
  /** Close the connection after this many text deltas. */
  dropAfterChunks?: number;
  /** Send `event: error` (overloaded_error) after this many text deltas. */
  errorAfterChunks?: number;
  /** When the request has tools: call this one with this input after the text (stop_reason tool_use). */
  toolUse?: { name: string; input: Record<string, unknown> };
  /** Prompt-cache counts to report (they are not part of `input_tokens`, as upstream). */
  cacheReadInputTokens?: number;
  cacheCreationInputTokens?: number;
}

export interface MessagesRequestBody {
  model?: unknown;
  max_tokens?: unknown;
  messages?: Array<{ role?: unknown; content?: unknown }>;
  tools?: unknown[];
  stream?: unknown;
}

export interface AnthropicSimulator extends ProviderSimulatorBase {
  scenario: (body: MessagesRequestBody) => AnthropicScenario;
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'conflict_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((block: { type?: unknown; text?: unknown; content?: unknown }) =>
      block?.type === 'text' && typeof block.text === 'string' ? block.text : block?.type === 'tool_result' ? contentText(block.content) : '',
    )
    .filter((text) => text !== '')
    .join(' ');
}

const messageText = (message: { content?: unknown } | undefined) => contentText(message?.content);

const protocol: SimulatorWire<AnthropicSimulator> = { basePath: '/v1', invalidJson: 'The request body is not valid JSON.', sendError, answer };

export function startAnthropicSimulator(options: SimulatorOptions = {}): Promise<AnthropicSimulator> {
  return startProviderSimulator(protocol, { scenario: () => ({}) }, options);
}

async function answer(simulator: AnthropicSimulator, recorded: ReceivedRequest, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { path, body } = recorded;

  if (request.method !== 'POST' || path !== '/v1/messages') return sendError(response, 404, `Unknown path ${path}`);
  const presented = recorded.headers['x-api-key'] ?? recorded.headers.authorization?.replace(/^Bearer /, '');
  if (simulator.apiKey !== null && presented !== simulator.apiKey) return sendError(response, 401, 'invalid x-api-key');
  if (recorded.headers['anthropic-version'] === undefined) return sendError(response, 400, 'anthropic-version: header is required');
  const messages = (body ?? {}) as MessagesRequestBody;
  if (typeof messages.model !== 'string' || typeof messages.max_tokens !== 'number' || !Array.isArray(messages.messages)) {
    return sendError(response, 400, 'model, max_tokens and messages are required');
  }

  const scenario = simulator.scenario(messages);
  if (scenario.headersDelayMs) await sleep(scenario.headersDelayMs);
  if (response.destroyed) return;
  if (scenario.status && scenario.status >= 400) return sendError(response, scenario.status, `simulated upstream error ${scenario.status}`, scenario.headers);

  const reply = scenario.reply ?? echoLastUserTurn(messages.messages, messageText);
  const toolUse = scenario.toolUse !== undefined && Array.isArray(messages.tools) && messages.tools.length > 0 ? scenario.toolUse : null;
  const toolUseId = `toolu_sim${simulator.requests.length}`;
  const inputJson = toolUse === null ? '' : JSON.stringify(toolUse.input);
  const outputTokens = countSimulatorTokens(reply) + countSimulatorTokens(inputJson);
  const usage = {
    input_tokens: countTurnTokens(messages.messages, messageText),
    cache_creation_input_tokens: scenario.cacheCreationInputTokens ?? 0,
    cache_read_input_tokens: scenario.cacheReadInputTokens ?? 0,
    cache_creation: { ephemeral_5m_input_tokens: scenario.cacheCreationInputTokens ?? 0, ephemeral_1h_input_tokens: 0 },
  };
  const stopReason = toolUse === null ? 'end_turn' : 'tool_use';
  const id = `msg_sim${simulator.requests.length}`;

  if (messages.stream !== true) {
    const content = [fill(wire.textBlock, { text: reply })];
    if (toolUse !== null) content.push(fill(wire.toolUseBlock, { id: toolUseId, name: toolUse.name, input: whole(toolUse.input as JsonObject) }));
    const body = fill(wire.message, { id, model: messages.model, content, stop_reason: stopReason, usage: { ...usage, output_tokens: outputTokens } });
    return sendJson(response, 200, body, scenario.headers);
  }

  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': `req_${id}`, ...scenario.headers });
  const send = async (event: string) => {
    if (scenario.chunkDelayMs) await sleep(scenario.chunkDelayMs);
    await write(response, event);
  };
  await send(wire.messageStart.format({ message: { id, model: messages.model, usage } }));
  await send(wire.textStart.format({ index: 0 }));
  await send(wire.ping.format());
  for (const [index, piece] of (reply.match(/\S+\s*/g) ?? []).entries()) {
    if (index === scenario.dropAfterChunks) return void response.destroy();
    if (index === scenario.errorAfterChunks) {
      await send(wire.streamError.format({ request_id: `req_${id}` }));
      return void response.end();
    }
    if (response.destroyed) return;
    await send(wire.textDelta.format({ index: 0, delta: { text: piece } }));
  }
  await send(wire.blockStop.format({ index: 0 }));
  if (toolUse !== null) {
    const half = Math.ceil(inputJson.length / 2);
    await send(wire.toolUseStart.format({ index: 1, content_block: { id: toolUseId, name: toolUse.name } }));
    for (const partial of ['', inputJson.slice(0, half), inputJson.slice(half)]) {
      await send(wire.inputJsonDelta.format({ index: 1, delta: { partial_json: partial } }));
    }
    await send(wire.blockStop.format({ index: 1 }));
  }
  // Cumulative totals: a client that adds them to message_start's instead of overwriting gets them wrong.
  const { cache_creation: _perTtl, ...totals } = usage;
  await send(wire.messageDelta.format({ delta: { stop_reason: stopReason }, usage: { ...totals, output_tokens: outputTokens } }));
  await send(wire.messageStop.format());
  response.end();
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'request-id': 'req_sim', ...headers });
  response.end(text);
}

function sendError(response: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(response, status, fill(wire.error, { error: { type: ERROR_TYPES[status] ?? 'api_error', message }, request_id: 'req_sim' }), headers);
}
