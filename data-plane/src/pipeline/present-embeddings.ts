// How an embeddings answer reaches the client: OpenAI's `list` as the adapter gave it, except that a
// client asking for `encoding_format: base64` gets every float vector as base64 of little-endian float32
// (OpenAI's encoding, which its SDK decodes), whether or not the upstream could encode it (Gemini
// cannot; OpenAI-compatible upstreams and Mistral are asked to, and their strings pass untouched).
import { openAIErrors } from '../http/send-error.ts';
import { asIs, type AnswerPresenter } from './front-door.ts';

const FLOAT_VECTOR = /"embedding"\s*:\s*\[/;

export function embeddingsPresenter(encodingFormat: 'float' | 'base64'): AnswerPresenter {
  if (encodingFormat === 'float') return asIs;
  return { ...asIs, presentBody: encodeFloatVectors, errors: openAIErrors };
}

function encodeFloatVectors(body: string | Buffer): string | Buffer {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (!FLOAT_VECTOR.test(text)) return body;
  const list = JSON.parse(text) as { data?: Array<{ embedding?: unknown }> };
  for (const item of list.data ?? []) {
    if (Array.isArray(item.embedding)) item.embedding = float32Base64(item.embedding as number[]);
  }
  return JSON.stringify(list);
}

export function float32Base64(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes.toString('base64');
}
