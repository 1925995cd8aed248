// A local stand-in for Google's Gemini API (generativelanguage), sending the wire format recorded in the
// gemini fixtures (wire-formats.md §2.6):
// `POST /{v1beta|v1}/models/{model}:batchEmbedContents` (one simulated vector per request, no token
// counts, as Gemini sends none), `:generateContent` and `:streamGenerateContent` (`alt=sse`: events
// framed by `\r\n\r\n`, no [DONE], partial usage on earlier events and the full one with the
// finishReason on the last; without `alt=sse`, one JSON array), whole `functionCall` parts, `thought`
// parts, and the `{"error":{code,message,status,details}}` envelope (a bad key is a 400 with
// API_KEY_INVALID, a 429 carries RetryInfo). It accepts `x-goog-api-key` or `?key=`. It answers
// deterministically (an echo of the last user text, one token per whitespace-separated word) so tests
// can predict every byte; `scenario` steers a request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { simulatedEmbedding } from '../simulated-embedding.ts';
import { sleep, startProviderSimulator, write } from '../simulator-http.ts';
import { countSimulatorTokens, countTurnTokens, echoLastUserTurn } from '../simulated-text.ts';
import type { ProviderSimulatorBase, ReceivedRequest, SimulatorOptions, SimulatorWire } from '../simulator-http.ts';
import { fill, objectAt, readJsonFixture, readSseFixture, whole, type Fill, type JsonObject } from '../wire-fixtures.ts';

const textStream = readSseFixture('gemini', 'gemini-text.1.sse');
const toolStream = readSseFixture('gemini', 'gemini-tool-call.1.sse');
const keyError = readJsonFixture('gemini', 'gemini-error-api-key.1.json');
const rateLimitError = readJsonFixture('gemini', 'gemini-error-rate-limit.1.json');
const wire = {
  /** Every stream event; its first candidate is one still generating. */
  event: textStream[0]!,
  candidate: objectAt(textStream[0]!.data, 'candidates', 0),
  finishedCandidate: objectAt(textStream.at(-1)!.data, 'candidates', 0),
  textPart: objectAt(textStream[0]!.data, 'candidates', 0, 'content', 'parts', 0),
  thoughtPart: objectAt(toolStream[0]!.data, 'candidates', 0, 'content', 'parts', 0),
  functionCallPart: objectAt(toolStream.at(-1)!.data, 'candidates', 0, 'content', 'parts', 0),
  partialUsage: objectAt(textStream[0]!.data, 'usageMetadata'),
  usage: objectAt(toolStream.at(-1)!.data, 'usageMetadata'),
  modalityCount: objectAt(toolStream.at(-1)!.data, 'usageMetadata', 'promptTokensDetails', 0),
  streamError: readSseFixture('gemini', 'gemini-error.1.sse').find((event) => event.data?.error !== undefined)!,
  response: readJsonFixture('gemini', 'gemini-text.1.json'),
  keyError,
  errorInfo: objectAt(keyError, 'error', 'details', 0),
  localizedMessage: objectAt(keyError, 'error', 'details', 1),
  rateLimitError,
  rateLimitDetails: (objectAt(rateLimitError, 'error').details as JsonObject[]).filter((detail) => !String(detail['@type']).endsWith('RetryInfo')),
  retryInfo: (objectAt(rateLimitError, 'error').details as JsonObject[]).find((detail) => String(detail['@type']).endsWith('RetryInfo'))!,
};

export interface GeminiScenario {
  /** Answer with this HTTP status and Gemini's error envelope instead of a response. */
  status?: number;
  /** RetryInfo.retryDelay on a 429 (default "37s"). */
  retryDelay?: string;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /** Wait before sending anything. */
  headersDelayMs?: number;
  /** Wait between stream events. */
  chunkDelayMs?: number;
  /** The reply text; defaults to an echo of the last user text. */
  reply?: string;
  /** A thought summary sent before the reply (`thought: true`), counted as thoughtsTokenCount. */
  thoughts?: string;
  /** Close the connection after this many text events. */
  dropAfterChunks?: number;
  /** Send an in-stream `{"error":…}` (503 UNAVAILABLE) after this many text events. */
  errorAfterChunks?: number;
  /** When the request has function declarations: call this one after the text, whole, in the last event. */
  functionCall?: { name: string; args: Record<string, unknown> };
  /** Reported as cachedContentTokenCount (part of promptTokenCount, as upstream). */
  cachedContentTokenCount?: number;
  /** The finishReason to report (default STOP). */
  finishReason?: string;
}

