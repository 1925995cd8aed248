import { describe, expect, it } from 'vitest';
import { parseFimRequest } from './parse-fim-request.ts';

const parse = (body: unknown) => parseFimRequest(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));

describe('parseFimRequest', () => {
  it('accepts the Mistral SDK body, keeping unknown fields for the upstream to judge', () => {
    const sdkBody = {
      model: 'mistral/codestral-latest',
      prompt: 'a',
      suffix: 'b',
      max_tokens: 8,
      min_tokens: 1,
      stop: ['\n'],
      random_seed: 3,
      stream: true,
      metadata: { x: 1 },
    };
    expect(parse(sdkBody)).toEqual({ model: 'mistral/codestral-latest', stream: true, body: sdkBody });
    expect(parse({ model: 'm', prompt: '', suffix: null, stop: 'x', temperature: 0.2 }).stream).toBe(false);
  });

  it.each([
    ['{', 'invalid_json', null, 'We could not parse the JSON body of your request.'],
    [[], 'invalid_request', null, 'The request body must be a JSON object.'],
    [{ prompt: 'a' }, 'invalid_request', 'model', "'model' is required and must be a string."],
    [{ model: 'm' }, 'invalid_request', 'prompt', "'prompt' is required and must be a string."],
    [{ model: 'm', prompt: 1 }, 'invalid_request', 'prompt', "'prompt' is required and must be a string."],
    [{ model: 'm', prompt: 'a', suffix: 2 }, 'invalid_request', 'suffix', "'suffix' must be a string."],
    [{ model: 'm', prompt: 'a', max_tokens: 1.5 }, 'invalid_request', 'max_tokens', "'max_tokens' must be a non-negative integer."],
    [{ model: 'm', prompt: 'a', min_tokens: -1 }, 'invalid_request', 'min_tokens', "'min_tokens' must be a non-negative integer."],
    [{ model: 'm', prompt: 'a', temperature: '0' }, 'invalid_request', 'temperature', "'temperature' must be a number."],
    [{ model: 'm', prompt: 'a', top_p: true }, 'invalid_request', 'top_p', "'top_p' must be a number."],
    [{ model: 'm', prompt: 'a', stop: ['x', 1] }, 'invalid_request', 'stop', "'stop' must be a string or an array of strings."],
    [{ model: 'm', prompt: 'a', random_seed: 'x' }, 'invalid_request', 'random_seed', "'random_seed' must be a non-negative integer."],
    [{ model: 'm', prompt: 'a', stream: 'yes' }, 'invalid_request', 'stream', "'stream' must be a boolean."],
    [{ model: 'm', prompt: 'a', min_tokens: 9, max_tokens: 8 }, 'invalid_request', 'min_tokens', "'min_tokens' must not exceed 'max_tokens'."],
  ])('rejects %j', (body, code, param, message) => {
    let thrown: unknown;
    try {
      parse(body);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code, param, message, status: 400 });
  });
});
