// A long FIM body (a code file's prompt and suffix) is read in its bytes (http/read-json-bytes.ts):
// Codestral gets the client's bytes with the model spliced in and `stream` added when absent, where it
// got the body serialised again; a body the reader declines, or one with routing extras, is served as before.
import { describe, expect, it } from 'vitest';
import { LongString, memberOf } from '../http/read-json-bytes.ts';
import { convertToMistralFimRequest } from '../providers/mistral/convert-to-mistral-fim-request.ts';
import { escapedPrompt } from '../testing/escaped-prompt.ts';
import { upstreamBodyText } from '../testing/upstream-body.ts';
import { parseFimRequest } from './parse-fim-request.ts';
import { readJsonObject } from './read-request-body.ts';

const CODE = escapedPrompt(512 * 1024);

function fimBody(extra = ''): string {
  return `{"model":"mistral/codestral","prompt":"${CODE}","suffix":"${CODE}","max_tokens":64${extra}}`;
}

function sent(text: string): string {
  const fim = parseFimRequest(Buffer.from(text));
  return upstreamBodyText(
    convertToMistralFimRequest(fim, { url: 'https://api.mistral.test/v1/fim/completions', upstreamModel: 'codestral-2501', apiKey: 'k' }).body,
  );
}

describe('a long FIM body', () => {
  it("reaches Codestral as the client's bytes, the model replaced and stream added, its prompt never built", () => {
    const text = fimBody();
    const fim = parseFimRequest(Buffer.from(text));
    convertToMistralFimRequest(fim, { url: 'https://api.mistral.test/v1/fim/completions', upstreamModel: 'codestral-2501', apiKey: 'k' });
    expect(memberOf(fim.body, 'prompt')).toBeInstanceOf(LongString);
    // Compared as text: a failing comparison of a long prompt would print all of it.
    expect(sent(text) === text.replace('"model":"mistral/codestral"', '"model":"codestral-2501"').replace(/}$/, ',"stream":false}')).toBe(true);
  });

  it("keeps the client's own stream where it is", () => {
    const text = fimBody(',"stream":true,"temperature":0.1');
    expect(sent(text) === text.replace('"model":"mistral/codestral"', '"model":"codestral-2501"')).toBe(true);
  });

  it.each([
    ['routing extras', ',"provider":{"order":["mistral"]}'],
    ['a null stream', ',"stream":null'],
    ['a repeated key (the reader declines)', ',"max_tokens":32'],
  ])('with %s, is serialised as before', (_name, extra) => {
    const text = fimBody(extra);
    const before = readJsonObject(text);
    expect(sent(text) === JSON.stringify({ ...before, model: 'codestral-2501', stream: before.stream === true })).toBe(true);
  });

  it('a long suffix that is not a string is refused as before', () => {
    expect(() => parseFimRequest(Buffer.from(fimBody().replace(`"suffix":"${CODE}"`, '"suffix":7')))).toThrow("'suffix' must be a string.");
  });
});
