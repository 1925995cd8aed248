// The real @google/genai SDK (2.x, the Node-20 line) accepts what the Gemini simulator sends:
// generateContent and generateContentStream on /v1beta and /v1, thoughts, whole function calls, the
// `\r\n\r\n`-framed stream with no [DONE], and the error envelope (a bad key answered 400, RetryInfo on 429).
import { ApiError, FunctionCallingConfigMode, GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGeminiSimulator, type GeminiSimulator } from './gemini-simulator.ts';

const API_KEY = 'AIza-simulator';
const weatherTool = {
  functionDeclarations: [
    { name: 'get_weather', description: 'Weather by city', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } } } },
  ],
};

describe('Gemini simulator with @google/genai', () => {
  let simulator: GeminiSimulator;
  const client = (apiVersion = 'v1beta', apiKey = API_KEY) => new GoogleGenAI({ apiKey, httpOptions: { baseUrl: simulator.url, apiVersion } });
  beforeAll(async () => {
    simulator = await startGeminiSimulator({ apiKey: API_KEY });
  });
  afterAll(() => simulator?.close());

  it.each(['v1beta', 'v1'])('answers generateContent on /%s with the echo, thoughts and usage', async (apiVersion) => {
    simulator.scenario = () => ({ thoughts: 'Just echo it.', cachedContentTokenCount: 1 });
    const response = await client(apiVersion).models.generateContent({ model: 'gemini-echo', contents: 'hello there' });
    expect(response.text).toBe('Echo: hello there');
    expect(response.candidates?.[0]?.content?.parts?.[0]).toEqual({ text: 'Just echo it.', thought: true });
    expect(response.usageMetadata).toMatchObject({
      promptTokenCount: 2,
      candidatesTokenCount: 3,
      thoughtsTokenCount: 3,
      cachedContentTokenCount: 1,
      totalTokenCount: 8,
    });
    const recorded = simulator.requests.at(-1)!;
    expect(recorded.path).toBe(`/${apiVersion}/models/gemini-echo:generateContent`);
    expect(recorded.headers['x-goog-api-key']).toBe(API_KEY);
  });

  it.each(['v1beta', 'v1'])('streams on /%s with \\r\\n\\r\\n framing and no [DONE], partial usage first and the full usage last', async (apiVersion) => {
    simulator.scenario = () => ({});
    const texts: string[] = [];
    const usages: unknown[] = [];
    for await (const chunk of await client(apiVersion).models.generateContentStream({ model: 'gemini-echo', contents: 'one two three' })) {
      texts.push(chunk.text ?? '');
      usages.push(chunk.usageMetadata);
    }
    expect(texts.join('')).toBe('Echo: one two three');
    expect(usages[0]).toEqual({ promptTokenCount: 3, totalTokenCount: 3, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 3 }] });
    expect(usages.at(-1)).toMatchObject({ promptTokenCount: 3, candidatesTokenCount: 4, totalTokenCount: 7 });
    const recorded = simulator.requests.at(-1)!;
    expect(recorded).toMatchObject({ path: `/${apiVersion}/models/gemini-echo:streamGenerateContent`, query: { alt: 'sse' } });
    expect(recorded.responseText.startsWith('data: {"candidates":')).toBe(true);
    expect(recorded.responseText.endsWith('}\r\n\r\n')).toBe(true);
    expect(recorded.responseText).not.toContain('[DONE]');
  });

  it('answers with a whole function call, streamed and not', async () => {
    simulator.scenario = () => ({ functionCall: { name: 'get_weather', args: { city: 'Paris' } } });
    const request = {
      model: 'gemini-echo',
      contents: 'weather?',
      config: { tools: [weatherTool], toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.AUTO } } },
    };
    const created = await client().models.generateContent(request);
    expect(created.functionCalls).toEqual([{ name: 'get_weather', args: { city: 'Paris' } }]);
    const streamed = [];
    for await (const chunk of await client().models.generateContentStream(request)) streamed.push(...(chunk.functionCalls ?? []));
    expect(streamed).toEqual([{ name: 'get_weather', args: { city: 'Paris' } }]);
    expect(simulator.requests.at(-1)!.body).toMatchObject({ tools: [weatherTool], toolConfig: { functionCallingConfig: { mode: 'AUTO' } } });
  });

  it('accepts ?key=, answers a wrong key with 400 API_KEY_INVALID and a 429 with RetryInfo, as ApiError', async () => {
    simulator.scenario = () => ({});
    const viaQuery = await fetch(`${simulator.url}/v1beta/models/gemini-echo:generateContent?key=${API_KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    expect(viaQuery.status).toBe(200);

    const wrongKey = await client('v1beta', 'nope')
      .models.generateContent({ model: 'gemini-echo', contents: 'hi' })
      .catch((error: unknown) => error);
    expect(wrongKey).toBeInstanceOf(ApiError);
    expect((wrongKey as ApiError).status).toBe(400);
    expect(JSON.parse((wrongKey as ApiError).message).error.details[0].reason).toBe('API_KEY_INVALID');

    simulator.scenario = () => ({ status: 429, retryDelay: '12s' });
    const limited = await client()
      .models.generateContent({ model: 'gemini-echo', contents: 'hi' })
      .catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(ApiError);
    expect((limited as ApiError).status).toBe(429);
    const { error } = JSON.parse((limited as ApiError).message);
    expect(error.status).toBe('RESOURCE_EXHAUSTED');
    expect(error.details).toContainEqual({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '12s' });
  });
});
