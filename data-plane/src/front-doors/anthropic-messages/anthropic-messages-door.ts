// `POST /v1/messages` (and under /api/gateway): Anthropic's Messages API as a front door of the chat
// pipeline (pipeline/front-door.ts), so keys, policy, routing and fallback, metering, spend and the spool
// are the chat pipeline's. The gateway key comes as `Authorization: Bearer` (Anthropic SDK 1.x) or
// `x-api-key` (0.x SDKs, Claude-based tools); any `anthropic-version` is accepted.
// Endpoints of kind `anthropic` get the client's body natively (anthropic-native-adapter.ts), its tool
// history repaired in Anthropic's shape (repair-anthropic-tool-uses.ts); every other provider gets it
// translated to a chat request (which the pipeline repairs), and its answer translated back. A body
// only Anthropic can serve (documents, server tools) gets a 400 when no Anthropic endpoint can take it.
import type { FrontDoor } from '../../pipeline/front-door.ts';
import { anthropicMessagesErrors } from './anthropic-messages-errors.ts';
import { createAnthropicNativeAdapter } from './anthropic-native-adapter.ts';
import { convertChatCompletionToMessage } from './convert-chat-completion-to-message.ts';
import { MessagesStreamTranslator } from './messages-stream-translator.ts';
import { parseMessagesRequest } from './parse-messages-request.ts';
import { repairAnthropicToolUses } from './repair-anthropic-tool-uses.ts';
import { translateMessagesRequest } from './translate-messages-request.ts';
import { copyKeepingBytes } from '../../providers/splice-json-member.ts';

export const anthropicMessagesDoor: FrontDoor = {
  errors: anthropicMessagesErrors,
  apiKeyHeader: 'x-api-key',
  clientHeaders: ['anthropic-version', 'anthropic-beta'],
  open(body, request) {
    const messages = parseMessagesRequest(body);
    const { chat, onlyNative } = translateMessagesRequest(messages);
    const repair = repairAnthropicToolUses(messages.body.messages);
    const nativeRequest =
      repair.changes === 0 ? messages : { ...messages, body: Object.assign(copyKeepingBytes(messages.body), { messages: repair.messages }), source: undefined };
    const messageId = `msg_${request.requestId.replaceAll('-', '')}`;
    const clientHeaders = { version: request.headers['anthropic-version'] ?? '', beta: request.headers['anthropic-beta'] ?? '' };
    return {
      chat,
      presentBody: (chatCompletion) => convertChatCompletionToMessage(chatCompletion, messageId),
      presentStream: (translator) => new MessagesStreamTranslator(translator, messageId, anthropicMessagesErrors),
      errors: anthropicMessagesErrors,
      native: { kind: 'anthropic', adapter: createAnthropicNativeAdapter(nativeRequest, clientHeaders), onlyNative },
    };
  },
};
