// POST /responses (OpenAI Responses API, stateless) as a front door onto the chat pipeline: the body is
// converted to a chat request, the chat answer presented as a `response` object or its typed event
// stream. Errors keep OpenAI's envelope; a stream that breaks after its first byte ends with
// `response.failed`.
import { openAIErrors, type ErrorPresenter } from '../../http/send-error.ts';
import type { FrontDoor } from '../../pipeline/front-door.ts';
import { convertChatCompletionToResponse } from './convert-chat-completion-to-response.ts';
import { convertResponsesRequest } from './convert-responses-request.ts';
import { responseIdentity } from './responses-object.ts';
import { ResponsesStreamPresenter } from './responses-stream-presenter.ts';

export const responsesDoor: FrontDoor = {
  errors: openAIErrors,
  open(body, request) {
    const { chat, echo } = convertResponsesRequest(body);
    const identity = responseIdentity(request.requestId, request.created);
    let presenter: ResponsesStreamPresenter | null = null;
    const errors: ErrorPresenter = {
      body: openAIErrors.body,
      frame: (error) => (presenter === null ? openAIErrors.frame(error) : presenter.failedFrame(error)),
    };
    return {
      chat,
      presentBody: (chatCompletion) => JSON.stringify(convertChatCompletionToResponse(chatCompletion, identity, echo)),
      presentStream: (translator) => (presenter = new ResponsesStreamPresenter(translator, identity, echo)),
      errors,
    };
  },
};
