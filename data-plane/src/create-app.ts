// The route table: every data-plane route → its pipeline handler or front door. It sits above every
// layer (eslint.config.js), since it names them all. Each handler copies what it needs from the request
// synchronously (HttpRequest dies when the handler returns), wraps the response in ClientResponse
// (which registers onAborted first), and sends whatever a pipeline step throws as an error envelope.
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
import { bearerToken } from './pipeline/authenticate-key.ts';
import type { PipelineContext } from './pipeline/pipeline-context.ts';
import type { RouteTelemetry } from './observability/request-telemetry.ts';
import type { AddressLimits } from './rate-limit/address-limits.ts';
import type { ClientAddressReader } from './http/client-address.ts';
import { ClientResponse } from './http/client-response.ts';
import { contentLengthOf } from './http/content-length.ts';
import { requestId } from './http/request-id.ts';
import { readBody, readBodyInto, type BodyReader } from './http/read-body.ts';
import { sendError, type ErrorPresenter } from './http/send-error.ts';
import { sendJson } from './http/send-json.ts';
import { uws } from './http/uws-runtime.ts';

export interface AppOptions {
  maxBodyBytes: number;
  /** Limits per caller address for requests without a (valid) key (rate-limit/address-limits.ts). */
  addressLimits: AddressLimits;
  /** The caller's address: the socket's peer, or X-Forwarded-For behind trusted proxies. */
  clientAddresses: ClientAddressReader;
}

