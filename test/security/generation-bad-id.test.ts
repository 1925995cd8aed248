// Issue 13 (lower list): GET /v1/generation with an id no request can have (too long for the column, or
// with a NUL the database refuses) answered 502, as if the control plane were down. The attack: such ids
// get a 400 naming the parameter, and the control plane is not asked.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { USAGE_EVENT_LIMITS } from '../../shared/src/usage-event.ts';
import { startDataPlaneFixture, TEST_API_KEY, type DataPlaneFixture } from '../../data-plane/src/testing/data-plane-fixture.ts';
import { startOpenAISimulator, type OpenAISimulator } from '../../simulators/openai/openai-simulator.ts';

describe('GET /v1/generation with an id no request can have', () => {
  let simulator: OpenAISimulator;
  let fixture: DataPlaneFixture;

  beforeAll(async () => {
    simulator = await startOpenAISimulator();
    fixture = await startDataPlaneFixture(simulator.baseUrl);
  });
  afterAll(async () => {
    await fixture?.close();
    await simulator?.close();
  });

  test.each([
    ['too long', encodeURIComponent('x'.repeat(USAGE_EVENT_LIMITS.idLength + 1))],
    ['with a NUL', 'abc%00def'],
  ])('%s: 400 invalid_request on param id', async (_, id) => {
    const response = await fetch(`${fixture.dataPlane.url}/v1/generation?id=${id}`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { message: expect.stringContaining("'id' is not a request id"), type: 'invalid_request_error', code: 'invalid_request', param: 'id' },
    });
  });
});
