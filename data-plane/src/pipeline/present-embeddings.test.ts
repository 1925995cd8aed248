import { describe, expect, it } from 'vitest';
import { asIs } from './front-door.ts';
import { embeddingsPresenter } from './present-embeddings.ts';

const list = (embedding: unknown) => JSON.stringify({ object: 'list', data: [{ object: 'embedding', index: 0, embedding }], model: 'm' });

describe('embeddingsPresenter', () => {
  it('leaves float answers as the adapter gave them', () => {
    expect(embeddingsPresenter('float')).toBe(asIs);
  });

  it('encodes float vectors as base64 of little-endian float32 when base64 was asked', () => {
    // 1, -2 and 0.5 as little-endian float32: 00 00 80 3f, 00 00 00 c0, 00 00 00 3f.
    expect(embeddingsPresenter('base64').presentBody(list([1, -2, 0.5]))).toBe(list(Buffer.from('0000803f000000c00000003f', 'hex').toString('base64')));
  });

  it('passes an upstream that encoded base64 itself through untouched', () => {
    const body = Buffer.from(list('AACAPw=='));
    expect(embeddingsPresenter('base64').presentBody(body)).toBe(body);
  });
});
