import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../shared/src/errors.ts';
import { snapshotPricesSchema } from '../../../shared/src/snapshot.ts';
import { buildSnapshotView } from '../snapshot/snapshot-view.ts';
import { holdState } from '../snapshot/held-state.ts';
import { FIXTURE_UPSTREAM_KEY, testSnapshotState, UPSTREAM_KEY_ENV } from '../testing/data-plane-fixture.ts';
import { EndpointHealth } from './endpoint-health.ts';
import { chooseEndpoints } from './choose-endpoints.ts';
import { defaultProviderPreferences } from './parse-routing-options.ts';
import { resolveModel } from './resolve-model.ts';

const view = buildSnapshotView(1, 'hash', holdState(testSnapshotState('http://upstream.test/v1/')));

describe('resolveModel', () => {
  it('finds a model by its public id', () => {
    expect(resolveModel(view, 'simulator/echo').name).toBe('Echo');
  });

  it('throws model_not_found (404, param model) for an unknown id', () => {
    const error = (() => {
      try {
        resolveModel(view, 'simulator/unknown');
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).status).toBe(404);
    expect((error as GatewayError).toEnvelope().error).toMatchObject({ code: 'model_not_found', param: 'model' });
  });
});

const open = { allowedProviders: null, deniedProviders: [] };
const noPreferences = defaultProviderPreferences();
const health = new EndpointHealth();
const owner = { orgId: 'org_alpha', userId: 'user_alpha' };
const platformKeys = new Map([[UPSTREAM_KEY_ENV, FIXTURE_UPSTREAM_KEY]]);

describe('chooseEndpoints', () => {
  it('picks the endpoints whose provider exists and builds the upstream URL', () => {
    const [chosen] = chooseEndpoints(view, open, [resolveModel(view, 'simulator/echo')], noPreferences, owner, platformKeys, health);
    expect(chosen?.endpoint.upstreamModel).toBe('echo');
    expect(chosen?.route.chat.url).toBe('http://upstream.test/v1/chat/completions');
  });

  it('throws no_provider_available (503) when no endpoint has a provider', () => {
    const model = {
      ...resolveModel(view, 'simulator/echo'),
      endpoints: [
        { providerId: 'gone', upstreamModel: 'x', prices: snapshotPricesSchema.parse({ prompt: 0, completion: 0, cacheRead: null, cacheWrite: null }) },
      ],
    };
    expect(() => chooseEndpoints(view, open, [model], noPreferences, owner, platformKeys, health)).toThrow(GatewayError);
  });
});
