// The route table: every data-plane route → its pipeline handler or front door. It sits above every
// layer (eslint.config.js), since it names them all. Each handler copies what it needs from the request
// synchronously (HttpRequest dies when the handler returns), wraps the response in ClientResponse
// (which registers onAborted first), and sends whatever a pipeline step throws as an error envelope.
import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { GatewayError, toGatewayError } from '../../shared/src/errors.ts';
import { anthropicMessagesDoor } from './front-doors/anthropic-messages/anthropic-messages-door.ts';
import { countMessageTokens } from './front-doors/anthropic-messages/count-message-tokens.ts';
import { responsesDoor } from './front-doors/responses/responses-front-door.ts';
import { chatCompletionsDoor, type FrontDoor } from './pipeline/front-door.ts';
import { handleChatCompletions } from './pipeline/handle-chat-completions.ts';
import { handleEmbeddings } from './pipeline/handle-embeddings.ts';
import { handleFimCompletions } from './pipeline/handle-fim-completions.ts';
import { handleGeneration } from './pipeline/handle-generation.ts';
import { listModels } from './pipeline/handle-list-models.ts';
import { handleUsage } from './pipeline/handle-usage.ts';
import type { PipelineContext } from './pipeline/pipeline-context.ts';
import type { RouteTelemetry } from './observability/request-telemetry.ts';
import { ClientResponse } from './http/client-response.ts';
import { contentLengthOf } from './http/content-length.ts';
import { readBody } from './http/read-body.ts';
import { sendError, type ErrorPresenter } from './http/send-error.ts';
import { sendJson } from './http/send-json.ts';
import { uws } from './http/uws-runtime.ts';

export interface AppOptions {
  maxBodyBytes: number;
}

