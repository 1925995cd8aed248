// POST /responses (OpenAI Responses API, stateless) as a front door onto the chat pipeline. Endpoints of
// OpenAI itself get the client's body natively (responses-native-adapter.ts); every other provider gets
// it converted to a chat request, and the chat answer presented as a `response` object or its typed
// event stream. Errors keep OpenAI's envelope; a stream that breaks after its first byte ends with
// `response.failed` (translated) or an `error` event (native).
import { openAIErrors, type ErrorPresenter } from '../../http/send-error.ts';
import type { FrontDoor } from '../../pipeline/front-door.ts';
import { convertChatCompletionToResponse } from './convert-chat-completion-to-response.ts';
import { convertResponsesRequest } from './convert-responses-request.ts';
import { createResponsesNativeAdapter, type ResponsesNativeStream } from './responses-native-adapter.ts';
import { responseIdentity } from './responses-object.ts';
import { ResponsesStreamPresenter } from './responses-stream-presenter.ts';

/** Providers (slugs, of kind openai-compatible) whose API has `/responses`. */
const NATIVE_RESPONSES_PROVIDERS = ['openai'];

export const responsesDoor: FrontDoor = {
  errors: openAIErrors,
  open(raw, request) {
    const { body, source, chat, echo } = convertResponsesRequest(raw);
    const identity = responseIdentity(request.requestId, request.created);
    let presenter: ResponsesStreamPresenter | null = null;
    let nativeStream: ResponsesNativeStream | null = null;
    const errors: ErrorPresenter = {
      body: openAIErrors.body,
      frame: (error) => presenter?.failedFrame(error) ?? nativeStream?.failedFrame(error) ?? openAIErrors.frame(error),
    };
    return {
      chat,
      presentBody: (chatCompletion) => JSON.stringify(convertChatCompletionToResponse(chatCompletion, identity, echo)),
      presentStream: (translator) => (presenter = new ResponsesStreamPresenter(translator, identity, echo)),
      errors,
      native: {
        kind: 'openai-compatible',
        providers: NATIVE_RESPONSES_PROVIDERS,
        adapter: createResponsesNativeAdapter(body, (stream) => (nativeStream = stream), source, chat.readInBytes === true),
        onlyNative: null,
      },
    };
  },
};