export interface GenerateContentBody {
  contents?: Array<{ role?: unknown; parts?: unknown }>;
  systemInstruction?: { parts?: unknown };
  tools?: Array<{ functionDeclarations?: unknown }>;
}

export interface GeminiSimulator extends ProviderSimulatorBase {
  scenario: (body: GenerateContentBody) => GeminiScenario;
}

const STATUSES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const ROUTE = /^\/(v1beta|v1)\/models\/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents)$/;
const embeddingsWire = readJsonFixture('gemini', 'gemini-embeddings.1.json');

/** The text of a content's parts; function responses count as their JSON. */
function partsText(parts: unknown): string {
  if (!Array.isArray(parts)) return '';
  return parts
    .map((part: { text?: unknown; functionResponse?: { response?: unknown } }) =>
      typeof part?.text === 'string' ? part.text : part?.functionResponse !== undefined ? JSON.stringify(part.functionResponse.response ?? {}) : '',
    )
    .filter((text) => text !== '')
    .join(' ');
}

const contentText = (content: { parts?: unknown } | undefined) => partsText(content?.parts);

const protocol: SimulatorWire<GeminiSimulator> = { basePath: '/v1beta', invalidJson: 'Invalid JSON payload received.', sendError, answer };

export function startGeminiSimulator(options: SimulatorOptions = {}): Promise<GeminiSimulator> {
  return startProviderSimulator(protocol, { scenario: () => ({}) }, options);
}

