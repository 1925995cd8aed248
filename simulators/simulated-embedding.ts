// The vector every simulator answers for a text, so a test predicts each value: `dimensions` numbers
// (default SIMULATED_EMBEDDING_DIMENSIONS) taken from the text's SHA-256, each k/128 for k in
// [-128, 127], which float32 holds exactly (base64 of float32 decodes to the same numbers). Token
// arrays are embedded as their ids joined by spaces.
import { createHash } from 'node:crypto';

export const SIMULATED_EMBEDDING_DIMENSIONS = 8;

export function simulatedEmbedding(input: string | readonly number[], dimensions = SIMULATED_EMBEDDING_DIMENSIONS): number[] {
  const text = typeof input === 'string' ? input : input.join(' ');
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block += 1) {
    for (const byte of createHash('sha256').update(`${block}:${text}`).digest()) {
      if (values.length === dimensions) break;
      values.push((byte - 128) / 128);
    }
  }
  return values;
}

/** OpenAI's `base64` encoding of a vector: little-endian float32. */
export function simulatedEmbeddingBase64(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes.toString('base64');
}