export function createApp(context: PipelineContext, options: AppOptions): TemplatedApp {
  const app = uws.App();
  const observer = context.observer;

  /** The request's response, with its span when tracing is on (only then is the client's traceparent read). */
  function respond(native: HttpResponse, request: HttpRequest, route: RouteTelemetry): ClientResponse {
    const response = new ClientResponse(native, randomUUID(), route);
    if (observer.tracing) response.span = observer.startSpan(route, request.getHeader('traceparent'));
    return response;
  }

  /** A client API served by the chat pipeline (pipeline/front-door.ts); errors in the door's envelope. */
  function frontDoorRoute(door: FrontDoor, route: RouteTelemetry) {
    return function frontDoor(native: HttpResponse, request: HttpRequest): void {
      const response = respond(native, request, route);
      const authorization = authorizationOf(request, door);
      const headers = Object.fromEntries((door.clientHeaders ?? []).map((name) => [name, request.getHeader(name)]));
      const contentLength = contentLengthOf(request);
      context.track(
        readBody(response, contentLength, options.maxBodyBytes)
          .then((body) => refuseUnrecordable(context, body))
          .then((body) => handleChatCompletions(context, response, { authorization, body, headers }, door))
          .catch((error: unknown) => fail(context, response, error, door.errors)),
        response,
      );
    };
  }

  /** A route in OpenAI's envelope whose handler takes only the key and the body (FIM, embeddings). */
  function openAIRoute(
    handle: (context: PipelineContext, response: ClientResponse, incoming: { authorization: string; body: Buffer }) => Promise<void>,
    route: RouteTelemetry,
  ) {
    return (native: HttpResponse, request: HttpRequest): void => {
      const response = respond(native, request, route);
      const authorization = request.getHeader('authorization');
      const contentLength = contentLengthOf(request);
      context.track(
        readBody(response, contentLength, options.maxBodyBytes)
          .then((body) => refuseUnrecordable(context, body))
          .then((body) => handle(context, response, { authorization, body }))
          .catch((error: unknown) => fail(context, response, error)),
        response,
      );
    };
  }

  /** Anthropic's count_tokens, answered by the gateway's estimator (count-message-tokens.ts). */
  function countTokens(route: RouteTelemetry) {
    return (native: HttpResponse, request: HttpRequest): void => {
      const response = respond(native, request, route);
      const authorization = authorizationOf(request, anthropicMessagesDoor);
      const contentLength = contentLengthOf(request);
      context.track(
        readBody(response, contentLength, options.maxBodyBytes)
          .then((body) => sendJson(response, 200, JSON.stringify(countMessageTokens(context, { authorization, body, nowMs: Date.now() }))))
          .catch((error: unknown) => fail(context, response, error, anthropicMessagesDoor.errors)),
        response,
      );
    };
  }

  function models(route: RouteTelemetry) {
    return (native: HttpResponse, request: HttpRequest): void => {
      const response = respond(native, request, route);
      try {
        const list = listModels(context, request.getHeader('authorization'), request.getQuery() ?? '', Date.now());
        sendJson(response, 200, JSON.stringify(list));
      } catch (error) {
        fail(context, response, error);
      }
      observer.ended(response);
    };
  }

  function usage(route: RouteTelemetry) {
    return (native: HttpResponse, request: HttpRequest): void => {
      const response = respond(native, request, route);
      context.track(
        handleUsage(context, response, request.getHeader('authorization')).catch((error: unknown) => fail(context, response, error)),
        response,
      );
    };
  }

  function generation(route: RouteTelemetry) {
    return (native: HttpResponse, request: HttpRequest): void => {
      const response = respond(native, request, route);
      const lookup = { authorization: request.getHeader('authorization'), query: request.getQuery() ?? '' };
      context.track(
        handleGeneration(context, response, lookup).catch((error: unknown) => fail(context, response, error)),
        response,
      );
    };
  }

  // Health checks and unknown routes are not traced: a probe every second would fill the traces.
  const healthRoute = observer.route('/healthz', 'gateway', null);
  function health(native: HttpResponse): void {
    const response = new ClientResponse(native, randomUUID(), healthRoute);
    const snapshot = context.currentSnapshot();
    if (snapshot === null) sendJson(response, 503, JSON.stringify({ status: 'starting', snapshotVersion: null }));
    else if (context.usageSpoolError() !== null)
      sendJson(response, 503, JSON.stringify({ status: 'usage_spool_unavailable', snapshotVersion: snapshot.version }));
    // Configured Redis is down and limits fail closed: every metered request would be refused.
    else if (context.spend.refusing() !== null)
      sendJson(response, 503, JSON.stringify({ status: 'spend_counters_unavailable', snapshotVersion: snapshot.version }));
    else sendJson(response, 200, JSON.stringify({ status: 'ok', snapshotVersion: snapshot.version }));
    observer.ended(response);
  }

  const notFoundRoute = observer.route('unknown', 'openai', null);
  function notFound(native: HttpResponse, request: HttpRequest): void {
    const response = new ClientResponse(native, randomUUID(), notFoundRoute);
    const message = `Unknown route ${request.getMethod().toUpperCase()} ${request.getUrl()}.`;
    sendError(response, new GatewayError('not_found', message));
    observer.ended(response);
  }

  // uWS 20.30 cannot close an app's open keep-alive connections; after close() they reach these
  // handlers still, and are answered 503 with the connection closed.
  function unlessClosing<Handler extends (native: HttpResponse, request: HttpRequest) => void>(handler: Handler, route = notFoundRoute) {
    return function routeUnlessClosing(native: HttpResponse, request: HttpRequest): void {
      if (!context.isClosing()) return handler(native, request);
      const response = new ClientResponse(native, randomUUID(), route);
      sendError(response, new GatewayError('shutting_down', 'This gateway instance is shutting down; retry the request.'));
      observer.ended(response);
    };
  }

  // /api/gateway is the hosted gateway's path; /api/gateway/v1 is where SDKs that append /v1/... to their
  // base URL (Anthropic's, Mistral's) land when that base URL is …/api/gateway.
  // Route labels are the patterns (bounded), the door the API whose envelope answers.
  for (const prefix of ['/v1', '/api/gateway', '/api/gateway/v1']) {
    const route = (path: string, door: string, operation: string | null) => observer.route(`${prefix}${path}`, door, operation);
    const chat = route('/chat/completions', 'openai-chat', 'chat');
    app.post(`${prefix}/chat/completions`, unlessClosing(frontDoorRoute(chatCompletionsDoor, chat), chat));
    const responses = route('/responses', 'openai-responses', 'chat');
    app.post(`${prefix}/responses`, unlessClosing(frontDoorRoute(responsesDoor, responses), responses));
    const messages = route('/messages', 'anthropic-messages', 'chat');
    app.post(`${prefix}/messages`, unlessClosing(frontDoorRoute(anthropicMessagesDoor, messages), messages));
    const count = route('/messages/count_tokens', 'anthropic-messages', null);
    app.post(`${prefix}/messages/count_tokens`, unlessClosing(countTokens(count), count));
    const fim = route('/fim/completions', 'openai-fim', 'text_completion');
    app.post(`${prefix}/fim/completions`, unlessClosing(openAIRoute(handleFimCompletions, fim), fim));
    const embeddings = route('/embeddings', 'openai-embeddings', 'embeddings');
    app.post(`${prefix}/embeddings`, unlessClosing(openAIRoute(handleEmbeddings, embeddings), embeddings));
    const modelList = route('/models', 'openai', null);
    app.get(`${prefix}/models`, unlessClosing(models(modelList), modelList));
    const generationRoute = route('/generation', 'openai', null);
    app.get(`${prefix}/generation`, unlessClosing(generation(generationRoute), generationRoute));
    const usageRoute = route('/usage', 'openai', null);
    app.get(`${prefix}/usage`, unlessClosing(usage(usageRoute), usageRoute));
  }
  app.get('/healthz', unlessClosing(health, healthRoute));
  app.any('/*', unlessClosing(notFound));
  return app;
}

/** `Authorization`, else the door's own key header (Anthropic's `x-api-key`) as a Bearer credential. */
function authorizationOf(request: HttpRequest, door: FrontDoor): string {
  const authorization = request.getHeader('authorization');
  if (authorization !== '' || door.apiKeyHeader === undefined) return authorization;
  const key = request.getHeader(door.apiKeyHeader);
  return key === '' ? '' : `Bearer ${key}`;
}

/** A request whose usage could not be recorded is not served: refused while the usage spool cannot write. */
function refuseUnrecordable(context: PipelineContext, body: Buffer): Buffer {
  const error = context.usageSpoolError();
  if (error !== null) throw error;
  return body;
}

function fail(context: PipelineContext, response: ClientResponse, error: unknown, errors?: ErrorPresenter): void {
  const gatewayError = toGatewayError(error);
  if (gatewayError.code === 'internal_error') context.logger.error({ requestId: response.requestId, err: error }, 'internal error');
  if (!response.closed) sendError(response, gatewayError, errors);
}
