import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../shared/src/errors.ts';
import { holdState } from '../snapshot/held-state.ts';
import { buildSnapshotView, type SnapshotView } from '../snapshot/snapshot-view.ts';
import { FIXTURE_UPSTREAM_KEY, TEST_API_KEY, TEST_MODEL, testSnapshotState, UPSTREAM_KEY_ENV } from '../testing/data-plane-fixture.ts';
import { authenticateKey } from './authenticate-key.ts';
import { EndpointHealth } from './endpoint-health.ts';
import type { PipelineContext } from './pipeline-context.ts';
import { routeRequest } from './route-request.ts';

const context = {
  upstream: { providerKeys: new Map([[UPSTREAM_KEY_ENV, FIXTURE_UPSTREAM_KEY]]) },
  endpointHealth: new EndpointHealth(),
} as unknown as PipelineContext;

/** A request of the test key for `model` without routing extras, routed on `view`: the provider slugs tried, or the error's code. */
function route(view: SnapshotView, model = TEST_MODEL): string[] | string {
  try {
    return routeRequest(context, authenticateKey(view, `Bearer ${TEST_API_KEY}`, Date.now()), {}, model).endpoints.map(
      (candidate) => candidate.route.provider.slug,
    );
  } catch (error) {
    if (error instanceof GatewayError) return error.code;
    throw error;
  }
}

/** The next version as the snapshot store makes it for a delta that leaves the indexes: the same packed keys (so the same key objects), the org replaced. */
function withOrg(view: SnapshotView, change: Record<string, unknown>): SnapshotView {
  const orgs = { ...view.state.orgs, org_alpha: { ...view.state.orgs.org_alpha!, ...change } };
  return Object.freeze({ ...view, version: view.version + 1, state: { ...view.state, orgs } });
}

describe('routeRequest without routing extras', () => {
  const first = buildSnapshotView(1, 'hash', holdState(testSnapshotState('http://upstream.test/v1/')));

  it('routes the same key and model again on the same view', () => {
    expect(route(first)).toEqual(['simulator']);
    expect(route(first)).toEqual(['simulator']);
  });

  it("follows the next snapshot's policy for a key and model it already routed (the key object itself unchanged)", () => {
    expect(route(first)).toEqual(['simulator']);
    expect(route(withOrg(first, { allowedModels: ['other/*'] }))).toBe('forbidden');
    expect(route(withOrg(first, { deniedProviders: ['simulator'] }))).toBe('forbidden');
    expect(route(first)).toEqual(['simulator']);
  });

  it('refuses an unknown model every time', () => {
    expect(route(first, 'simulator/unknown')).toBe('model_not_found');
    expect(route(first, 'simulator/unknown')).toBe('model_not_found');
  });
});
