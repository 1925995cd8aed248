// A local stand-in for Mistral's API (`POST /v1/chat/completions`, `POST /v1/fim/completions`),
// faithful to wire-formats.md §2.7: OpenAI-shaped bodies with `prefix: false` messages, streams whose
// usage rides on the last choice chunk, `data: [DONE]`, and Mistral's own error shapes: the flat 400
// `{object: "error", …}`, the 422 validation report (`message.detail[]`, also sent for any field Mistral
// does not know, as the real API forbids extra inputs), the 429 `rate_limited` with code "1300", and
// the 401 `{message: "Unauthorized", request_id}` with no error envelope. Tool-call ids in the request
// must be 9 letters and digits (400 otherwise), as upstream. Answers are deterministic (chat: an echo
// of the last user message; FIM: `Fill: ` and the prompt's last line; one token per word) so tests can
// predict every byte; `scenario` steers a request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { flattenHeaders, readBody, startProviderSimulator, write } from '../simulator-http.ts';

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

export interface MistralRecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface MistralRequestBody {
  model?: unknown;
  messages?: Array<{ role?: unknown; content?: unknown; tool_calls?: Array<{ id?: unknown }>; tool_call_id?: unknown }>;
  prompt?: unknown;
  suffix?: unknown;
  stream?: unknown;
  [field: string]: unknown;
}

export interface MistralSimulator {
  /** e.g. http://127.0.0.1:4012; the Mistral SDK's serverURL. */
  url: string;
  /** `url` + `/v1`, what a provider record's base URL should be. */
  baseUrl: string;
  requests: MistralRecordedRequest[];
  scenario: (body: MistralRequestBody, path: string) => MistralScenario;
  close(): Promise<void>;
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

/** Whitespace-separated words: the token count tests predict. */
export function countMistralSimulatorTokens(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part: { type?: unknown; text?: unknown }) => (part?.type === 'text' && typeof part.text === 'string' ? part.text : '')).join(' ');
}

export function mistralSimulatorChatReply(body: MistralRequestBody): string {
  const lastUser = [...(body.messages ?? [])].reverse().find((message) => message.role === 'user');
  return `Echo: ${contentText(lastUser?.content)}`;
}

export function mistralSimulatorFimReply(body: MistralRequestBody): string {
  const prompt = typeof body.prompt === 'string' ? body.prompt : '';
  return `Fill: ${prompt.split('\n').at(-1)?.trim() ?? ''}`;
}

export async function startMistralSimulator(options: { apiKey?: string } = {}): Promise<MistralSimulator> {
  const simulator: MistralSimulator = {
    url: '',
    baseUrl: '',
    requests: [],
    scenario: () => ({}),
    close: async () => {},
  };
  return startProviderSimulator(
    simulator,
    '/v1',
    (request, response) => handle(simulator, options.apiKey ?? null, request, response),
    (response, message) => sendError(response, 500, message),
  );
}

async function handle(simulator: MistralSimulator, apiKey: string | null, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  const raw = await readBody(request);
  let body: MistralRequestBody = {};
  try {
    body = raw === '' ? {} : (JSON.parse(raw) as MistralRequestBody);
  } catch {
    return sendError(response, 400, 'Invalid JSON body');
  }
  simulator.requests.push({ method: request.method ?? 'GET', path, headers: flattenHeaders(request), body });
  if (apiKey !== null && request.headers.authorization !== `Bearer ${apiKey}`) return sendError(response, 401, 'Unauthorized');
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

  const reply = scenario.reply ?? (isFim ? mistralSimulatorFimReply(body) : mistralSimulatorChatReply(body));
  const promptText = isFim
    ? `${String(body.prompt)} ${typeof body.suffix === 'string' ? body.suffix : ''}`
    : (body.messages ?? []).map((message) => contentText(message.content)).join(' ');
  const completionTokens = countMistralSimulatorTokens(reply) + countMistralSimulatorTokens(scenario.thinking ?? '');
  const usage = {
    prompt_tokens: countMistralSimulatorTokens(promptText),
    completion_tokens: completionTokens,
    total_tokens: countMistralSimulatorTokens(promptText) + completionTokens,
  };
  const toolCall = isFim ? undefined : scenario.toolCall;
  const toolCalls =
    toolCall === undefined ? null : [{ id: toolCall.id, type: 'function', function: { name: toolCall.name, arguments: toolCall.arguments }, index: 0 }];
  const finishReason = scenario.finishReason ?? (toolCalls === null ? 'stop' : 'tool_calls');
  const id = `${isFim ? 'fim' : 'chat'}${simulator.requests.length}`;
  const model = typeof body.model === 'string' ? body.model : 'unknown';
  const created = 1_700_000_000 + simulator.requests.length;
  const content =
    scenario.thinking === undefined
      ? reply
      : [
          { type: 'thinking', thinking: [{ type: 'text', text: scenario.thinking }] },
          { type: 'text', text: reply },
        ];

  if (body.stream !== true) {
    return sendJson(
      response,
      200,
      {
        id,
        object: 'chat.completion',
        model,
        usage,
        created,
        choices: [{ index: 0, message: { role: 'assistant', content, tool_calls: toolCalls, prefix: false }, finish_reason: finishReason }],
      },
      scenario.headers,
    );
  }

  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...scenario.headers });
  const chunk = (delta: object, finish: string | null, extraFields: object = {}) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }], ...extraFields })}\n\n`;
  await write(response, chunk({ role: 'assistant', content: '' }, null));
  if (scenario.thinking !== undefined)
    await write(response, chunk({ content: [{ type: 'thinking', thinking: [{ type: 'text', text: scenario.thinking }] }] }, null));
  for (const [index, piece] of (reply.match(/\S+\s*/g) ?? []).entries()) {
    if (scenario.dropAfterChunks !== undefined && index >= scenario.dropAfterChunks) {
      response.destroy();
      return;
    }
    await write(response, chunk({ content: piece }, null));
  }
  if (toolCalls !== null) await write(response, chunk({ tool_calls: toolCalls }, null));
  await write(response, chunk({ content: '' }, finishReason, { usage }));
  response.end('data: [DONE]\n\n');
}

function sendValidationError(response: ServerResponse, field: string[], type: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(
    response,
    422,
    {
      object: 'error',
      message: { detail: [{ type, loc: ['body', ...field], msg: message, input: null }] },
      type: 'invalid_request_error',
      param: null,
      code: null,
    },
    headers,
  );
}

function sendError(response: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  if (status === 401) return sendJson(response, 401, { message, request_id: 'req-simulated' }, headers);
  const type = status === 429 ? 'rate_limited' : status >= 500 ? 'internal_server_error' : 'invalid_request_error';
  sendJson(response, status, { object: 'error', message, type, param: null, code: status === 429 ? '1300' : null }, headers);
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}
