// Issue 13: the outside run's 175,000 fuzzed requests found no crash and no 5xx; this keeps it so. A
// bounded property test over every POST route: bodies near valid ones (one field replaced by any JSON),
// arbitrary JSON, arbitrary bytes, missing or wrong credentials. Every answer must be a success or an
// error in its door's envelope (OpenAI's, or Anthropic's on /messages), never a 500, never a
// 5xx without an envelope, every one with x-request-id; and the data plane still serves afterwards.
// FIM goes to the Mistral simulator (Codestral's /fim/completions), so its valid bodies succeed too.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FIXTURE_UPSTREAM_KEY, TEST_API_KEY, TEST_MODEL, TEST_PRICES, UPSTREAM_KEY_ENV } from '../../data-plane/src/testing/data-plane-fixture.ts';
import { startMistralSimulator, type MistralSimulator } from '../../simulators/mistral/mistral-simulator.ts';
import { useSimulatedDataPlane } from '../support/simulated-data-plane.ts';

const FIM_MODEL = 'mistral/codestral';

/** At least 10,000 requests in CI (issue 13); each is one local round trip. */
const RUNS = 10_000;

const messages = [{ role: 'user', content: 'hi' }];
const routes = [
  { path: '/v1/chat/completions', door: 'openai', body: { model: TEST_MODEL, messages, max_tokens: 16 } },
  { path: '/v1/responses', door: 'openai', body: { model: TEST_MODEL, input: 'hi', max_output_tokens: 16 } },
  { path: '/v1/messages', door: 'anthropic', body: { model: TEST_MODEL, max_tokens: 16, messages } },
  { path: '/v1/messages/count_tokens', door: 'anthropic', body: { model: TEST_MODEL, messages } },
  { path: '/v1/fim/completions', door: 'openai', body: { model: FIM_MODEL, prompt: 'def f(', suffix: 'return 1', max_tokens: 16 } },
  { path: '/v1/embeddings', door: 'openai', body: { model: TEST_MODEL, input: 'hi' } },
] as const;

/** Fields the routes read; a fuzzed body sets one of them (or an unknown one) to anything. */
const fields = [
  'model',
  'models',
  'messages',
  'input',
  'instructions',
  'prompt',
  'suffix',
  'system',
  'max_tokens',
  'max_completion_tokens',
  'max_output_tokens',
  'stream',
  'stream_options',
  'tools',
  'tool_choice',
  'temperature',
  'top_p',
  'n',
  'stop',
  'response_format',
  'reasoning',
  'thinking',
  'provider',
  'user',
  'metadata',
  'encoding_format',
  'dimensions',
  'unknown_field',
];

const anyJson = fc.jsonValue({ maxDepth: 4 });
/** A message or content part shaped enough to get past the first checks. */
const part = fc.record(
  {
    type: fc.oneof(fc.constantFrom('text', 'image_url', 'input_audio', 'file', 'tool_use', 'tool_result', 'input_text', 'image'), anyJson),
    text: fc.oneof(fc.string(), anyJson),
    image_url: anyJson,
    source: anyJson,
  },
  { requiredKeys: [] },
);
const message = fc.record(
  {
    role: fc.oneof(fc.constantFrom('user', 'assistant', 'system', 'tool', 'developer'), anyJson),
    content: fc.oneof(fc.string(), fc.array(part, { maxLength: 3 }), anyJson),
    tool_calls: anyJson,
    name: anyJson,
  },
  { requiredKeys: [] },
);

const body = fc.oneof(
  // One field of a valid body replaced (or added) with any JSON.
  fc.tuple(fc.constantFrom(...fields), anyJson).map(([field, value]) => ({ replace: { [field]: value } })),
  // Messages (or Responses input items) that are almost right.
  fc.array(message, { maxLength: 3 }).map((items) => ({ replace: { messages: items, input: items } })),
  fc.boolean().map((stream) => ({ replace: { stream } })),
  // Anything at all as the body.
  anyJson.map((json) => ({ raw: JSON.stringify(json) })),
  fc.string({ unit: 'binary', maxLength: 200 }).map((raw) => ({ raw })),
);

