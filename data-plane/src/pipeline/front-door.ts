// A front door is one client-facing API in front of the one chat pipeline (handle-chat-completions.ts):
// authentication, tool-call repair, routing and fallback, policy, the provider adapters, metering and
// the usage spool are the same whichever API the client speaks. A door only translates at the edges:
//
//   client body ──open()──▶ ChatRequest (what parseChatRequest produces) ──▶ pipeline ──▶ any adapter
//   client bytes ◀──presentBody / presentStream── OpenAI chat.completion (chunks) ◀──────┘
//
// Chat completions is the identity door. To plug another API in: implement `FrontDoor` (a pure
// converter to ChatRequest in `open`, a presenter for the chat.completion body, a StreamTranslator
// wrapper that turns chat.completion.chunk events into the door's own events, and its error envelope),
// then route it in create-app.ts (the route table, above every layer) with `frontDoorRoute(yourDoor)`.
import type { GatewayError } from '../../../shared/src/errors.ts';
import { openAIErrors, type ErrorPresenter } from '../http/send-error.ts';
import type { ProviderAdapter, ProviderKind, StreamTranslator, UpstreamOperation } from '../providers/provider-adapter.ts';
import { mapNonEmpty, type NonEmptyList } from '../../../shared/src/non-empty-list.ts';
import type { EndpointCandidate } from './choose-endpoints.ts';
import type { ChatRequest } from '../providers/client-requests.ts';
import { parseChatRequest } from './parse-chat-request.ts';

export interface FrontDoor {
  /**
   * The client's body → the chat request the pipeline runs, and the presenter of its answer. Throws
   * GatewayError for a body the door refuses; that error is written with `errors`.
   */
  open(body: Buffer, request: FrontDoorRequestInfo): OpenedFrontDoor;
  /** The door's error envelope for failures before `open` returned (auth, parsing, no snapshot yet). */
  readonly errors: ErrorPresenter;
  /** A header that carries the gateway key when `Authorization` is absent (Anthropic's `x-api-key`). */
  readonly apiKeyHeader?: string;
  /** Client headers the door reads (lowercase), handed to `open` in `request.headers`. */
  readonly clientHeaders?: readonly string[];
}

export interface FrontDoorRequestInfo {
  requestId: string;
  /** Unix seconds of the request's arrival (the chat translation's `created`). */
  created: number;
  /** The door's `clientHeaders` ('' when absent). */
  headers: Record<string, string>;
}

export interface OpenedFrontDoor {
  /** Set `clientWantsStreamUsage` when the door's stream needs the usage chunk (the pipeline then relays it). */
  chat: ChatRequest;
  /** The pipeline's OpenAI `chat.completion` body (2xx) → the door's body, sent with the same status. */
  presentBody(chatCompletion: string | Buffer): string | Buffer;
  /**
   * Wraps the adapter's translator, whose output is `chat.completion.chunk` events, into one that emits
   * the door's events. Its `finalBytes` go out after the usage event is durable; a relayed upstream error
   * frame keeps `failure.relayed` and must reach the client as the door's own error event.
   */
  presentStream(translator: StreamTranslator): StreamTranslator;
  /** Errors after `open`: the JSON body, and the final frame of a stream that already started. */
  readonly errors: ErrorPresenter;
  /** Endpoints of this kind speak the door's own API: they are called natively (the Messages door to Anthropic). */
  readonly native?: NativeRoute;
}

export interface NativeRoute {
  kind: ProviderKind;
  /** Only these providers (slugs) of `kind` speak it; absent: every provider of `kind` does. */
  providers?: readonly string[];
  /** Replaces that kind's adapter for this request; its answers are already the door's, so they skip presentBody/presentStream. */
  adapter: ProviderAdapter;
  /** Set when the body uses what only the native kind can express: every other endpoint is then skipped with this error. */
  onlyNative: GatewayError | null;
}

/** The endpoints with the chat adapters this request uses on them (`native` where the door has it). */
export function routeThroughDoor(candidates: NonEmptyList<EndpointCandidate>, opened: OpenedFrontDoor): NonEmptyList<EndpointCandidate> {
  const native = opened.native;
  if (native === undefined) return candidates;
  return mapNonEmpty(candidates, (candidate) => {
    const { route } = candidate;
    const speaksNative = route.provider.kind === native.kind && (native.providers?.includes(route.provider.slug) ?? true);
    if (speaksNative) return { ...candidate, route: { ...route, chat: { adapter: native.adapter, url: route.chat.url } } };
    if (native.onlyNative === null) return candidate;
    const refused: UpstreamOperation<ChatRequest> = {
      ...route.chat.adapter,
      convertRequest: () => {
        throw native.onlyNative;
      },
    };
    return { ...candidate, route: { ...route, chat: { adapter: refused, url: route.chat.url } } };
  });
}

/** How an answer reaches the client: a front door's presentation and error envelope. */
export type AnswerPresenter = Pick<OpenedFrontDoor, 'presentBody' | 'presentStream' | 'errors' | 'native'>;

/** The answer as the upstream gave it (FIM, and a door's native route), errors in OpenAI's envelope. */
export const asIs: AnswerPresenter = { presentBody: sameBody, presentStream: sameStream, errors: openAIErrors };

/** How the answer read by `adapter` reaches the client: as is when it came from the door's native route. */
export function presenterFor(presenter: AnswerPresenter, adapter: UpstreamOperation<unknown>): Pick<AnswerPresenter, 'presentBody' | 'presentStream'> {
  return presenter.native?.adapter === adapter ? asIs : presenter;
}

function sameBody(chatCompletion: string | Buffer): string | Buffer {
  return chatCompletion;
}

function sameStream(translator: StreamTranslator): StreamTranslator {
  return translator;
}

/** OpenAI chat completions: the pipeline's own language, passed through untouched. */
export const chatCompletionsDoor: FrontDoor = {
  errors: openAIErrors,
  open: (body) => ({ chat: parseChatRequest(body), presentBody: sameBody, presentStream: sameStream, errors: openAIErrors }),
};
