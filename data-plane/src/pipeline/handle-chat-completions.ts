// POST /chat/completions, top to bottom as in docs/architecture.md's request path. The body was already
// read (http/read-body.ts). Steps throw GatewayError; the caller (create-app.ts) sends the envelope for
// anything thrown before the upstream call. This route parses, repairs tool calls, reads the routing
// extras, resolves the model and its `models` fallbacks, checks policy and chooses the endpoints; the
// metered route (metered-route.ts) does the rest: reservation, calls with retries and fallbacks, relay,
// metering and the spool. Other client APIs (Responses, Anthropic Messages) run through here as front
// doors (front-door.ts): the door converts the body to a chat request and presents the chat answer in
// its own wire format.
import type { ClientResponse } from '../http/client-response.ts';
import { estimatePromptTokens, promptTokensUpperBound } from '../metering/estimate-prompt-tokens.ts';
import type { ChatRequest } from '../providers/client-requests.ts';
import { requestedMaxOutputTokens } from '../spend/worst-case-cost.ts';
import { openRequest } from './authenticate-key.ts';
import { chatCompletionsDoor, routeThroughDoor, type FrontDoor } from './front-door.ts';
import { serveMetered } from './metered-route.ts';
import type { Operation } from './operation.ts';
import type { PipelineContext } from './pipeline-context.ts';
import { routeRequest } from './route-request.ts';
import { repairToolCalls } from './repair-tool-calls.ts';

export interface IncomingChatRequest {
  /** The raw Authorization header ('' when absent). */
  authorization: string;
  body: Buffer;
  /** The front door's `clientHeaders`, when it reads any. */
  headers?: Record<string, string>;
}

/** What a door that reads no client headers is handed: one object for every request, never written. */
const NO_CLIENT_HEADERS: Record<string, string> = Object.freeze({});

/** Chat completions on every provider: the adapter itself speaks it. */
export const chatOperation: Operation<ChatRequest> = {
  name: 'chat completions',
  on: (route) => route.chat,
  estimatePromptTokens: (chat) => estimatePromptTokens(chat.body.messages, chat.body.tools),
};

/** Not async: returning the metered route's promise from an async function makes two promises more; a step's error is thrown, before any promise. */
export function handleChatCompletions(
  context: PipelineContext,
  response: ClientResponse,
  incoming: IncomingChatRequest,
  door: FrontDoor = chatCompletionsDoor,
): Promise<void> {
  const caller = openRequest(context, incoming.authorization, response.startedAtEpochMs);
  const opened = door.open(incoming.body, {
    requestId: response.requestId,
    created: Math.floor(response.startedAtEpochMs / 1000),
    headers: incoming.headers ?? NO_CLIENT_HEADERS,
  });
  const chat = opened.chat;
  const repair = repairToolCalls(chat.body.messages);
  if (repair.changes > 0) {
    chat.body.messages = repair.messages;
    chat.source = undefined;
    context.logger.debug({ requestId: response.requestId, changes: repair.changes }, 'tool-call repair changed message parts');
  }
  // The routing extras are taken out of the body the upstream gets.
  if ('provider' in chat.body || 'models' in chat.body) chat.source = undefined;
  const { models, endpoints: candidates } = routeRequest(context, caller, chat.body, chat.model);
  return serveMetered(context, response, {
    operation: chatOperation,
    request: chat,
    principal: caller,
    model: models[0],
    candidates: routeThroughDoor(candidates, opened),
    spend: { promptTokens: promptTokensUpperBound(chat.body.messages, chat.body.tools), maxOutputTokens: requestedMaxOutputTokens(chat.body) },
    clientWantsUsage: chat.clientWantsStreamUsage,
    presenter: opened,
  });
}