export function createApp(context: PipelineContext, options: AppOptions): TemplatedApp {
  const app = uws.App();
  const observer = context.observer;
  const { addressLimits, clientAddresses } = options;

  /**
   * The request's response, with its span when tracing is on (only then is the client's traceparent read)
   * and the caller's address when per-address limits are on; null when that address is refused (the 429
   * is sent, in the door's envelope).
   */
  function respond(native: HttpResponse, request: HttpRequest, route: RouteTelemetry, errors?: ErrorPresenter): ClientResponse | null {
    const response = new ClientResponse(native, requestId(), route);
    if (observer.tracing) response.span = observer.startSpan(route, request.getHeader('traceparent'));
    return admitAddress(response, request, errors) ? response : null;
  }

  /**
   * False (and the 429 sent) when per-address limits refuse the caller's address. The address is read only
   * while some address is refused (or later, for a failed key or a request without one): a caller with a
   * good key needs it for nothing else. X-Forwarded-For is copied now, while the request lives.
   */
  function admitAddress(response: ClientResponse, request: HttpRequest, errors?: ErrorPresenter): boolean {
    if (!addressLimits.enabled) return true;
    if (clientAddresses.readsForwardedFor) response.forwardedFor = request.getHeader('x-forwarded-for');
    if (!addressLimits.refusesAny()) return true;
    const refusal = addressLimits.refusal(callerAddress(response) as string);
    if (refusal === null) return true;
    sendError(response, refusal, errors);
    observer.ended(response);
    return false;
  }

  /**
   * The caller's address key, read once. Null only when the client went away before it was read (nothing
   * is answered then); a handler's synchronous read always gets it.
   */
  function callerAddress(response: ClientResponse): string | null {
    if (response.clientAddress !== null) return response.clientAddress;
    const peer = response.peerAddress();
    if (peer !== null) response.clientAddress = clientAddresses.resolve(peer, response.forwardedFor);
    return response.clientAddress;
  }

  /** Sends a thrown error in the door's envelope; a failed authentication counts against the caller's address first. */
  function fail(response: ClientResponse, error: unknown, errors?: ErrorPresenter): Promise<void> | void {
    const gatewayError = toGatewayError(error);
    if (gatewayError.code === 'internal_error') context.logger.error({ requestId: response.requestId, err: error }, 'internal error');
    const address = gatewayError.code === 'invalid_api_key' && addressLimits.enabled ? callerAddress(response) : null;
    if (address !== null) {
      return addressLimits.failedAuthentication(address, gatewayError).then((answer) => send(response, answer, errors));
    }
    send(response, gatewayError, errors);
  }

  /** A client API served by the chat pipeline (pipeline/front-door.ts); errors in the door's envelope. */
  function frontDoorRoute(door: FrontDoor, route: RouteTelemetry) {
    return function frontDoor(native: HttpResponse, request: HttpRequest): void {
      const response = respond(native, request, route, door.errors);
      if (response === null) return;
      const authorization = authorizationOf(request, door);
      const headers = door.clientHeaders === undefined ? undefined : Object.fromEntries(door.clientHeaders.map((name) => [name, request.getHeader(name)]));
      context.requestStarted();
      readBodyInto(response, contentLengthOf(request), options.maxBodyBytes, new FrontDoorRequest(door, response, authorization, headers));
    };
  }

  /**
   * A front door's request: its body is handed over (readBodyInto), then served by one async method. A
   * promised body, an async function awaiting it and a tracking `then` made five promises per request
   * (and two resolving functions); this makes two: that method's, and its await on the metered route.
   */
  class FrontDoorRequest implements BodyReader {
    readonly #door: FrontDoor;
    readonly #response: ClientResponse;
    readonly #authorization: string;
    readonly #headers: Record<string, string> | undefined;

    constructor(door: FrontDoor, response: ClientResponse, authorization: string, headers: Record<string, string> | undefined) {
      this.#door = door;
      this.#response = response;
      this.#authorization = authorization;
      this.#headers = headers;
    }

    bodyRead(body: Buffer): void {
      void this.#serve(body, null);
    }

    bodyFailed(error: GatewayError): void {
      void this.#serve(null, error);
    }

    /** Ends the request whatever happens; an error `fail` itself throws is passed on, unhandled, as `track` does. */
    async #serve(body: Buffer | null, failure: GatewayError | null): Promise<void> {
      const response = this.#response;
      try {
        if (body === null) throw failure;
        await handleChatCompletions(
          context,
          response,
          { authorization: this.#authorization, body: refuseUnrecordable(context, body), headers: this.#headers },
          this.#door,
        );
      } catch (error) {
        await fail(response, error, this.#door.errors);
      } finally {
        context.requestEnded(response);
      }
    }
  }

  /** A route in OpenAI's envelope whose handler takes only the key and the body (FIM, embeddings). */
  function openAIRoute(
    handle: (context: PipelineContext, response: ClientResponse, incoming: { authorization: string; body: Buffer }) => Promise<void>,
    route: RouteTelemetry,
  ) {
    return (native: HttpResponse, request: HttpRequest): void => {
      const response = respond(native, request, route);
      if (response === null) return;
      const authorization = request.getHeader('authorization');
      const contentLength = contentLengthOf(request);
      context.track(
        readBody(response, contentLength, options.maxBodyBytes)
          // One step, not two: each `then` is a promise and a reaction job more per request.
          .then((body) => handle(context, response, { authorization, body: refuseUnrecordable(context, body) }))
          .catch((error: unknown) => fail(response, error)),
        response,
      );
    };
  }

  /** Anthropic's count_tokens, answered by the gateway's estimator (count-message-tokens.ts). */
  function countTokens(route: RouteTelemetry) {
    return (native: HttpResponse, request: HttpRequest): void => {
      const response = respond(native, request, route, anthropicMessagesDoor.errors);
      if (response === null) return;
      const authorization = authorizationOf(request, anthropicMessagesDoor);
      const contentLength = contentLengthOf(request);
      context.track(
        readBody(response, contentLength, options.maxBodyBytes)
          .then((body) => sendJson(response, 200, JSON.stringify(countMessageTokens(context, { authorization, body, nowMs: Date.now() }))))
          .catch((error: unknown) => fail(response, error, anthropicMessagesDoor.errors)),
        response,
      );
    };
  }

  /** The model list; without a key it is the catalog, and counts against the address's anonymous requests. */
  function models(route: RouteTelemetry) {
    return (native: HttpResponse, request: HttpRequest): void => {
      const response = respond(native, request, route);
      if (response === null) return;
      const authorization = request.getHeader('authorization');
      const query = request.getQuery() ?? '';
      const anonymous = bearerToken(authorization) === null;
      context.track(
        (anonymous ? addressLimits.admitAnonymous(callerAddress(response) as string) : Promise.resolve(null))
          .then((headers) => sendJson(response, 200, JSON.stringify(listModels(context, authorization, query, Date.now())), headers))
          .catch((error: unknown) => fail(response, error)),
        response,
      );
    };
  }

  function usage(route: RouteTelemetry) {
    return (native: HttpResponse, request: HttpRequest): void => {
      const response = respond(native, request, route);
      if (response === null) return;
      context.track(
        handleUsage(context, response, request.getHeader('authorization')).catch((error: unknown) => fail(response, error)),
        response,
      );
    };
  }

  function generation(route: RouteTelemetry) {
    return (native: HttpResponse, request: HttpRequest): void => {
      const response = respond(native, request, route);
      if (response === null) return;
      const lookup = { authorization: request.getHeader('authorization'), query: request.getQuery() ?? '' };
      context.track(
        handleGeneration(context, response, lookup).catch((error: unknown) => fail(response, error)),
        response,
      );
    };
  }

  // Health checks and unknown routes are not traced, and a health check's access line is at debug level:
  // a probe every second would fill the traces and the log.
  const healthRoute = observer.route('/healthz', 'gateway', null, true);
  function health(native: HttpResponse): void {
    const response = new ClientResponse(native, requestId(), healthRoute);
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

  // An unknown route answers without a key, so it counts against the address's anonymous requests (a scanner's flood).
  const notFoundRoute = observer.route('unknown', 'openai', null);
  function notFound(native: HttpResponse, request: HttpRequest): void {
    const response = new ClientResponse(native, requestId(), notFoundRoute);
    if (!admitAddress(response, request)) return;
    const notFoundError = new GatewayError('not_found', `Unknown route ${request.getMethod().toUpperCase()} ${request.getUrl()}.`);
    context.track(
      addressLimits.admitAnonymous(callerAddress(response) as string).then(
        (headers) => send(response, headers === null ? notFoundError : notFoundError.withHeaders(headers)),
        (error: unknown) => fail(response, error),
      ),
      response,
    );
  }

  // uWS 20.30 cannot close an app's open keep-alive connections; after close() they reach these
  // handlers still, and are answered 503 with the connection closed.
  function unlessClosing<Handler extends (native: HttpResponse, request: HttpRequest) => void>(handler: Handler, route = notFoundRoute) {
    return function routeUnlessClosing(native: HttpResponse, request: HttpRequest): void {
      if (!context.isClosing()) return handler(native, request);
      const response = new ClientResponse(native, requestId(), route);
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

function send(response: ClientResponse, error: GatewayError, errors?: ErrorPresenter): void {
  if (!response.closed) sendError(response, error, errors);
}
