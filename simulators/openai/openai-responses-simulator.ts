// A local stand-in for OpenAI's Responses API (`POST /v1/responses`), sending the wire format recorded in
// the openai-responses-text fixture: the `response` object, or the typed event stream (`event:` and
// `data:` lines, `sequence_number` from 0, response.created … response.completed), and OpenAI's error
// envelope. It answers deterministically, like the chat simulator: an echo of the last
// user text, one token per whitespace-separated word, so a test can predict the text and the usage.
// Checked against the official openai SDK (its stream accumulator rebuilds the final response).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startProviderSimulator, write } from '../simulator-http.ts';
import type { ProviderSimulatorBase, ReceivedRequest, SimulatorOptions, SimulatorWire } from '../simulator-http.ts';
import { fill, findEvent, objectAt, readJsonFixture, readSseFixture, whole, type Fill, type Json, type WireEvent } from '../wire-fixtures.ts';
import { countSimulatorTokens } from '../simulated-text.ts';

const stream = readSseFixture('openai-compatible', 'openai-responses-text.1.sse');
const event = (type: string) => findEvent(stream, type, (data) => data.type === type);
const wire = {
  created: event('response.created'),
  inProgress: event('response.in_progress'),
  itemAdded: event('response.output_item.added'),
  partAdded: event('response.content_part.added'),
  textDelta: event('response.output_text.delta'),
  textDone: event('response.output_text.done'),
  partDone: event('response.content_part.done'),
  itemDone: event('response.output_item.done'),
  completed: event('response.completed'),
  error: readJsonFixture('openai-compatible', 'openai-error-rate-limit.1.json'),
};
const completedResponse = objectAt(wire.completed.data, 'response');
const messageItem = objectAt(completedResponse, 'output', 0);
const textPart = objectAt(messageItem, 'content', 0);

export interface ResponsesScenario {
  /** Answer with this HTTP status and OpenAI's error envelope instead. */
  status?: number;
  /** Close the connection after this many text deltas, once `dropWhen` settled (a test can wait until it saw them). */
  dropAfterChunks?: number;
  dropWhen?: Promise<void>;
}

export interface OpenAIResponsesSimulator extends ProviderSimulatorBase<Record<string, unknown> | null> {
  scenario: (body: Record<string, unknown>) => ResponsesScenario;
}

/** The input's text in order (of one role, or every role when null): a string input is the user's. */
function inputTexts(input: unknown, role: string | null): string[] {
  if (typeof input === 'string') return role === null || role === 'user' ? [input] : [];
  if (!Array.isArray(input)) return [];
  return input.flatMap((item: { role?: unknown; content?: unknown }) => {
    if (role !== null && item?.role !== role) return [];
    if (typeof item.content === 'string') return [item.content];
    if (!Array.isArray(item.content)) return [];
    return item.content.flatMap((part: { text?: unknown }) => (typeof part?.text === 'string' ? [part.text] : []));
  });
}

const protocol: SimulatorWire<OpenAIResponsesSimulator> = {
  basePath: '/v1',
  invalidJson: 'We could not parse the JSON body of your request.',
  sendError,
  answer,
};

export function startOpenAIResponsesSimulator(options: SimulatorOptions = {}): Promise<OpenAIResponsesSimulator> {
  return startProviderSimulator(protocol, { scenario: () => ({}) }, options);
}

async function answer(
  simulator: OpenAIResponsesSimulator,
  recorded: ReceivedRequest<Record<string, unknown> | null>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (recorded.body === null) return sendError(response, 400, 'We could not parse the JSON body of your request.');
  const { path, headers, body } = recorded;
  if (simulator.apiKey !== null && headers.authorization !== `Bearer ${simulator.apiKey}`) return sendError(response, 401, 'Incorrect API key provided.');
  if (request.method !== 'POST' || path !== '/v1/responses') return sendError(response, 404, `Unknown path ${path}`);
  if (typeof body.model !== 'string' || body.input === undefined) return sendError(response, 400, "'model' and 'input' are required");
  const scenario = simulator.scenario(body);
  if (scenario.status !== undefined) return sendError(response, scenario.status, `simulated upstream error ${scenario.status}`);

  const instructions = typeof body.instructions === 'string' ? body.instructions : '';
  const reply = `Echo: ${inputTexts(body.input, 'user').at(-1) ?? ''}`;
  const inputTokens = [instructions, ...inputTexts(body.input, null)].reduce((sum, text) => sum + countSimulatorTokens(text), 0);
  const outputTokens = countSimulatorTokens(reply);
  const id = `resp_sim${simulator.requests.length}`;
  const itemId = `msg_sim${simulator.requests.length}`;
  const base = {
    id,
    created_at: Math.floor(Date.now() / 1000),
    instructions: whole((body.instructions ?? null) as Json),
    model: `${body.model}-2026-01-01`,
    store: body.store !== false,
    tools: whole((body.tools ?? []) as Json),
    metadata: whole((body.metadata ?? {}) as Json),
  };
  const part = fill(textPart, { text: reply });
  const message = fill(messageItem, { id: itemId, content: [part] });
  const usage = {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: inputTokens + outputTokens,
  };
  const completed = { ...base, output: [message], usage };
  if (body.stream !== true) {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(fill(completedResponse, completed)));
    return;
  }

  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let sequence = 0;
  const send = (template: WireEvent, values: Fill) => write(response, template.format({ ...values, sequence_number: sequence++ }));
  await send(wire.created, { response: base });
  await send(wire.inProgress, { response: base });
  await send(wire.itemAdded, { item: { id: itemId } });
  await send(wire.partAdded, { item_id: itemId });
  for (const [index, delta] of (reply.match(/\S+\s*/g) ?? []).entries()) {
    if (scenario.dropAfterChunks !== undefined && index >= scenario.dropAfterChunks) {
      await scenario.dropWhen;
      response.destroy();
      return;
    }
    await send(wire.textDelta, { item_id: itemId, delta });
  }
  await send(wire.textDone, { item_id: itemId, text: reply });
  await send(wire.partDone, { item_id: itemId, part: { text: reply } });
  await send(wire.itemDone, { item: whole(message) });
  await send(wire.completed, { response: completed });
  response.end();
}

function sendError(response: ServerResponse, status: number, message: string): void {
  const type = status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error';
  const code = status === 429 ? 'rate_limit_exceeded' : status === 401 ? 'invalid_api_key' : null;
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(fill(wire.error, { error: { message, type, code } })));
}
