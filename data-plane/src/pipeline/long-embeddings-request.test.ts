// A long embeddings body (documents to embed) is read in its bytes (http/read-json-bytes.ts): an
// OpenAI-compatible upstream gets the client's bytes with the model spliced in, where it got the body
// serialised again, and the checks and the spend bound read the texts' measurements; Gemini and Mistral
// get the JSON they got before, each long text as the client escaped it; a body with routing extras, or
// one the reader declines, is served as before.
import { describe, expect, it } from 'vitest';
import { LongString, memberOf } from '../http/read-json-bytes.ts';
import { countEmbeddingsInputTokens, embeddingsInputTokensUpperBound } from '../metering/count-embeddings-input.ts';
import type { EmbeddingsRequest } from '../providers/client-requests.ts';
import { convertToGeminiEmbeddingsRequest } from '../providers/gemini/convert-to-gemini-embeddings-request.ts';
import { convertToMistralEmbeddingsRequest } from '../providers/mistral/convert-to-mistral-embeddings-request.ts';
import { openAICompatibleEmbeddingsAdapter } from '../providers/openai-compatible/openai-compatible-embeddings-adapter.ts';
import { escapedPrompt } from '../testing/escaped-prompt.ts';
import { upstreamBodyText } from '../testing/upstream-body.ts';
import { parseEmbeddingsRequest } from './parse-embeddings-request.ts';
import { readJsonObject } from './read-request-body.ts';

const DOCUMENT = escapedPrompt(96 * 1024);
const target = { url: 'https://api.openai.test/v1/embeddings', upstreamModel: 'text-embedding-3-small', apiKey: 'k' };

function embeddingsBody(input: string, extra = ''): string {
  return `{"model":"openai/embed","input":${input},"encoding_format":"float"${extra}}`;
}

const ONE = `"${DOCUMENT}"`;
const SEVERAL = `["${DOCUMENT}","a short one, caf\\u00e9","${DOCUMENT}"]`;

function sent(request: EmbeddingsRequest): string {
  return upstreamBodyText(openAICompatibleEmbeddingsAdapter.convertRequest(request, target).body);
}

/** What the route did before it read bytes: decode, JSON.parse, serialise with the upstream model. */
function sentTheOldWay(text: string): string {
  return JSON.stringify({ ...readJsonObject(text), model: target.upstreamModel });
}

describe('a long embeddings body', () => {
  it.each([
    ['one text', ONE],
    ['several texts', SEVERAL],
  ])("with %s reaches the upstream as the client's bytes, only the model replaced, its texts never built", (_name, input) => {
    const text = embeddingsBody(input);
    const request = parseEmbeddingsRequest(Buffer.from(text));
    const before = readJsonObject(text) as EmbeddingsRequest['body'];
    expect(embeddingsInputTokensUpperBound(request.body)).toBe(embeddingsInputTokensUpperBound(before));
    // Compared as text: a failing comparison of a long prompt would print all of it.
    expect(sent(request) === text.replace('"model":"openai/embed"', `"model":"${target.upstreamModel}"`)).toBe(true);
    const read = memberOf(request.body, 'input');
    expect(Array.isArray(read) ? memberOf(read, 0) : read).toBeInstanceOf(LongString);
    expect(countEmbeddingsInputTokens(request.body)).toBe(countEmbeddingsInputTokens(before));
  });

  it.each([
    ['routing extras', SEVERAL, ',"provider":{"order":["openai"]}'],
    ['a repeated key (the reader declines)', ONE, ',"encoding_format":"base64"'],
  ])('with %s, is serialised as before', (_name, input, extra) => {
    const text = embeddingsBody(input, extra);
    expect(JSON.stringify(JSON.parse(sent(parseEmbeddingsRequest(Buffer.from(text))))) === sentTheOldWay(text)).toBe(true);
  });

  it.each([
    ['an empty item', `["${DOCUMENT}",""]`, "'input[1]' must be a non-empty string"],
    ['strings mixed with token arrays', `["${DOCUMENT}",[1,2]]`, "'input' must not mix strings and token arrays."],
    ['a token id mixed with texts', `[1,"${DOCUMENT}"]`, "'input[0]' must be a non-empty string"],
  ])('with %s is refused as before', (_name, input, message) => {
    expect(() => parseEmbeddingsRequest(Buffer.from(embeddingsBody(input)))).toThrow(message);
  });
});

describe.each([
  ['Gemini', convertToGeminiEmbeddingsRequest],
  ['Mistral', convertToMistralEmbeddingsRequest],
])('a long embeddings body translated for %s', (_name, convert) => {
  it.each([
    ['one text', ONE],
    ['several texts', SEVERAL],
  ])('with %s sends the JSON the old path sent, its long texts as the client escaped them', (_case, input) => {
    const text = embeddingsBody(input, ',"dimensions":256,"user":"u-1"');
    const request = parseEmbeddingsRequest(Buffer.from(text));
    const now = upstreamBodyText(convert(request, target).body);
    const old = readJsonObject(text) as EmbeddingsRequest['body'];
    const before = convert({ ...request, body: old, readInBytes: false, source: undefined }, target).body;
    expect(JSON.stringify(JSON.parse(now)) === before).toBe(true);
    // JSON.stringify would have written é and 😀 as themselves: these are the client's bytes.
    expect(now.includes(`"${DOCUMENT}"`)).toBe(true);
  });
});
