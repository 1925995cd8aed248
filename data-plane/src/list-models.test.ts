// GET /models through a real data plane: OpenRouter's model shape with exact USD strings, OpenAI's
// list fields for the SDK, and the caller's organization policy applied.
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RESTRICTED_API_KEY, startDataPlaneFixture, TEST_API_KEY, TEST_MODEL, TEST_MODEL_ALIAS, type DataPlaneFixture } from './testing/data-plane-fixture.ts';

let fixture: DataPlaneFixture;

beforeEach(async () => {
  // /models never calls upstream, so the upstream URL only has to parse.
  fixture = await startDataPlaneFixture('http://127.0.0.1:9/v1');
});

afterEach(async () => {
  await fixture.close();
});

async function getModels(path: string, apiKey: string | null = null): Promise<{ status: number; body: { object: string; data: Record<string, unknown>[] } }> {
  const response = await fetch(`${fixture.dataPlane.url}${path}`, { headers: apiKey === null ? {} : { authorization: `Bearer ${apiKey}` } });
  return { status: response.status, body: (await response.json()) as { object: string; data: Record<string, unknown>[] } };
}

describe('GET /models', () => {
  it('lists every model in OpenRouter shape, prices as exact USD-per-token strings', async () => {
    const { status, body } = await getModels('/api/gateway/models');
    expect(status).toBe(200);
    expect(body.object).toBe('list');
    expect(body.data.map((model) => model.id)).toEqual(['other/echo', TEST_MODEL]);
    expect(body.data[1]).toEqual({
      id: TEST_MODEL,
      // Listed once, with its other names.
      aliases: [TEST_MODEL_ALIAS],
      available: true,
      object: 'model',
      owned_by: 'simulator',
      name: 'Echo',
      created: 1700000000,
      description: 'Echoes the prompt back.',
      context_length: 8192,
      architecture: { modality: 'text+image->text', input_modalities: ['text', 'image'], output_modalities: ['text'] },
      // TEST_PRICES: 3000 / 15000 / 300 n$ per token; no cache-write price, so it is billed (and listed) as a prompt token.
      pricing: { prompt: '0.000003', completion: '0.000015', request: '0', image: '0', input_cache_read: '0.0000003', input_cache_write: '0.000003' },
      supported_parameters: ['max_tokens', 'temperature', 'tools', 'tool_choice'],
      top_provider: { context_length: 8192, max_completion_tokens: 4096, is_moderated: false },
    });
    expect(body.data[0]).toMatchObject({ description: '', context_length: null, top_provider: { context_length: null, max_completion_tokens: null } });
  });

  it('answers the same on /v1/models and /api/gateway/v1/models', async () => {
    expect(await getModels('/v1/models')).toEqual(await getModels('/api/gateway/models'));
    expect(await getModels('/api/gateway/v1/models')).toEqual(await getModels('/api/gateway/models'));
  });

  it("filters by the caller's organization policy, and refuses a bad key", async () => {
    const restricted = await getModels('/api/gateway/models', RESTRICTED_API_KEY);
    expect(restricted.body.data.map((model) => model.id)).toEqual(['other/echo']);
    const everything = await getModels('/api/gateway/models', TEST_API_KEY);
    expect(everything.body.data.map((model) => model.id)).toEqual(['other/echo', TEST_MODEL]);
    expect((await getModels('/api/gateway/models', 'sk-gw-not-a-key')).status).toBe(401);
  });

  it("reads through the openai SDK's models.list()", async () => {
    const client = new OpenAI({ apiKey: TEST_API_KEY, baseURL: `${fixture.dataPlane.url}/v1`, maxRetries: 0 });
    const models = [];
    for await (const model of client.models.list()) models.push(model);
    expect(models.map(({ id, object, owned_by }) => ({ id, object, owned_by }))).toEqual([
      { id: 'other/echo', object: 'model', owned_by: 'other' },
      { id: TEST_MODEL, object: 'model', owned_by: 'simulator' },
    ]);
    const restricted = new OpenAI({ apiKey: RESTRICTED_API_KEY, baseURL: `${fixture.dataPlane.url}/v1`, maxRetries: 0 });
    expect((await restricted.models.list()).data.map((model) => model.id)).toEqual(['other/echo']);
  });
});
