import { describe, expect, it } from 'vitest';
import { estimatePromptTokens } from '../../metering/estimate-prompt-tokens.ts';
import { parseMessagesRequest } from './parse-messages-request.ts';
import { translateMessagesRequest } from './translate-messages-request.ts';

const document = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'A memo.' } };

describe('translateMessagesRequest', () => {
  it('says why only Anthropic can serve a body, and keeps its turns, system and limit for the estimates', () => {
    const request = parseMessagesRequest(
      Buffer.from(
        JSON.stringify({
          model: 'anthropic/claude',
          max_tokens: 900,
          system: 'Be brief.',
          messages: [{ role: 'user', content: [document, { type: 'text', text: 'Summarise the memo please' }] }],
        }),
      ),
    );
    const { chat, onlyNative } = translateMessagesRequest(request);
    expect(onlyNative).toMatchObject({ status: 400, param: 'messages.0.content.0' });
    expect(chat.body).toEqual({ model: 'anthropic/claude', max_tokens: 900, messages: [{ role: 'system', content: 'Be brief.' }, ...request.body.messages] });
    const textOnly = translateMessagesRequest(
      parseMessagesRequest(
        Buffer.from(JSON.stringify({ model: 'm', max_tokens: 9, system: 'Be brief.', messages: [{ role: 'user', content: 'Summarise the memo please' }] })),
      ),
    );
    expect(textOnly.onlyNative).toBeNull();
    expect(estimatePromptTokens(chat.body.messages)).toBe(estimatePromptTokens(textOnly.chat.body.messages));
  });
});