async function answer(simulator: GeminiSimulator, recorded: ReceivedRequest, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { url, body } = recorded;

  const route = ROUTE.exec(url.pathname);
  if (request.method !== 'POST' || route === null) return sendError(response, 404, `Unknown path ${url.pathname}`);
  const presented = recorded.headers['x-goog-api-key'] ?? url.searchParams.get('key');
  if (simulator.apiKey !== null && presented !== simulator.apiKey)
    return sendError(response, 400, 'API key not valid. Please pass a valid API key.', { reason: 'API_KEY_INVALID' });
  if (route[3] === 'batchEmbedContents') return answerEmbeddings(route[2]!, (body ?? {}) as BatchEmbedContentsBody, response);
  const generate = (body ?? {}) as GenerateContentBody;
  if (!Array.isArray(generate.contents) || generate.contents.length === 0)
    return sendError(response, 400, '* GenerateContentRequest.contents: contents is not specified');

  const scenario = simulator.scenario(generate);
  if (scenario.headersDelayMs) await sleep(scenario.headersDelayMs);
  if (response.destroyed) return;
  if (scenario.status && scenario.status >= 400) {
    const retry = scenario.status === 429 ? { retryDelay: scenario.retryDelay ?? '37s' } : {};
    return sendError(response, scenario.status, `simulated upstream error ${scenario.status}`, retry, scenario.headers);
  }

  const model = route[2]!;
  const reply = scenario.reply ?? echoLastUserTurn(generate.contents, contentText);
  const declared = (generate.tools ?? []).some((tool) => Array.isArray(tool?.functionDeclarations) && tool.functionDeclarations.length > 0);
  const functionCall = scenario.functionCall !== undefined && declared ? scenario.functionCall : null;
  // Words in the system instruction and every content.
  const promptTokenCount = countSimulatorTokens(contentText(generate.systemInstruction)) + countTurnTokens(generate.contents, contentText);
  const candidatesTokenCount = countSimulatorTokens(reply) + (functionCall === null ? 0 : countSimulatorTokens(JSON.stringify(functionCall.args)));
  const thoughtsTokenCount = countSimulatorTokens(scenario.thoughts ?? '');
  const textCount = (tokenCount: number) => [fill(wire.modalityCount, { tokenCount })];
  const usageMetadata = fill(wire.usage, {
    promptTokenCount,
    candidatesTokenCount,
    totalTokenCount: promptTokenCount + candidatesTokenCount + thoughtsTokenCount,
    cachedContentTokenCount: scenario.cachedContentTokenCount,
    promptTokensDetails: textCount(promptTokenCount),
    cacheTokensDetails: scenario.cachedContentTokenCount === undefined ? undefined : textCount(scenario.cachedContentTokenCount),
    thoughtsTokenCount: thoughtsTokenCount > 0 ? thoughtsTokenCount : undefined,
  });
  const envelope = { modelVersion: model, responseId: `sim-${simulator.requests.length}` };
  const thoughtPart = scenario.thoughts === undefined ? [] : [fill(wire.thoughtPart, { text: scenario.thoughts })];
  const callPart =
    functionCall === null
      ? []
      : [
          fill(wire.functionCallPart, {
            functionCall: { name: functionCall.name, args: whole(functionCall.args as JsonObject) },
            thoughtSignature: 'c2ltdWxhdG9y',
          }),
        ];
  const finishReason = scenario.finishReason ?? 'STOP';
  const finished = (parts: JsonObject[]) => fill(wire.finishedCandidate, { content: { parts }, finishReason });

  if (route[3] === 'generateContent') {
    const parts = [...thoughtPart, fill(wire.textPart, { text: reply }), ...callPart];
    return sendJson(response, 200, fill(wire.response, { candidates: [finished(parts)], usageMetadata: whole(usageMetadata), ...envelope }), scenario.headers);
  }

  // The stream: thoughts, one event per word, then the function call with the finishReason and full usage.
  const partialUsage = fill(wire.partialUsage, { promptTokenCount, totalTokenCount: promptTokenCount, promptTokensDetails: textCount(promptTokenCount) });
  const event = (parts: JsonObject[], last: boolean): Fill => ({
    candidates: [last ? finished(parts) : fill(wire.candidate, { content: { parts } })],
    usageMetadata: whole(last ? usageMetadata : partialUsage),
    ...envelope,
  });
  const pieces = reply.match(/\S+\s*/g) ?? [];
  const events = [
    ...(thoughtPart.length > 0 ? [event(thoughtPart, false)] : []),
    ...pieces.map((piece) => event([fill(wire.textPart, { text: piece })], false)),
    event(callPart, true),
  ];
  if (url.searchParams.get('alt') !== 'sse')
    return sendJson(
      response,
      200,
      events.map((values) => fill(wire.event.data!, values)),
      scenario.headers,
    );

  response.writeHead(200, { 'content-type': 'text/event-stream', 'x-content-type-options': 'nosniff', ...scenario.headers });
  for (const [index, values] of events.entries()) {
    const textIndex = index - thoughtPart.length;
    if (textIndex === scenario.dropAfterChunks) return void response.destroy();
    if (textIndex === scenario.errorAfterChunks) {
      await write(response, wire.streamError.format());
      return void response.end();
    }
    if (scenario.chunkDelayMs) await sleep(scenario.chunkDelayMs);
    if (response.destroyed) return;
    await write(response, wire.event.format(values));
  }
  response.end();
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

interface BatchEmbedContentsBody {
  requests?: Array<{ model?: unknown; content?: { parts?: Array<{ text?: unknown }> }; outputDimensionality?: unknown }>;
}

/** Every request must name the URL's model (Gemini refuses a mismatch) and carry text; one vector each. */
function answerEmbeddings(model: string, body: BatchEmbedContentsBody, response: ServerResponse): void {
  const requests = body.requests;
  if (!Array.isArray(requests) || requests.length === 0) return sendError(response, 400, '* BatchEmbedContentsRequest.requests: requests is not specified');
  const embeddings = [];
  for (const [index, request] of requests.entries()) {
    if (request.model !== `models/${model}`) {
      return sendError(response, 400, `Model in request ${index} (${String(request.model)}) does not match the model in the URL (models/${model}).`);
    }
    const text = request.content?.parts?.map((part) => (typeof part.text === 'string' ? part.text : '')).join('') ?? '';
    if (text === '') return sendError(response, 400, `* BatchEmbedContentsRequest.requests[${index}].content: contents is not specified`);
    const dimensions = typeof request.outputDimensionality === 'number' ? request.outputDimensionality : undefined;
    embeddings.push(fill(objectAt(embeddingsWire, 'embeddings', 0), { values: simulatedEmbedding(text, dimensions) }));
  }
  sendJson(response, 200, fill(embeddingsWire, { embeddings }));
}

/** Gemini's envelope as recorded: a bad key's ErrorInfo (`reason`), a 429's quota details and RetryInfo (`retryDelay`), or no details. */
function sendError(
  response: ServerResponse,
  status: number,
  message: string,
  extra: { reason?: string; retryDelay?: string } = {},
  headers: Record<string, string> = {},
): void {
  const error = { code: status, message, status: STATUSES[status] ?? 'UNKNOWN' };
  const body =
    extra.reason !== undefined
      ? fill(wire.keyError, { error: { ...error, details: [fill(wire.errorInfo, { reason: extra.reason }), fill(wire.localizedMessage, { message })] } })
      : extra.retryDelay !== undefined
        ? fill(wire.rateLimitError, { error: { ...error, details: [...wire.rateLimitDetails, fill(wire.retryInfo, { retryDelay: extra.retryDelay })] } })
        : fill(wire.keyError, { error: { ...error, details: undefined } });
  sendJson(response, status, body, headers);
}
