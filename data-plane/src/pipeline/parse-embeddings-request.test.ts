import { describe, expect, it } from 'vitest';
import { parseEmbeddingsRequest } from './parse-embeddings-request.ts';

const parse = (body: unknown) => parseEmbeddingsRequest(Buffer.from(JSON.stringify(body)));

describe('parseEmbeddingsRequest', () => {
  it.each([
    ['a string', 'hello'],
    ['strings', ['hello', 'world']],
    ['one token array', [1, 2, 3]],
    ['token arrays', [[1, 2], [3]]],
  ])('takes %s as input, float by default, the body kept for the upstream', (_name, input) => {
    expect(parse({ model: 'openai/text-embedding-3-small', input, user: 'u1' })).toEqual({
      body: { model: 'openai/text-embedding-3-small', input, user: 'u1' },
      model: 'openai/text-embedding-3-small',
      stream: false,
      encodingFormat: 'float',
      dimensions: null,
    });
  });

  it('reads encoding_format and dimensions', () => {
    expect(parse({ model: 'm', input: 'x', encoding_format: 'base64', dimensions: 256 })).toMatchObject({ encodingFormat: 'base64', dimensions: 256 });
  });

  it.each([
    [{ model: 'm' }, 'input', "'input' is required: a string, an array of strings, an array of token ids, or an array of token id arrays."],
    [{ model: 'm', input: '' }, 'input', "'input' must not be an empty string."],
    [{ model: 'm', input: [] }, 'input', "'input' is required: a string, an array of strings, an array of token ids, or an array of token id arrays."],
    [{ model: 'm', input: ['a', ''] }, 'input', "'input[1]' must be a non-empty string or a non-empty array of token ids, like the other items."],
    [{ model: 'm', input: ['a', [1]] }, 'input', "'input' must not mix strings and token arrays."],
    [{ model: 'm', input: [1.5] }, 'input', "'input[0]' must be a non-empty string or a non-empty array of token ids, like the other items."],
    [{ model: 'm', input: Array.from({ length: 2049 }, () => 'a') }, 'input', "'input' may hold at most 2048 items."],
    [{ model: 'm', input: 'a', encoding_format: 'int8' }, 'encoding_format', "'encoding_format' must be 'float' or 'base64'."],
    [{ model: 'm', input: 'a', dimensions: -1 }, 'dimensions', "'dimensions' must be a positive integer."],
    [{ model: 'm', input: 'a', stream: true }, 'stream', 'Embeddings cannot be streamed.'],
    [{ input: 'a' }, 'model', "'model' is required and must be a string."],
  ])('refuses %j naming %s', (body, param, message) => {
    expect(() => parse(body)).toThrow(expect.objectContaining({ code: 'invalid_request', param, message }));
  });
});