const credentials = fc.oneof(
  { weight: 8, arbitrary: fc.constant(`Bearer ${TEST_API_KEY}`) },
  { weight: 1, arbitrary: fc.constantFrom('', 'Bearer ', 'Bearer sk-gw-wrong', 'Basic abc') },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((text) => `Bearer ${text}`) },
);

interface Envelope {
  type?: unknown;
  error?: { message?: unknown; type?: unknown };
}

function isDoorEnvelope(json: Envelope, door: 'openai' | 'anthropic'): boolean {
  const error = json.error;
  if (typeof error !== 'object' || error === null || typeof error.message !== 'string' || typeof error.type !== 'string') return false;
  return door === 'openai' || json.type === 'error';
}

/** An SSE answer whose every data line is JSON or [DONE]. */
function isEventStream(text: string): boolean {
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .every((line) => {
      const data = line.slice('data: '.length);
      if (data === '[DONE]') return true;
      try {
        JSON.parse(data);
        return true;
      } catch {
        return false;
      }
    });
}

describe(`fuzzing every POST route (${RUNS} requests)`, () => {
  // A fifth of the fuzzed requests bring a wrong key: the per-address limit on failed authentications
  // (bad-key-flood.test.ts) would soon refuse everything from this address with 429, so it is off here.
  const running = useSimulatedDataPlane({ fixture: { addressLimits: { authFailuresPerMinute: 0 } } });
  let mistral: MistralSimulator;

  beforeAll(async () => {
    mistral = await startMistralSimulator({ apiKey: FIXTURE_UPSTREAM_KEY });
    const { controlPlane, dataPlane } = running.fixture;
    const state = structuredClone(controlPlane.state);
    state.providers.prov_mistral = { id: 'prov_mistral', slug: 'mistral', kind: 'mistral', baseUrl: mistral.baseUrl, apiKeyEnv: UPSTREAM_KEY_ENV };
    state.models[FIM_MODEL] = {
      ...state.models[TEST_MODEL]!,
      id: FIM_MODEL,
      name: 'Codestral',
      aliases: [],
      endpoints: [{ providerId: 'prov_mistral', upstreamModel: 'codestral-latest', prices: TEST_PRICES }],
    };
    await dataPlane.waitForSnapshot(await controlPlane.publish(state));
  });
  afterAll(async () => {
    await mistral?.close();
  });

  test.each(routes)('the valid body of $path succeeds', async (route) => {
    const response = await fetch(`${running.fixture.dataPlane.url}${route.path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(route.body),
    });
    expect(response.status, await response.text()).toBe(200);
  });

  test('every answer is a success or an error in its door envelope, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), body, credentials, async (route, fuzzed, authorization) => {
        const text = 'raw' in fuzzed ? fuzzed.raw : JSON.stringify({ ...route.body, ...fuzzed.replace });
        const response = await fetch(`${running.fixture.dataPlane.url}${route.path}`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: text,
        });
        const answer = await response.text();
        const where = `${route.path} ${response.status}: ${answer.slice(0, 300)}`;
        expect(response.headers.get('x-request-id'), where).toBeTruthy();
        expect(response.status, where).not.toBe(500);
        if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
          expect(response.status, where).toBe(200);
          expect(isEventStream(answer), where).toBe(true);
          return;
        }
        const json = JSON.parse(answer) as Envelope;
        if (response.status >= 400) expect(isDoorEnvelope(json, route.door), where).toBe(true);
      }),
      { numRuns: RUNS },
    );
    // The FIM cases reached Codestral's simulator, not only the gateway's refusals.
    expect(mistral.requests.filter((request) => request.path.endsWith('/fim/completions')).length).toBeGreaterThan(100);

    const healthy = await fetch(`${running.fixture.dataPlane.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(routes[0].body),
    });
    expect(healthy.status).toBe(200);
  });
});
