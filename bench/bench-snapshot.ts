// The snapshot the data plane serves during the benchmark: the data-plane test fixture's keys, org,
// provider and model (so it follows the snapshot contract as it evolves), pointed at the simulator,
// with an org policy that every request is checked against (an allow list and a denied provider).
import { hashSecret } from '../shared/src/crypto.ts';
import type { SnapshotState } from '../shared/src/snapshot.ts';
import { TEST_API_KEY, testSnapshotState } from '../data-plane/src/testing/data-plane-fixture.ts';

export const BENCH_API_KEY = TEST_API_KEY;

export function benchSnapshotState(upstreamBaseUrl: string): SnapshotState {
  const state = testSnapshotState(upstreamBaseUrl);
  const org = state.orgs.org_alpha as SnapshotState['orgs'][string];
  state.orgs.org_alpha = { ...org, allowedModels: ['simulator/*'], deniedProviders: ['other'] };
  return state;
}

/** The same state with `count` more API keys, as a large organization's snapshot would carry. */
export function withExtraKeys(state: SnapshotState, count: number): SnapshotState {
  const template = state.apiKeys[hashSecret(TEST_API_KEY)] as SnapshotState['apiKeys'][string];
  const apiKeys = { ...state.apiKeys };
  for (let index = 0; index < count; index++) {
    apiKeys[hashSecret(`sk-gw-bench-extra-${index}`)] = { ...template, id: `key_extra_${index}`, userId: `user_extra_${index % 1000}`, name: `extra ${index}` };
  }
  return { ...state, apiKeys };
}

/** The model bench:compare --door=messages sends Anthropic Messages to: one endpoint of kind `anthropic` on the simulator. */
export const BENCH_MESSAGES_MODEL = 'simulator/claude-echo';
/** The model bench:compare --door=responses sends Responses to: one endpoint on a provider with the slug `openai`, which speaks them natively. */
export const BENCH_RESPONSES_MODEL = 'simulator/responses-echo';
/** The model bench:compare --door=chat-mistral and --door=fim send to: one endpoint of kind `mistral` on the simulator (chat and FIM). */
export const BENCH_MISTRAL_MODEL = 'simulator/mistral-echo';

/**
 * The state with BENCH_MESSAGES_MODEL and BENCH_RESPONSES_MODEL, so /v1/messages and /v1/responses take
 * their doors' native paths (the client's body passed through) to the simulator.
 */
export function withNativeDoorModels(state: SnapshotState, upstreamBaseUrl: string): SnapshotState {
  const echo = state.models['simulator/echo'] as SnapshotState['models'][string];
  const provider = state.providers.prov_simulator as SnapshotState['providers'][string];
  const endpoint = echo.endpoints[0] as (typeof echo.endpoints)[number];
  const model = (id: string, providerId: string, upstreamModel: string) => ({
    ...echo,
    id,
    aliases: [],
    endpoints: [{ ...endpoint, providerId, upstreamModel }],
  });
  return {
    ...state,
    providers: {
      ...state.providers,
      prov_simulator_anthropic: { ...provider, id: 'prov_simulator_anthropic', slug: 'simulator-anthropic', kind: 'anthropic', baseUrl: upstreamBaseUrl },
      prov_simulator_openai: { ...provider, id: 'prov_simulator_openai', slug: 'openai', baseUrl: upstreamBaseUrl },
      prov_simulator_mistral: { ...provider, id: 'prov_simulator_mistral', slug: 'simulator-mistral', kind: 'mistral', baseUrl: upstreamBaseUrl },
    },
    models: {
      ...state.models,
      [BENCH_MESSAGES_MODEL]: model(BENCH_MESSAGES_MODEL, 'prov_simulator_anthropic', 'claude-echo'),
      [BENCH_RESPONSES_MODEL]: model(BENCH_RESPONSES_MODEL, 'prov_simulator_openai', 'responses-echo'),
      [BENCH_MISTRAL_MODEL]: model(BENCH_MISTRAL_MODEL, 'prov_simulator_mistral', 'mistral-echo'),
    },
  };
}
