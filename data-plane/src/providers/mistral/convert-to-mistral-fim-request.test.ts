import { describe, expect, it } from 'vitest';
import { parseFimRequest } from '../../pipeline/parse-fim-request.ts';
import { convertToMistralFimRequest } from './convert-to-mistral-fim-request.ts';
import { mistralFimAdapter } from './mistral-fim-adapter.ts';

describe('convertToMistralFimRequest', () => {
  it('replaces the model, always sends stream, and passes the rest byte for byte', () => {
    const fim = parseFimRequest(Buffer.from('{"model":"mistral/codestral-latest","prompt":"def f(","suffix":")","max_tokens":16,"stop":"\\n"}'));
    const url = mistralFimAdapter.url('https://api.mistral.ai/v1/');
    expect(convertToMistralFimRequest(fim, { url, upstreamModel: 'codestral-2501', apiKey: 'k' })).toEqual({
      url: 'https://api.mistral.ai/v1/fim/completions',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      body: '{"model":"codestral-2501","prompt":"def f(","suffix":")","max_tokens":16,"stop":"\\n","stream":false}',
    });
    const streamed = parseFimRequest(Buffer.from('{"model":"m","prompt":"","stream":true}'));
    expect(convertToMistralFimRequest(streamed, { url, upstreamModel: 'codestral-2501', apiKey: null })).toEqual({
      url: 'https://api.mistral.ai/v1/fim/completions',
      headers: { 'content-type': 'application/json' },
      body: '{"model":"codestral-2501","prompt":"","stream":true}',
    });
  });
});
