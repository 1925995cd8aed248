// Issue 13 (lower list): GET /v1/generation with an id no request can have (too long for the column, or
// with a NUL the database refuses) answered 502, as if the control plane were down. The attack: such ids
// get a 400 naming the parameter, and the control plane is not asked.
import { describe, expect, test } from 'vitest';
import { USAGE_EVENT_LIMITS } from '../../shared/src/usage-event.ts';
import { TEST_API_KEY } from '../../data-plane/src/testing/data-plane-fixture.ts';
import { useSimulatedDataPlane } from '../support/simulated-data-plane.ts';

describe('GET /v1/generation with an id no request can have', () => {
  const running = useSimulatedDataPlane();

  test.each([
    ['too long', encodeURIComponent('x'.repeat(USAGE_EVENT_LIMITS.idLength + 1))],
    ['with a NUL', 'abc%00def'],
  ])('%s: 400 invalid_request on param id', async (_, id) => {
    const response = await fetch(`${running.fixture.dataPlane.url}/v1/generation?id=${id}`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { message: expect.stringContaining("'id' is not a request id"), type: 'invalid_request_error', code: 'invalid_request', param: 'id' },
    });
  });
});
